"""Markers shared by the tests that start a live instance (``zhenwu.testing.live``)."""

import pytest
from django.conf import settings

#: The live instance runs on SQLite (a temporary ``var/``): these tests run once, in the SQLite pass
#: of ``make test``, and are skipped in the PostgreSQL pass.
sqlite_pass_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="runs against SQLite in the first pass",
)
