"""Settings for zhenwu, read from environment variables with safe defaults for the embedded mode.

Embedded mode (the default): SQLite and files under ``var/``, one web process and one task worker.
Scale-out: set ``DATABASE_URL`` to PostgreSQL and run more web processes and ``db_worker``s.
Every variable is documented in README.md ("Configuration").
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from zhenwu.core.secretfiles import create_once


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("ZHENWU_VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use DJANGO_SECRET_KEY, or a key generated once into var/ so sessions survive restarts."""
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    create_once(path, secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DJANGO_DEBUG")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # the built-in widget templates, for FORM_RENDERER below
    "django_tasks",
    "django_tasks_db",
    "template_partials",
    "django_htmx",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "zhenwu.core",
    "zhenwu.petitions",
    "zhenwu.reports",
    "zhenwu.duty",
    "zhenwu.mediation",
    "zhenwu.safety",
    "zhenwu.plans",
    "zhenwu.public",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zhenwu.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhenwu.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "zhenwu.core.middleware.SessionIdleMiddleware",
    "zhenwu.core.middleware.AccountSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zhenwu.core.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks: turns a lockout flagged during the request into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhenwu.urls"
WSGI_APPLICATION = "zhenwu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "zhenwu.core.context_processors.navigation",
            ],
        },
    },
]

# Forms render through the project's template engine, so src/zhenwu/templates/django/forms/ can
# replace a built-in widget template (select.html: its options inline, for speed).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on the busy timeout instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: PostgreSQL compiles a query whose estimated cost passes jit_above_cost, and for a
    # search's count in a province that took ~230 ms to save a few (make bench, docs/performance.md).
    # zhenwu's queries are short; the longest (exports) read rows, which JIT does not speed up.
    # An ``options`` in DATABASE_URL comes after this one, so ``?options=-c%20jit%3Don`` still wins.
    pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    pg_options["options"] = f"-c jit=off {pg_options.get('options', '')}".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

# --- Authentication -------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"
# Argon2id first; PBKDF2 stays so that older hashes still verify and are rehashed on the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "zhenwu.core.password_validation.CharacterClassValidator"},
]
# django-axes refuses authentication while an account or an address is locked out; it must come first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Two separate criteria: too many failures for one account (from anywhere) or from one address
# (for any account) each lock out. Wrong two-factor codes count as failures too.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = int(os.environ.get("ZHENWU_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("ZHENWU_LOGIN_COOLOFF_MINUTES", "30")))
# The rate limits' address rule (REMOTE_ADDR; X-Forwarded-For only from ZHENWU_TRUSTED_PROXY).
AXES_CLIENT_IP_CALLABLE = "zhenwu.core.views.account.axes_client_ip"
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in the audit log already
AXES_LOCKOUT_CALLABLE = "zhenwu.core.views.account.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_ENABLE_ADMIN = False  # unlocking is a service (audited) on the person page, not an admin delete
AXES_VERBOSE = False
# Two-factor: TOTP apps plus one-time backup codes. Required for the roles that see a whole township
# or the instance (ZHENWU_REQUIRE_2FA), optional for everyone else. Wrong codes count towards the
# django-axes lockout, so django-otp's own per-device throttle is not needed on top.
ZHENWU_REQUIRE_2FA = env_bool("ZHENWU_REQUIRE_2FA", default=True)
OTP_TOTP_ISSUER = "zhenwu"
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# A session without a request for this long is logged out (0 turns idle expiry off).
ZHENWU_SESSION_IDLE_MINUTES = int(os.environ.get("ZHENWU_SESSION_IDLE_MINUTES", "30"))
# Accounts created or reset by an administrator (and the demo accounts) must set their own password.
ZHENWU_FORCE_PASSWORD_CHANGE = True
SESSION_COOKIE_AGE = int(os.environ.get("ZHENWU_SESSION_AGE", str(8 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Security headers -----------------------------------------------------------------------
HTTPS = env_bool("ZHENWU_HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("ZHENWU_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# The browsers' HSTS preload list takes only public domains registered through hstspreload.org;
# an intranet host name (zhenwu.county.local, an address) cannot be on it. Off by default, and its
# check (security.W021) silenced below; a site on a public domain may opt in.
SECURE_HSTS_PRELOAD = HTTPS and env_bool("ZHENWU_HSTS_PRELOAD")
# Health probes of the proxy or the orchestrator call the server directly over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
# `manage.py check --deploy` with the documented production environment (docs/production.md)
# reports nothing (core/tests/test_deploy_check.py); W021 (HSTS preload) does not apply to an
# intranet host name, see SECURE_HSTS_PRELOAD above.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [Path(__file__).resolve().parent / "static"]
MEDIA_ROOT = VAR_DIR / "files"  # never served by URL: attachments go through permission-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Cache (rate limits of the public pages) -------------------------------------------------
# One process: Django's local-memory cache. Several web processes must share the counters:
# ZHENWU_CACHE=db, then `manage.py createcachetable`. TIMEOUT must cover the longest window
# (an hour): the database cache rewrites an entry's expiry on every increment.
if os.environ.get("ZHENWU_CACHE") == "db":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "zhenwu_cache",
            "TIMEOUT": 3600,
        }
    }
# Addresses of the reverse proxy; X-Forwarded-For is believed only from these (its last entry).
ZHENWU_TRUSTED_PROXY = env_list("ZHENWU_TRUSTED_PROXY", "")

# --- Personal data at rest --------------------------------------------------------------------
# Residents' ID numbers and phones are encrypted in the database (core/crypto.py). The keyring:
# "id:base64key,id:base64key", newest first. Empty (the embedded default): var/data_keys, made on
# first use. Rotate with `manage.py rotate_data_key`. Keys are not in backups: keep them apart.
ZHENWU_DATA_KEYS = os.environ.get("ZHENWU_DATA_KEYS", "")

# --- Petitions --------------------------------------------------------------------------------
ZHENWU_MAX_ATTACHMENT_BYTES = int(os.environ.get("ZHENWU_MAX_ATTACHMENT_BYTES", str(10 * 2**20)))
ZHENWU_SATISFACTION_WINDOW_DAYS = int(os.environ.get("ZHENWU_SATISFACTION_WINDOW_DAYS", "30"))

# --- Background tasks -----------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("ZHENWU_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Notifications --------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "zhenwu@localhost")
ZHENWU_SMS_PROVIDER = os.environ.get(
    "ZHENWU_SMS_PROVIDER", "zhenwu.core.notifications.channels.ConsoleSmsProvider"
)
ZHENWU_WEBHOOK_TIMEOUT = float(os.environ.get("ZHENWU_WEBHOOK_TIMEOUT", "10"))
ZHENWU_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("ZHENWU_NOTIFY_MAX_ATTEMPTS", "6"))
# A message being sent is claimed for this many seconds; after that another worker may retry it.
ZHENWU_NOTIFY_SENDING_LEASE = float(os.environ.get("ZHENWU_NOTIFY_SENDING_LEASE", "600"))
# How often the scheduler sweeps the outbox for messages whose task was lost (a crash).
ZHENWU_NOTIFY_SWEEP_SECONDS = int(os.environ.get("ZHENWU_NOTIFY_SWEEP_SECONDS", "60"))

# --- Logging: to stderr, no personal data is ever passed to a logger -------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # The filter masks ID numbers and phones that reach a log by accident (an exception quoting a
    # submitted value): core/logredact.py, core/tests/test_private_data_logs.py.
    "filters": {"redact": {"()": "zhenwu.core.logredact.RedactPersonalData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZHENWU_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- API ------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_MAX_PER_PAGE_SIZE = 200
NINJA_PAGINATION_CLASS = "zhenwu.core.api.pagination.BoundedPageNumberPagination"
API_TITLE = _("zhenwu API")
