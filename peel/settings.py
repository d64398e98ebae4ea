"""Settings for the PEEL improvement tracker.

One module; every difference between deployments is an environment variable with a
safe local default (SQLite and a filesystem broker under ``var/``, console email).
``.env.example`` lists them all. A value that cannot be understood stops start-up
with the variable's name in the message.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PEEL_VAR_DIR", BASE_DIR / "var")).resolve()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use true or false")


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default).strip()
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "false")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example)")
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "peel.apps.PeelAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    "django_filters",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "simple_history",
    "inspections",
    "improvements",
    "people",
    "api",
    "axes",
    "devdata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "peel.middleware.idle_timeout",
    "peel.middleware.security_headers",
    "peel.uploads.refused_upload_middleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Lockout (django-axes, peel/auth.py): LOCKOUT_FAILURES wrong passwords for one username,
# or from one address, lock sign-in for LOCKOUT_MINUTES; a success resets the count.
AUTHENTICATION_BACKENDS = [
    "peel.auth.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Single sign-on over OpenID Connect (peel/oidc.py), on when OIDC_CLIENT_ID is set.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
OIDC_DISCOVERY_URL = os.environ.get("OIDC_DISCOVERY_URL", "") or (
    f"{OIDC_ISSUER}/.well-known/openid-configuration" if OIDC_ISSUER else ""
)
if OIDC_ENABLED and not OIDC_DISCOVERY_URL:
    raise ImproperlyConfigured("OIDC_CLIENT_ID is set: set OIDC_ISSUER or OIDC_DISCOVERY_URL too")
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO", "RS256")
OIDC_ID_CLAIM = os.environ.get("OIDC_ID_CLAIM", "sub")
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "")
OIDC_INSPECTOR_GROUPS = envlist("OIDC_INSPECTOR_GROUPS", "")
OIDC_BUTTON_TEXT = os.environ.get("OIDC_BUTTON_TEXT", "Sign in with your organisation's account")
OIDC_CREATE_USER = False
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = envint("OIDC_TIMEOUT", "10")
OIDC_STORE_ID_TOKEN = True
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/no-access/"
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("peel.oidc.OIDCBackend")
# PASSWORD_LOGIN=false: only single sign-on (local passwords stay for development and the demo).
PASSWORD_LOGIN = envbool("PASSWORD_LOGIN", "true")
if not PASSWORD_LOGIN and not OIDC_ENABLED:
    raise ImproperlyConfigured("PASSWORD_LOGIN=false needs single sign-on: set OIDC_CLIENT_ID")

AXES_ENABLED = envbool("LOCKOUT_ENABLED", "true")
AXES_FAILURE_LIMIT = envint("LOCKOUT_FAILURES", "10")
LOCKOUT_MINUTES = envint("LOCKOUT_MINUTES", "15")
AXES_COOLOFF_TIME = timedelta(minutes=LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "peel.auth.client_ip"
AXES_LOCKOUT_CALLABLE = "peel.auth.lockout_response"
AXES_VERBOSE = False

ROOT_URLCONF = "peel.urls"

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
                "inspections.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "peel.wsgi.application"

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", "") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except Exception as exc:  # dj-database-url raises several types
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL I understand: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the pages' queries are short, and compiling them cost more (40-50 ms on
    # the board's readiness query) than it ever saved (docs/PERFORMANCE.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# The board's cached fragments (improvements/boards/cache.py). One process (make run, the
# tests): memory. Several web processes must share one cache, so that a change made in
# one replaces the board version every process reads: CACHE_URL=redis://127.0.0.1:6379/1.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r}: use redis:// (or leave it unset)")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Evidence (and background exports) live in STORAGES["evidence"]: a private local folder
# by default, or S3-compatible object storage (django-storages, boto3) with
# EVIDENCE_STORAGE=s3, shared by every web server. Files never get a public URL: they are
# streamed by the download view after its access check (improvements/storage.py).
EVIDENCE_STORAGE = os.environ.get("EVIDENCE_STORAGE", "local").strip().lower()
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "evidence"))
if EVIDENCE_STORAGE == "local":
    _PRIVATE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    }
elif EVIDENCE_STORAGE == "s3":
    if not os.environ.get("EVIDENCE_BUCKET"):
        raise ImproperlyConfigured("EVIDENCE_STORAGE=s3 needs EVIDENCE_BUCKET")
    _PRIVATE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["EVIDENCE_BUCKET"],
            "endpoint_url": os.environ.get("EVIDENCE_S3_ENDPOINT") or None,
            "region_name": os.environ.get("EVIDENCE_S3_REGION") or None,
            "access_key": os.environ.get("EVIDENCE_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("EVIDENCE_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("EVIDENCE_S3_PREFIX", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"}
            if envbool("EVIDENCE_S3_ENCRYPT", "false")
            else {},
        },
    }
else:
    raise ImproperlyConfigured(f"EVIDENCE_STORAGE={EVIDENCE_STORAGE!r}: use local or s3")
STORAGES = {
    # The default store holds what waits between requests (a tracker being previewed):
    # shared like the evidence when that is object storage.
    "default": _PRIVATE,
    "evidence": _PRIVATE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
EVIDENCE_MAX_BYTES = envint("EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Email
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "false")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "30")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "peel-tracker@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Secure by default when DEBUG is off: Secure cookies with __Host- names, HSTS for a
# year, an SSL redirect unless a TLS proxy does it. Each can be lowered by its variable,
# and `manage.py check --deploy --fail-level WARNING` passes with only SECRET_KEY and
# ALLOWED_HOSTS set.
_SECURE = not DEBUG
BEHIND_TLS_PROXY = envbool("BEHIND_TLS_PROXY", "false")
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "true" if _SECURE else "false")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# __Host- cookies: Secure, for this host only, path /: no subdomain can set or read them.
SESSION_COOKIE_NAME = "__Host-peel-session" if SESSION_COOKIE_SECURE else "peel-session"
CSRF_COOKIE_NAME = "__Host-peel-csrf" if CSRF_COOKIE_SECURE else "peel-csrf"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_SSL_REDIRECT = envbool(
    "SECURE_SSL_REDIRECT", "true" if _SECURE and not BEHIND_TLS_PROXY else "false"
)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000" if _SECURE else "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "true" if _SECURE else "false"
)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "true" if _SECURE else "false")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
# The load balancer's health check comes over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]

# Sessions end after SESSION_IDLE_MINUTES without activity (peel.middleware.idle_timeout,
# with the GOV.UK timeout warning before), and at most SESSION_MAX_HOURS after the last
# activity in any case.
SESSION_IDLE_SECONDS = envint("SESSION_IDLE_MINUTES", "30") * 60
SESSION_COOKIE_AGE = envint("SESSION_MAX_HOURS", "12") * 3600
if SESSION_IDLE_SECONDS <= 0:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES must be a positive number of minutes")

# Uploads: the body stops being read once a file passes EVIDENCE_MAX_BYTES (peel.uploads).
FILE_UPLOAD_HANDLERS = [
    "peel.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Content Security Policy (django-csp): no inline scripts or styles anywhere; scripts
# are static modules. The SVG charts are inline markup with attributes, not styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The API (api/, docs/architecture.md "The API"): Django REST framework under /api/v1/.
# Personal tokens (api.ApiToken) or the site's session; everything scoped by for_user.
# Per token (a session: per user). A request with neither is refused (401) before any
# throttle: a token's secret is 32 random characters, beyond guessing.
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "600/min")
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", API_THROTTLE_RATE):
    raise ImproperlyConfigured(
        f"API_THROTTLE_RATE={API_THROTTLE_RATE!r}: write requests/period, e.g. 600/min or 5000/hour"
    )
API_TOKEN_DEFAULT_DAYS = envint("API_TOKEN_DEFAULT_DAYS", "90")
API_TOKEN_MAX_DAYS = envint("API_TOKEN_MAX_DAYS", "365")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that an unauthenticated request is a 401 with WWW-Authenticate: Bearer.
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenAllowsMethod",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StableCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.PeelAutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        # Evidence comes as a link: no multipart (a file would be dropped without a word).
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PEEL improvement tracker API",
    "DESCRIPTION": (
        "Read inspections, findings and actions, and log progress, with the same access "
        "rules and workflow as the site. Authenticate with a personal token "
        "(`Authorization: Bearer <token>`, created on the site's API tokens page) or the "
        "site's session. Lists are cursor-paginated: follow `next` until it is null."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ActionStatusEnum": "improvements.models.Status",
        "FindingStatusEnum": "inspections.models.FindingStatus",
        "RagEnum": "improvements.models.RAG",
    },
}

# Forms: the GOV.UK Design System template pack.
CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
CRISPY_CLASS_CONVERTERS = {
    "dateinput": "govuk-input",
    "numberinput": "govuk-input govuk-input--width-5",
    "emailinput": "govuk-input",
    "urlinput": "govuk-input",
}

# Celery. The local default is kombu's filesystem transport: no server needed.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "") or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = VAR_DIR / "celery" / "queue"
    _processed = VAR_DIR / "celery" / "processed"
    _control = VAR_DIR / "celery" / "control"
    for _folder in (_queue, _processed, _control):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_processed),
        "control_folder": str(_control),
        "store_processed": False,
    }
elif not CELERY_BROKER_URL.startswith(("redis://", "rediss://", "amqp://", "memory://")):
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL={CELERY_BROKER_URL!r}: use redis://, amqp:// or filesystem://"
    )
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A message a worker took but never acknowledged (it died) is delivered again after
    # this long; longer than any task may run (CELERY_TASK_TIME_LIMIT).
    # kombu looks for such messages about every interval × throttle seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", "3600"),
        "unacked_restore_interval": envint("CELERY_RESTORE_INTERVAL", "10"),
        "unacked_restore_throttle": envint("CELERY_RESTORE_THROTTLE", "10"),
    }
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", "600")
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", "540")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The one beat schedule. Due dates live in the database; these sweeps read them.
CELERY_BEAT_SCHEDULE = {
    "reminders-daily": {
        "task": "improvements.reminders_sweep",
        "schedule": crontab(hour=7, minute=0),
    },
    "managers-weekly-digest": {
        "task": "improvements.managers_weekly_digest",
        "schedule": crontab(hour=7, minute=5, day_of_week="mon"),
    },
    "board-snapshots": {
        "task": "improvements.record_daily_snapshots",
        "schedule": crontab(hour=23, minute=50),
    },
    "exports-purge": {
        "task": "improvements.purge_expired_exports",
        "schedule": crontab(minute=15),
    },
    # The outbox's retry: whatever a broker outage or a mail failure left pending.
    "notifications-retry": {
        "task": "improvements.deliver_notifications",
        "schedule": crontab(minute="*/5"),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_traceback_below_500": {"()": "peel.logs.NoTracebackBelow500"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_traceback_below_500"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Demo and test helpers read these; they are not needed in production.
INSPECTORS_GROUP = "Inspectors"
# History is read-only: a revert would go around the workflows (the admin also refuses
# a POST to a history record).
SIMPLE_HISTORY_REVERT_DISABLED = True
