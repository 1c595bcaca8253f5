"""Salesflow settings: one file, driven by environment variables.

Defaults are safe for a local checkout (SQLite beside the code, DEBUG off unless asked).
Production sets at least SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# A fixed development key is only acceptable when DEBUG is on or no key was set for a local run;
# `salesflow check --deploy` flags it, and production must set SECRET_KEY.
SECRET_KEY = os.environ.get(
    "SECRET_KEY", "django-insecure-salesflow-local-development-key-change-me"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "auditlog",
    "axes",
    # Two-factor sign-in (docs/two-factor.md): authenticator apps and one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "salesflow.core",
    "salesflow.users",
    "salesflow.customfields",
    "salesflow.listviews",
    "salesflow.customers",
    "salesflow.leads",
    "salesflow.pipeline",
    "salesflow.activities",
    "salesflow.playbooks",
    "salesflow.api",
    "salesflow.demo",
    "salesflow.audit",
    "salesflow.privacy",
    "salesflow.quotes",
    "salesflow.imports",
    "salesflow.pages",
    "salesflow.search",
    "salesflow.analytics",
    "salesflow.followup",
    "salesflow.outreach",
    "salesflow.coaching",
    "salesflow.referrals",
]

MIDDLEWARE = [
    # First: during `salesflow restore` every request answers 503 without touching the database.
    "salesflow.core.maintenance.MaintenanceMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-factor: which device verified this session; then whoever still owes a code (or must
    # set two-factor up) sees that page before any other (salesflow/users/twofactor_middleware.py).
    "django_otp.middleware.OTPMiddleware",
    "salesflow.users.twofactor_middleware.TwoFactorMiddleware",
    "salesflow.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "salesflow.urls"
WSGI_APPLICATION = "salesflow.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{PROJECT_DIR / 'salesflow.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the web server read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    # A page cache of SQLITE_CACHE_MB per connection (SQLite's own default is 2 MB, which a
    # table of 100,000 leads with its indexes outgrows: every insert and page read then goes to
    # the operating system) and reads through a memory map of up to SQLITE_MMAP_MB
    # (docs/configuration.md, docs/benchmarks.md "Session 14: SQLite's page cache").
    _sqlite_cache_kib = int(os.environ.get("SQLITE_CACHE_MB", "64")) * 1024
    _sqlite_mmap_bytes = int(os.environ.get("SQLITE_MMAP_MB", "0")) * 1024 * 1024
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command",
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        f"PRAGMA cache_size=-{_sqlite_cache_kib}; PRAGMA mmap_size={_sqlite_mmap_bytes};",
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    # Tests use a file, not shared-cache memory, so concurrent-write tests see real locking;
    # one file per test process, so parallel runs never share it.
    DATABASES["default"].setdefault(
        "TEST",
        {
            "NAME": os.environ.get(
                "SQLITE_TEST_NAME",
                str(Path(tempfile.gettempdir()) / f"salesflow-test-{os.getpid()}.sqlite3"),
            )
        },
    )

# --- Scale-out (issue #10 point 7) ---
# docs/scaling.md. Persistent connections: DATABASE_CONN_MAX_AGE (above) keeps each process's
# connection open between requests; DATABASE_CONN_HEALTH_CHECKS checks a kept connection before
# a request reuses it, so one the database dropped (a restart, a proxy's idle timeout) is
# replaced instead of failing the request. (psycopg's pool, OPTIONS={"pool": ...}, needs the
# psycopg_pool package, which Salesflow does not install.)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DATABASE_CONN_HEALTH_CHECKS", False)
# PostgreSQL behind PgBouncer in transaction mode (the pool then lives in PgBouncer): streamed
# exports use server-side cursors, which that mode cannot keep; this turns them off.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS", False
)
# A read replica for the reports (salesflow/core/dbrouter.py): the report pages, their CSV and
# /api/v1/analytics read from it; everything else, and every write and migration, uses default.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=DATABASES["default"]["CONN_HEALTH_CHECKS"],
        disable_server_side_cursors=DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"],
    )
    # Tests read the replica from the test database itself.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["salesflow.core.dbrouter.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("axes.middleware.AxesMiddleware"),
        "salesflow.core.dbrouter.ReplicaReadsMiddleware",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "pages:dashboard"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses sign-ins for a locked-out username and address.
    "axes.backends.AxesStandaloneBackend",
    "salesflow.users.backends.RoleBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_LOCKOUT_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# A wrong two-factor code counts as a failed sign-in; the code tried is never stored.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "secret"]
# Two-factor sign-in (docs/two-factor.md): the roles that must use it, "admin" (the default),
# "all", "none", or a comma-separated list of roles ("admin,manager").
SALESFLOW_2FA_REQUIRED = os.environ.get("SALESFLOW_2FA_REQUIRED", "admin")
OTP_TOTP_ISSUER = os.environ.get("SALESFLOW_2FA_ISSUER", "Salesflow")
# How many reverse proxies stand in front of Salesflow (each appends to X-Forwarded-For); the
# lockout, the capture form's rate limit and the audit log key on the client's address behind
# them (salesflow/core/http.py). 0: no proxy, X-Forwarded-For is ignored.
# The flag file `salesflow restore` writes while it runs (salesflow/core/maintenance.py).
SALESFLOW_MAINTENANCE_FILE = os.environ.get(
    "SALESFLOW_MAINTENANCE_FILE", str(PROJECT_DIR / "salesflow.maintenance")
)
SALESFLOW_TRUSTED_PROXIES = int(os.environ.get("SALESFLOW_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "salesflow.core.http.client_ip"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour: "example.com" means https://

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PROJECT_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", PROJECT_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: only our own scripts and styles, no inline code.
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

# Field-level history of the records people trust the CRM with, and of its settings.
AUDITLOG_INCLUDE_TRACKING_MODELS = tuple(
    {"model": label, "exclude_fields": ["updated_at", *extra_excluded]}
    for label, extra_excluded in (
        # Name keys follow the names, whose changes are logged already.
        ("customers.Account", ["name_key"]),
        ("customers.Contact", ["name_key"]),
        # Scores are recomputed in bulk, not edited: their changes are not history.
        ("leads.Lead", ["score", "grade", "score_breakdown", "scored_at", "fit_score", "name_key"]),
        ("leads.Campaign", []),
        ("leads.LeadCaptureForm", []),
        ("leads.ProfileCriterion", []),
        ("leads.ScoringRule", []),
        ("leads.LeadScoringSettings", []),
        ("leads.AssignmentRule", []),
        ("leads.DisqualificationReason", []),
        ("pipeline.StageRequirement", []),
        ("pipeline.Deal", []),
        ("pipeline.Pipeline", []),
        ("pipeline.Stage", []),
        ("pipeline.LostReason", []),
        ("users.Team", []),
        ("quotes.Product", []),
        ("quotes.Quote", []),
        ("quotes.QuoteLine", []),
        ("quotes.QuoteSettings", []),
        ("users.User", ["password", "last_login"]),
    )
)
AUDITLOG_STORE_JSON_CHANGES = True
# Restoring a backup (loaddata) must not log every row as a new change.
AUDITLOG_DISABLE_ON_RAW_SAVE = True

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "salesflow@localhost")

# Region used to read phone numbers written without a country code.
SALESFLOW_PHONE_REGION = os.environ.get("SALESFLOW_PHONE_REGION", "US")
SALESFLOW_DEFAULT_CURRENCY = os.environ.get("SALESFLOW_DEFAULT_CURRENCY", "EUR")

# Imports (docs/imports.md): the largest file accepted; how long an upload left in the wizard
# (a draft) is kept, and how long the file of a finished import is kept (its job, counts and
# row errors stay as history). 0 keeps them for ever. Removed by `salesflow cleanup`, which the
# worker also runs on its schedule.
SALESFLOW_IMPORT_MAX_BYTES = int(os.environ.get("SALESFLOW_IMPORT_MAX_BYTES", "52428800"))  # 50 MB
# What an XLSX upload may unpack to (its zip parts together); the upload itself is capped above.
SALESFLOW_IMPORT_XLSX_MAX_UNPACKED_BYTES = int(
    os.environ.get("SALESFLOW_IMPORT_XLSX_MAX_UNPACKED_BYTES", str(256 * 2**20))
)
SALESFLOW_IMPORT_DRAFT_HOURS = int(os.environ.get("SALESFLOW_IMPORT_DRAFT_HOURS", "24"))
SALESFLOW_IMPORT_FILE_DAYS = int(os.environ.get("SALESFLOW_IMPORT_FILE_DAYS", "30"))
# SQLite: the import pauses this long after each chunk of 1,000 rows so that users' saves waiting
# for the database's single write lock get it (imports/runner.py); 0 for none.
SALESFLOW_IMPORT_WRITER_PAUSE_MS = int(os.environ.get("SALESFLOW_IMPORT_WRITER_PAUSE_MS", "100"))
# The mapping presets (Salesforce, HubSpot, Pipedrive, X Education): docs/mappings of the
# checkout unless set (an installed copy points it at its own folder).
SALESFLOW_IMPORT_PRESETS_DIR = os.environ.get("SALESFLOW_IMPORT_PRESETS_DIR") or None

# The site's own address for links in emails and calendar feeds (unsubscribe, digest, ICS);
# empty: the address of the request that started the work (http://127.0.0.1:8000 when none).
SALESFLOW_SITE_URL = os.environ.get("SALESFLOW_SITE_URL", "")
# Customer communications (docs/outreach.md): campaign emails per minute (one batch a minute),
# and minutes to wait before trying again after the mail server was down.
SALESFLOW_EMAIL_RATE_PER_MINUTE = int(os.environ.get("SALESFLOW_EMAIL_RATE_PER_MINUTE", "60"))
SALESFLOW_EMAIL_RETRY_MINUTES = int(os.environ.get("SALESFLOW_EMAIL_RETRY_MINUTES", "5"))

# The daily digest (docs/followup.md) goes out from this hour on, local time (TIME_ZONE).
SALESFLOW_DIGEST_HOUR = int(os.environ.get("SALESFLOW_DIGEST_HOUR", "7"))
# Call review (docs/coaching.md): the largest call recording accepted.
SALESFLOW_RECORDING_MAX_BYTES = int(os.environ.get("SALESFLOW_RECORDING_MAX_BYTES", "52428800"))
# Won deals (docs/customers.md): days after the win the owner is asked to request a referral.
SALESFLOW_REFERRAL_ASK_AFTER_DAYS = int(os.environ.get("SALESFLOW_REFERRAL_ASK_AFTER_DAYS", "7"))

# Request bodies under `salesflow serve` (salesflow/core/slowbody.py): a body with no byte for this
# many seconds, or slower on average than the rate below after that long, answers 408 and frees
# the worker; a declared length over the maximum answers 413 (default: twice the largest upload).
SALESFLOW_BODY_IDLE_SECONDS = float(os.environ.get("SALESFLOW_BODY_IDLE_SECONDS", "10"))
SALESFLOW_BODY_MIN_BYTES_PER_SECOND = float(
    os.environ.get("SALESFLOW_BODY_MIN_BYTES_PER_SECOND", "5000")
)
SALESFLOW_BODY_MAX_BYTES = int(
    os.environ.get(
        "SALESFLOW_BODY_MAX_BYTES",
        str(2 * max(SALESFLOW_IMPORT_MAX_BYTES, SALESFLOW_RECORDING_MAX_BYTES)),
    )
)

# Tasks `salesflow worker` runs on its own, every so many hours: (dotted path of the task, hours).
# The schedule lives in the database queue, so several workers never run a task twice as often.
SALESFLOW_WORKER_SCHEDULE = [
    ("salesflow.imports.tasks.imports_cleanup_task", 6),
    # Learn the win and conversion probabilities again from the newest closed deals and leads.
    ("salesflow.analytics.tasks.forecast_train_task", 24),
    # Campaigns whose next batch is over 30 minutes late (a worker died, the mail server was
    # down) are started again; nobody gets the same email twice.
    ("salesflow.outreach.tasks.mailings_restart_task", 1),
    # Follow-up: tier rules, contact dates, a task for each account due for contact.
    ("salesflow.followup.tasks.followup_daily_task", 24),
    # The daily digest: runs hourly, sends once a day from SALESFLOW_DIGEST_HOUR on.
    ("salesflow.followup.tasks.digest_task", 1),
    # The reports' summary data of a pipeline whose stages were reordered, added or archived
    # (until then its funnel and detours read the stage history itself: exact, slower).
    ("salesflow.analytics.tasks.report_summaries_task", 1),
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # 403/404 log one line; 500 keeps its traceback (salesflow/core/logfilters.py).
        "client_errors_without_traceback": {
            "()": "salesflow.core.logfilters.ClientErrorsWithoutTraceback"
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["client_errors_without_traceback"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
