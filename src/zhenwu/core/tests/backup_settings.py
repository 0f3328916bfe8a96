"""Settings of the instances test_backup.py builds in subprocesses: production settings, fast hashing.

Hashing the demo's 64 passwords with the production hasher is most of ``load_demo``'s time and is not
what a backup test measures. Everything else (database, WAL, MEDIA_ROOT under ZHENWU_VAR_DIR, data
keys) is the production configuration.
"""

from zhenwu.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
