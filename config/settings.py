"""Tideline settings: one module, every deployment knob read from the environment.

Defaults are the embedded development setup (SQLite, a file-system Celery broker, a file cache,
email on the console). Production sets DATABASE_URL, REDIS_URL, EMAIL_URL, SECRET_KEY,
ALLOWED_HOSTS and leaves DEBUG off; `manage.py check --deploy --fail-level WARNING` then passes.
The README has a table of every variable.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.sentry import sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # embedded runtime state: SQLite file, broker queue, cache, mail

env = environ.Env()
# A local `.env` (written by `make run`, never committed) keeps a developer's secret key and
# DEBUG=true between runs. Real environment variables always win over it.
# ENV_FILE picks another file; ENV_FILE="" reads none (the tests do, to stay hermetic).
_env_file = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if _env_file:
    environ.Env.read_env(_env_file, overwrite=False)

# Off unless asked for: a deployment that forgets DEBUG must not end up in debug mode.
DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("TIDELINE_TESTING", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set the SECRET_KEY environment variable (a long random string). "
            "Only DEBUG=true runs may fall back to a development key."
        )
    SECRET_KEY = "insecure-development-key-only-used-when-DEBUG-is-true"  # noqa: S105

# Old keys still accepted after a rotation (comma-separated): sessions, signed links and the
# sealed cache (config/private_cache.py) made with them keep working until they are dropped.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "accounts",
    "journal",
    "careteam",
]

MIDDLEWARE = [
    # First: `/healthz` answers before sessions, CSRF and the rest (config/health.py).
    "config.health.HealthCheckMiddleware",
    # Each request's id (X-Request-ID, and on every log line) and its one access line.
    "config.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.RefreshSessionExpiryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.RequestBodyGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    "accounts.middleware.ActivateUserTimeZoneMiddleware",
    "accounts.middleware.NoStoreMiddleware",
]
# Every response of these apps' views is sent with Cache-Control: no-store
# (accounts.middleware.NoStoreMiddleware): journal, care team, export, settings, sign-in.
NO_STORE_APPS = ["journal", "careteam", "accounts", "allauth"]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.idle_warning",
            ],
        },
    },
]

# Django's form renderer, remembering the HTML of small choice and number widgets per process:
# the same markup, without re-rendering the check-in form's fifty widgets each time
# (config/form_renderer.py says what is and is never remembered).
FORM_RENDERER = "config.form_renderer.RememberingRenderer"

# --- Database ---
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tideline.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file in the embedded setup: WAL lets readers and a
    # writer work at once, IMMEDIATE transactions and a timeout make writers queue, not fail.
    _db["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so a real Celery worker started by the tests opens the same database.
    _db["TEST"] = {"NAME": str(VAR_DIR / "test-tideline.sqlite3")}
else:
    # Persistent connections: a one-row page served 0.14x the requests per second with a new
    # connection per request on this kind of machine (shared/NOTES.md).
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    _db["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes are a PostgreSQL feature; on the embedded SQLite they are plain indexes.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Cache and Celery ---
REDIS_URL = env("REDIS_URL", default="")
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", default="tideline")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, served from memory while Redis is unreachable (config/cache.py),
            # so an outage never fails a request; short socket timeouts so a dead host is noticed
            # in a second, not minutes.
            "BACKEND": "config.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Shared by every process of the embedded run, so allauth's rate limits hold across them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
# Seconds before Redis hands an unacknowledged task to another worker (a killed worker's task
# is redelivered after this). Keep it above every ETA and retry delay (EMAIL_RETRY_BACKOFF_MAX).
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = str(VAR_DIR / "broker")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _queue_dir,
        "data_folder_out": _queue_dir,
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
else:
    # Task ETAs and retry backoff must stay below this, or Redis hands the task out twice.
    # Unacked messages of a killed worker come back after it; the sweep that returns them runs
    # every few seconds (kombu's default scans only every 100 s), so a short timeout set for a
    # test redelivers promptly.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "unacked_restore_interval": min(10, max(1, CELERY_VISIBILITY_TIMEOUT // 5)),
        "unacked_restore_throttle": 1,
    }
# Celery's Django fixup closes every database connection before and after each task unless
# this is set, whatever CONN_MAX_AGE says: each task then paid for a new connection and a cold
# server process. Set out of reach; config/celery.py closes old connections around each task
# the way Django does around each request (CONN_MAX_AGE, health checks).
CELERY_DB_REUSE_MAX = 10**9
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="tideline")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing happens inside a patient's request: if the broker is down, give up fast (the save is
# already committed and a periodic sweep catches up) instead of hanging the page.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "config.tasks.heartbeat", "schedule": 60.0},
    # Catches up care-team alerts whose immediate enqueue was lost (careteam/tasks.py).
    "care-alerts-sweep": {"task": "careteam.tasks.alert_new_signals", "schedule": 60.0},
    # Mondays 12:30 UTC: by then last week has ended in every time zone (UTC-12 included).
    "weekly-summaries-finished-week": {
        "task": "journal.tasks.weekly_summaries_refresh_finished_week",
        "schedule": crontab(minute=30, hour=12, day_of_week="mon"),
    },
    # One indexed query per run finds everyone whose reminder time has come (journal/reminders).
    # Every minute, so a reminder arrives within a minute or two of the chosen local time.
    "reminders-dispatch": {"task": "journal.reminders_dispatch", "schedule": 60.0},
    # Uploaded history files nobody went on to import do not linger (journal/imports/run.py).
    "import-jobs-expire": {"task": "journal.import_jobs_expire", "schedule": 3600.0},
    # Sends reminders the beat claimed (and logged as pending) whose send batch never ran: a
    # broker that lost its queue, a batch dropped on the floor (journal/reminders/sweep.py).
    "reminders-sweep": {"task": "journal.reminders_sweep", "schedule": 60.0},
    # Recomputes the weeks (and warning signs) a save marked stale whose own task never ran
    # (journal/stale.py): a check-in saved while Redis was down is right within a minute or so
    # of its return.
    "stale-weeks-sweep": {"task": "journal.stale_weeks_sweep", "schedule": 60.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Email ---
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Tideline <no-reply@tideline.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 15
# Reminder emails: how many patients one send task handles over one SMTP connection, and the
# longest wait between retries of a failed send (kept well under the visibility timeout, or a
# waiting retry would be handed out twice).
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=200)
EMAIL_RETRY_BACKOFF_MAX = min(600, CELERY_VISIBILITY_TIMEOUT // 2)
# A reminder the beat logged as pending and no batch sent within this many seconds is sent by
# the every-minute sweep. Longer than a healthy batch takes, shorter than anyone would notice.
REMINDER_SWEEP_AFTER = env.int("REMINDER_SWEEP_AFTER", default=180)
# A week a save marked stale (journal/stale.py) and no task recomputed within this many seconds
# is recomputed by the every-minute sweep. Longer than a healthy task takes to arrive.
STALE_WEEKS_SWEEP_AFTER = env.int("STALE_WEEKS_SWEEP_AFTER", default=120)
# `/healthz` reports the worker or beat as failing when its heartbeat (every minute) is older
# than this many seconds.
HEALTH_HEARTBEAT_MAX_AGE = env.int("HEALTH_HEARTBEAT_MAX_AGE", default=180)
# A care-team alert whose send began this many seconds ago and never finished (a killed worker)
# is sent again by the alert sweep: alerts are at least once (accounts/delivery.py).
DELIVERY_INTERRUPTED_AFTER = env.int("DELIVERY_INTERRUPTED_AFTER", default=180)

# --- Web Push (notifications; accounts/push.py) ---
# The VAPID key pair that signs our push requests (`manage.py make_vapid_keys` prints one).
# Without both, Settings offers no notifications and reminders go by email only.
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
# Who push services may contact about our traffic: a mailto: address or an https URL.
VAPID_SUBJECT = env.str(
    "VAPID_SUBJECT",
    default=SITE_URL
    if SITE_URL.startswith("https://")
    else "mailto:" + (DEFAULT_FROM_EMAIL.rpartition("<")[2].rstrip(">") or "no-reply@localhost"),
)
# The push services a browser's subscription may point at (a host or its subdomains, https).
# The server POSTs to that address, so nothing else is accepted.
PUSH_SERVICE_HOSTS = env.list(
    "PUSH_SERVICE_HOSTS",
    default=[
        "fcm.googleapis.com",
        "push.services.mozilla.com",
        "push.apple.com",
        "notify.windows.com",
    ],
)

# --- Accounts (django-allauth 65) ---
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm", "login": "accounts.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Sessions end when the browser closes; allauth's own "Remember me" is replaced by "Keep me
# signed in on this phone" (accounts.forms.LoginForm, accounts/trusted.py).
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("REAUTHENTICATION_TIMEOUT", default=300)
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Tideline: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Explicit, so a reader sees what is limited. They need a cache every process shares (Redis, or
# the file cache above). Failed sign-ins (accounts/adapter.py): 10 a minute per address (many
# accounts tried from one place); per address and account together 5 in 5 minutes and 20 a day
# ("key"), so a stranger's wrong passwords never lock the real person out from elsewhere; and per
# account alone 100 a day, out of reach of any one address, for guessing spread over many.
# allauth also counts wrong second-factor codes under "login_failed", keyed by account.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key,20/d/key",
    "login_failed_account": "100/d/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# The client's address, for the limits above. Behind the TLS proxy the README recommends every
# request comes from the proxy: without these, ten wrong passwords a minute from anyone would
# stop every sign-in. Either the number of proxies you run in front of the app (the client is
# the entry that many from the end of X-Forwarded-For; earlier entries can be forged), or a
# header your proxy sets to the client's address (e.g. X-Real-IP); never both, never more
# proxies than you run.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("ALLAUTH_TRUSTED_CLIENT_IP_HEADER", default="") or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Tideline"
# Care-team members and staff see many patients' data: until they have an authenticator app or
# a passkey they reach only the enrolment pages (accounts/two_factor.py). On whenever DEBUG is
# off, and `check --deploy` fails if production turns it off; the DEBUG demo leaves it off so
# the demo clinician signs in with a password.
REQUIRE_TWO_FACTOR = env.bool("REQUIRE_TWO_FACTOR", default=not DEBUG)
# fido2 treats http://localhost as insecure; only the DEBUG development run may relax that.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Request bodies (accounts.middleware.RequestBodyGuardMiddleware refuses larger ones unread).
# Forms: a few KB; 1 MB leaves room for a long safety plan or an offline queue of check-ins.
MAX_FORM_BODY_BYTES = env.int("MAX_FORM_BODY_BYTES", default=1024 * 1024)
# Signed out: sign-in, sign-up and password forms only, and no uploads.
MAX_ANONYMOUS_BODY_BYTES = env.int("MAX_ANONYMOUS_BODY_BYTES", default=64 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_FORM_BODY_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 1  # the import page takes one file
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger uploads wait in a temporary file
# The history import (journal/imports): ten years of Daylio is about 1 MB, a Tideline ZIP of
# years a few MB. Signed-in patients only; every other page refuses multipart bodies.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=8 * 1024 * 1024)

# Flash messages ("Your PHQ-9 score is 12", "Invitation sent to ...") live in the server-side
# session, never in a cookie: a cookie is sent on every request and kept by the browser.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Sessions, cookies and transport security ---
# Idle timeout: activity moves the session's expiry forward, at most once a refresh interval
# (accounts.middleware.RefreshSessionExpiryMiddleware), so 30 quiet minutes end the session
# (within one interval) without a session write on every request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_REFRESH_INTERVAL = env.int("SESSION_REFRESH_INTERVAL", default=60)
# However active, a session ends this long after signing in, except on a trusted device
# ("Keep me signed in on this phone", accounts/trusted.py), which lasts TRUSTED_DEVICE_DAYS
# from signing in with no idle timeout; sensitive pages still ask for the password again.
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_ABSOLUTE_LIFETIME", default=12 * 60 * 60)
TRUSTED_DEVICE_DAYS = env.int("TRUSTED_DEVICE_DAYS", default=30)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# The header only allows preloading; submitting the domain to browsers stays a human decision.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy: our own origin only, nothing inline. The one hash allows the single
# empty <style> element Plotly creates and fills through the CSSOM (shared/NOTES.md).
PLOTLY_EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, PLOTLY_EMPTY_STYLE_HASH],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Static files, i18n ---
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Product knobs ---
# Crisis lines shown on the "Need help now?" page. The default is the US; set CRISIS_REGION and
# CRISIS_LINES ("Name|how to reach|note;..." ) for other places.
CRISIS_REGION = env("CRISIS_REGION", default="United States")
CRISIS_LINES = env(
    "CRISIS_LINES",
    default=(
        "988 Suicide & Crisis Lifeline|Call or text 988|Free, confidential, 24/7;"
        "Crisis Text Line|Text HOME to 741741|Free, 24/7;"
        "Emergency services|Call 911|If you are in immediate danger"
    ),
)

# An urgent warning (thoughts of self-harm) rests after this many calm days: days after the
# last report with a check-in that reported none (journal/signals.py). Days without a check-in
# do not count.
SIGNAL_CALM_DAYS = env.int("SIGNAL_CALM_DAYS", default=7)

# Requests per account to the pages about one patient (/care/patients/...), per window
# (accounts/ratelimit.py notation: "60/m,600/h"). Well above a clinician's normal pace; it stops
# scripts that walk ids or flood a patient's "Who viewed my data" with refused looks.
CARE_PATIENT_PAGES_RATE_LIMIT = env.str("CARE_PATIENT_PAGES_RATE_LIMIT", default="60/m,600/h")

# PHQ-9 and GAD-7 are due this many days after the last one (the journal, reminders and the
# care-team dashboard all read this one number).
QUESTIONNAIRE_DUE_DAYS = env.int("QUESTIONNAIRE_DUE_DAYS", default=14)
# Database connections a rebuild of many patients' weekly summaries spreads its batches over
# (PostgreSQL only; INSERT ... SELECT never runs as a parallel query, so this is how a rebuild
# uses more than one core). 1 runs every batch on the caller's connection.
TRENDS_REBUILD_CONNECTIONS = env.int("TRENDS_REBUILD_CONNECTIONS", default=2)

# --- Logging: no health data, ever. Log ids and event names, not values. ---
# One JSON object a line (config/logs.py) unless LOG_FORMAT=plain (the DEBUG default): time,
# level, logger, message, the request's id, and for each request one "request" line with its
# method, URL pattern (never the path or query string), status and milliseconds.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.logs.RequestIdFilter"},
        "no_request_details": {"()": "config.logs.NoRequestDetails"},
        "redact_paths": {"()": "config.access_log.RedactPaths"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.logs.json_formatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            # Django's request loggers write paths ("Not Found: /care/join/<token>/"): every
            # line through this handler has them redacted (config/access_log.py).
            "filters": ["request_id", "no_request_details", "redact_paths"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own handlers (its console, mail to ADMINS, the development server's) are
        # replaced by ours, so every request line is redacted on the way out.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Error reports (optional): Sentry or GlitchTip, scrubbed of health data (config/sentry.py) ---
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    sentry_init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str("SENTRY_RELEASE", default=""),
    )
