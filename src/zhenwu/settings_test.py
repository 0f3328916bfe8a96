"""Settings for the test suite: the production settings with fast, isolated replacements."""

import os
import tempfile
from pathlib import Path

from zhenwu.settings import *  # noqa: F403
from zhenwu.settings import DATABASES, STORAGES

# Fast hashing: password hashing strength is not what these tests measure.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run inline at enqueue; tests of the real worker switch to the database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="zhenwu-test-files-"))
DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not ":memory:": the test database then runs in WAL mode with the busy timeout like
    # production, so tests with concurrent threads wait for locks instead of failing at once.
    # One file per process, so parallel runs (xdist workers, two developers' runs) never share it.
    TEST_DB = Path(tempfile.gettempdir()) / f"zhenwu-test-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(TEST_DB)}
# Account protections that would get in the way of the thousands of tests signing in with
# force_login or Client.login (which calls authenticate() without a request, which django-axes
# refuses) and of tests that move the clock by days: core/tests/test_accounts.py turns each of
# them back on with the ``settings`` fixture.
AXES_ENABLED = False
ZHENWU_REQUIRE_2FA = False
ZHENWU_SESSION_IDLE_MINUTES = 0
ZHENWU_FORCE_PASSWORD_CHANGE = False

# A fixed data keyring, so the suite never writes var/data_keys (tests of the key file and of
# rotation set their own). Two keys: the second one exercises reading under an older key.
ZHENWU_DATA_KEYS = (
    "test2:"
    + "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="
    + ",test1:"
    + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
)
