"""Settings, read from the environment (django-environ).

Defaults suit a laptop: SQLite, tasks inline, local-memory cache, console SMS. Production
(``DJANGO_ENV=production``) refuses to start without a real secret and allowed hosts, and
turns on the HTTPS protections that ``manage.py check --deploy`` looks for. Any variable
can also come from a file named by ``<NAME>_FILE`` (Docker and Kubernetes secrets).
"""

from __future__ import annotations

import ipaddress
import warnings
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.FileAwareEnv()


def env_path(name: str, default: Path) -> Path:
    return Path(env.str(name, default=str(default)))


DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development, production or test, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

_INSECURE_SECRET = "django-insecure-truyvet-development-only-not-for-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_SECRET)
if PRODUCTION and (SECRET_KEY == _INSECURE_SECRET or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "DJANGO_ENV=production needs SECRET_KEY (or SECRET_KEY_FILE): at least 50 characters, "
        "not the development default. Generate one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production")

ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ENV=production needs ALLOWED_HOSTS, e.g. ALLOWED_HOSTS=truyvet.example.gov.vn")
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "truyvet.admin_config.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "truyvet.staticfiles.StaticFilesConfig",  # django.contrib.staticfiles, without source maps
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # core
    "truyvet.lib",
    "truyvet.geo",
    "truyvet.people",
    "truyvet.accounts",
    "truyvet.credentials",
    # domain apps
    "declarations",
    "venues",
    "contacts",
    "checkpoints",
    "safetymap",
    "vaccination",
    "edge_devices",
    "relief",
    "operations",
    "ioc",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "truyvet.lib.middleware.ServerTimingMiddleware",
    "truyvet.lib.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "truyvet.lib.middleware.VietnameseFirstLocaleMiddleware",
    "truyvet.lib.middleware.ApiErrorEnvelopeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "truyvet.accounts.middleware.TwoFactorGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "truyvet.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "truyvet.accounts.context_processors.navigation",
                "contacts.context_processors.exposure_banner",
            ],
        },
    },
]

# Widgets written in Python where Django's own widget templates would be used (same HTML).
FORM_RENDERER = "truyvet.lib.form_renderer.FastRenderer"

WSGI_APPLICATION = "truyvet.wsgi.application"

# --- Database -----------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# A persistent connection that served a request without a database error this recently is
# not health-checked again (a SELECT 1 round trip) before the next one; 0 checks every
# request as Django does (truyvet/lib/postgres/base.py).
DB_HEALTH_CHECK_IDLE_SECONDS = env.float("DB_HEALTH_CHECK_IDLE_SECONDS", default=2.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "truyvet.lib.postgres"
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    if env.bool("DB_SERVER_SIDE_BINDING", default=True):
        # psycopg 3 with server-side binding prepares a statement after it ran a few times,
        # so PostgreSQL stops re-planning the same queries (planning cost more than
        # executing them on the hot paths: see docs/BENCHMARKS.md).
        DATABASES["default"]["OPTIONS"].update({"server_side_binding": True, "prepare_threshold": 2})
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a task writes; a busy timeout avoids "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker ---------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "truyvet",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "truyvet"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE = {
    "purge-expired-login-codes": {
        "task": "truyvet.accounts.tasks.purge_expired_login_codes",
        "schedule": crontab(minute=17),
    },
    "retry-undelivered-notifications": {
        "task": "truyvet.lib.tasks.retry_undelivered_notifications",
        "schedule": crontab(minute="*/10"),
    },
}

# --- Auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes refuses a locked-out sign-in before any password is checked; the model
# backend then signs people in (and keeps the citizens' SMS-code sessions valid).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Permissions that follow from a role (truyvet.accounts.permissions), answered without a
    # query and before the database's grants; signs nobody in.
    "truyvet.accounts.backends.RolePermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
if DJANGO_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Staff sign-in: lockout after wrong passwords (django-axes) --------------------------
# Wrong passwords are counted per account (from any address) and per client address (for
# any account) over the cool-off; at either limit, sign-in is refused, even with the right
# password, until the cool-off has passed since the last failure. A right password clears
# that account's count. SIGNIN_LOCKOUT_ENABLE=0 turns it off (load tests only).
AXES_ENABLED = env.bool("SIGNIN_LOCKOUT_ENABLE", default=True)
AXES_FAILURE_LIMIT = env.int("SIGNIN_FAILURES_PER_ACCOUNT", default=5)
SIGNIN_FAILURES_PER_ADDRESS = env.int("SIGNIN_FAILURES_PER_ADDRESS", default=20)
_SIGNIN_COOLOFF_MINUTES = env.int("SIGNIN_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=_SIGNIN_COOLOFF_MINUTES)
if min(AXES_FAILURE_LIMIT, SIGNIN_FAILURES_PER_ADDRESS, _SIGNIN_COOLOFF_MINUTES) < 1:
    raise ImproperlyConfigured(
        "SIGNIN_FAILURES_PER_ACCOUNT, SIGNIN_FAILURES_PER_ADDRESS and SIGNIN_COOLOFF_MINUTES must be at least 1"
    )
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "truyvet.accounts.lockout.SigninLockoutHandler"
AXES_LOCKOUT_CALLABLE = "truyvet.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "truyvet.lib.audit.client_ip"
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout are refused without restarting the cool-off, so a person who
# waits the minutes the page tells them can sign in.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The audit log records failures and lockouts; axes' own log of every sign-in is not kept.
AXES_DISABLE_ACCESS_LOG = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

# --- Staff sign-in: TOTP second factor (django-otp) ---------------------------------------
# Roles that must confirm sign-in with a code from an authenticator app ("administrator"
# also covers superusers and anyone who may open the admin site). Required in production
# for the CDC, health centres and administrators; elsewhere only for those who enrolled.
OTP_REQUIRED_ROLES: list[str] = [
    role
    for role in env.list(
        "OTP_REQUIRED_ROLES", default=["province_cdc", "health_centre", "administrator"] if PRODUCTION else []
    )
    if role
]
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default=env.str("PORTAL_NAME", default="truyvet"))

# --- Internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env_path("STATIC_ROOT", BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env_path("MEDIA_ROOT", BASE_DIR / "var" / "media")
# `make run` collects the static files compressed (STATIC_COLLECTED=1) and WhiteNoise serves
# them from STATIC_ROOT, gzip included, so a phone on 3G gets what production sends; the
# tests and a bare `runserver` serve the source files through the finders, as edited.
STATIC_COLLECTED = env.bool("STATIC_COLLECTED", default=False)
STORAGES = {
    # A full disk is a clear error, never half a file (docs/RELIABILITY.md).
    "default": {"BACKEND": "truyvet.lib.storage.MediaStorage"},
    "staticfiles": {
        "BACKEND": "truyvet.staticfiles.ProductionStaticFilesStorage"  # hashed, compressed, no source maps
        if PRODUCTION
        else "whitenoise.storage.CompressedStaticFilesStorage"
        if STATIC_COLLECTED
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION and not STATIC_COLLECTED
# Without collectstatic (development, tests, benchmarks) the finders serve the files; the
# missing STATIC_ROOT is expected then, not worth a warning on every start.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

# --- Security ---------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    # Preload and subdomains suit a dedicated domain; a portal on a shared government
    # domain turns them off rather than bind every sibling site to HTTPS.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- REST framework and OpenAPI -----------------------------------------------------------
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
# How many reverse proxies (nginx) stand in front of gunicorn. 0: the client is the
# connection's address and X-Forwarded-For is ignored (a client could forge it); 1 behind
# one nginx that appends the real address.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
REST_FRAMEWORK = {
    # The token first: DRF takes the first class's WWW-Authenticate header, so a call without
    # credentials gets 401 (with `WWW-Authenticate: Token`) rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "truyvet.lib.drf.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "truyvet.lib.openapi.ApiAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "truyvet.lib.drf.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_RATES": {"public": env.str("RATELIMIT_PUBLIC", default="120/min")},
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "truyvet API",
    "DESCRIPTION": "Public API v1 of the truyvet epidemic-control portal.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "truyvet.lib.openapi.add_links"],
    # One name for the answer of every batch item (checkpoint scans, vaccination doses).
    "ENUM_NAME_OVERRIDES": {"BatchItemStatusEnum": ["created", "duplicate", "rejected"]},
}

# --- The deployment's province, tokens, notifications --------------------------------------
PROVINCE_CODE = env.int("PROVINCE_CODE", default=12)  # Lai Châu
PORTAL_NAME = env.str("PORTAL_NAME", default="truyvet")

# ES256 signing keys for personal QR tokens: PEM private keys in a directory, one per kid.
# Created on first use; `manage.py signing_keys rotate` adds a new signing key while older
# ones keep verifying until pruned.
SIGNING_KEY_DIR = env_path("SIGNING_KEY_DIR", BASE_DIR / "var" / "keys")
SIGNING_PRIVATE_KEY_PEM = env.str("SIGNING_PRIVATE_KEY_PEM", default="", multiline=True)
QR_TOKEN_TTL = timedelta(days=env.int("QR_TOKEN_DAYS", default=7))

SMS_BACKEND = env.str("SMS_BACKEND", default="truyvet.lib.sms.ConsoleBackend")
SMS_FILE_PATH = env_path("SMS_FILE_PATH", BASE_DIR / "var" / "sms")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_SENDER = env.str("SMS_SENDER", default="TRUYVET")
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="truyvet <no-reply@localhost>")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

LOGIN_CODE_TTL = timedelta(minutes=env.int("LOGIN_CODE_MINUTES", default=5))
LOGIN_CODE_MAX_ATTEMPTS = env.int("LOGIN_CODE_MAX_ATTEMPTS", default=5)

DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo12345")

# --- Maps -------------------------------------------------------------------------------
# The tile server of every map (a Leaflet URL template). Empty: no tiles, for a portal
# without the internet; the pickers then work with typed coordinates and the phone's
# location. MAP_TILES is its earlier name, still read.
MAP_TILE_URL: str = env.str(
    "MAP_TILE_URL", default=env.str("MAP_TILES", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
).strip()
MAP_TILE_ATTRIBUTION: str = env.str("MAP_TILE_ATTRIBUTION", default="© OpenStreetMap")
# Where a map starts when no place is set yet (latitude,longitude): the province's centre.
MAP_CENTER: list[float] = env.list(
    "MAP_CENTER", cast=float, default=[22.39, 103.46] if PROVINCE_CODE == 12 else [16.05, 106.2]
)
if len(MAP_CENTER) != 2 or not (8 <= MAP_CENTER[0] <= 24 and 102 <= MAP_CENTER[1] <= 118):
    raise ImproperlyConfigured("MAP_CENTER is latitude,longitude inside Viet Nam, e.g. 22.39,103.46")


def tile_source(url: str) -> str:
    """The Content-Security-Policy source of a tile URL template: its scheme and host, a
    ``{s}`` subdomain as a wildcard; "" for tiles on the portal itself or no tiles."""
    scheme, _sep, rest = url.partition("://")
    if not _sep or scheme not in {"http", "https"}:
        return ""
    host = rest.split("/", 1)[0].replace("{s}", "*")
    return f"{scheme}://{host}" if host and "{" not in host else ""


# Extra sources a page may load images from; the tile server's is added. Everything else is 'self'.
CSP_IMG_SOURCES: list[str] = [
    *env.list("CSP_IMG_SOURCES", default=[]),
    *([tile_source(MAP_TILE_URL)] if tile_source(MAP_TILE_URL) else []),
]

# The maps' settings as django-leaflet names them (MAP_TILE_URL and the rest, above).
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": tuple(MAP_CENTER),
    "DEFAULT_ZOOM": 9,
    "TILES": MAP_TILE_URL,
    "ATTRIBUTION_PREFIX": MAP_TILE_ATTRIBUTION,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes logs every sign-in at INFO; its warnings (failures, lockouts) are enough.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Functions that tell a person's F level and vaccine doses (see truyvet/people/status.py);
# the tracing and vaccination apps add theirs as they land.
PERSON_STATUS_PROVIDERS: list[str] = ["contacts.selectors.person_statuses"]

# Benchmarks only: mounts /bench/ lower-bound views (see bench/README.md).
BENCH_BASELINE = env.bool("BENCH_BASELINE", default=False)
if PRODUCTION and BENCH_BASELINE:
    raise ImproperlyConfigured("BENCH_BASELINE is for benchmark runs, not production")

# --- Declarations: risk rules and the personal QR ---------------------------------------
# Each reason a declaration can carry, and the level it raises the person to. A province
# changes the rules here (or by RISK_LEVELS_JSON, e.g. '{"abroad_14d": "green"}').
RISK_LEVELS: dict[str, str] = {
    "current_case": "red",
    "active_f1": "red",
    "contact_with_symptoms": "red",
    "case_contact": "yellow",
    "symptoms": "yellow",
    "outbreak_zone_answer": "yellow",
    "origin_in_outbreak_zone": "yellow",
    "abroad_14d": "yellow",
}
RISK_LEVELS.update(env.json("RISK_LEVELS_JSON", default={}))

# --- Checkpoints -------------------------------------------------------------------------
# What staff at a checkpoint are told to do, from what is known of the traveller: each
# finding maps to a verdict and the most severe wins (allow < declare < refer < deny).
# A province changes the mapping here or by CHECKPOINT_VERDICTS_JSON ('{"active_f2": "deny"}').
CHECKPOINT_VERDICTS: dict[str, str] = {
    "green": "allow",
    "no_declaration": "declare",
    "yellow": "refer",
    "red": "deny",
    "current_case": "deny",
    "active_f1": "deny",
    "active_f2": "refer",
    "fever": "refer",
    "origin_in_outbreak_zone": "refer",
}
CHECKPOINT_VERDICTS.update(env.json("CHECKPOINT_VERDICTS_JSON", default={}))
CHECKPOINT_FEVER_C = env.float("CHECKPOINT_FEVER_C", default=37.5)
# Tablets sync late, but a scan older than this (or in the future, beyond clock drift) is refused.
CHECKPOINT_SCAN_MAX_AGE = timedelta(days=env.int("CHECKPOINT_SCAN_MAX_AGE_DAYS", default=7))
CHECKPOINT_CLOCK_SKEW = timedelta(minutes=env.int("CHECKPOINT_CLOCK_SKEW_MINUTES", default=5))
CHECKPOINT_BATCH_MAX = env.int("CHECKPOINT_BATCH_MAX", default=500)
# A tablet that has not reached the server for this long is shown as offline.
CHECKPOINT_TABLET_OFFLINE_AFTER = timedelta(minutes=env.int("CHECKPOINT_TABLET_OFFLINE_MINUTES", default=10))

# --- Venues and check-in ----------------------------------------------------------------
# A visitor who does not check out is checked out after the usual stay of the category.
VENUE_STAY_MINUTES: dict[str, int] = {
    "office": 480,
    "hospital": 120,
    "school": 420,
    "supermarket": 60,
    "market": 90,
    "lodging": 720,
    "restaurant": 90,
    "other": 120,
}
VENUE_STAY_MINUTES.update(env.json("VENUE_STAY_MINUTES_JSON", default={}))
CHECKIN_RETENTION_DAYS = env.int("CHECKIN_RETENTION_DAYS", default=21)
# Phones that were offline may send a check-in up to this long after it happened.
CHECKIN_MAX_DELAY = timedelta(hours=env.int("CHECKIN_MAX_DELAY_HOURS", default=24))
CHECKIN_CLOCK_SKEW = timedelta(minutes=2)
VENUE_CODE_ROTATE_SECONDS = env.int("VENUE_CODE_ROTATE_SECONDS", default=300)
CELERY_BEAT_SCHEDULE["purge-old-checkins"] = {
    "task": "venues.tasks.purge_old_checkins",
    "schedule": crontab(minute=7, hour=2),
}

# --- Tracing (contacts) -------------------------------------------------------------------
# Infectious window: from this many days before the earlier of onset and sample date until
# isolation (or now).
TRACING_INFECTIOUS_DAYS_BEFORE = env.int("TRACING_INFECTIOUS_DAYS_BEFORE", default=2)
# A stay at the same venue counts if it meets the case's stay widened by these margins.
TRACING_MARGIN_BEFORE = timedelta(minutes=env.int("TRACING_MARGIN_BEFORE_MINUTES", default=60))
TRACING_MARGIN_AFTER = timedelta(minutes=env.int("TRACING_MARGIN_AFTER_MINUTES", default=60))
TRACING_MIN_OVERLAP = timedelta(minutes=env.int("TRACING_MIN_OVERLAP_MINUTES", default=0))
# Stays longer than this are cut to it when matching (a check-out tapped days later is not
# a stay); it bounds the index scan that finds overlapping stays.
TRACING_MAX_STAY = timedelta(hours=env.int("TRACING_MAX_STAY_HOURS", default=24))
# Bluetooth close contact: cumulative time within the distance, inside the window.
TRACING_PROXIMITY_MIN_DURATION = timedelta(minutes=env.int("TRACING_PROXIMITY_MIN_MINUTES", default=15))
TRACING_PROXIMITY_MAX_DISTANCE_M = env.float("TRACING_PROXIMITY_MAX_DISTANCE_M", default=2.0)
# F1 is depth 1, F2 depth 2, ...
TRACING_DEPTH = env.int("TRACING_DEPTH", default=2)
# Quarantine of an F1/F2: the last exposure's date plus this many days.
TRACING_QUARANTINE_DAYS = env.int("TRACING_QUARANTINE_DAYS", default=14)
# PostgreSQL work_mem of a matching transaction: a big case sorts ~300,000 contacts by person.
TRACING_WORK_MEM = env.str("TRACING_WORK_MEM", default="64MB")
# Cases confirmed this recently are matched again on a schedule, to catch late check-ins.
TRACING_REMATCH_DAYS = env.int("TRACING_REMATCH_DAYS", default=14)
TRACING_UPLOAD_CODE_HOURS = env.int("TRACING_UPLOAD_CODE_HOURS", default=48)
PROXIMITY_RETENTION_DAYS = env.int("PROXIMITY_RETENTION_DAYS", default=21)
CELERY_BEAT_SCHEDULE["rematch-recent-cases"] = {
    "task": "contacts.tasks.rematch_recent_cases",
    "schedule": crontab(minute="*/10"),
}
CELERY_BEAT_SCHEDULE["close-finished-follow-ups"] = {
    "task": "contacts.tasks.close_finished_follow_ups",
    "schedule": crontab(minute=5, hour=0),
}
# Hourly: on PostgreSQL a day's partition is dropped within the hour after its last
# encounter passed the retention (contacts.upkeep.proximity_contacts_purge), whatever
# TRACING_PROXIMITY_MAX_ENCOUNTER is; a run with nothing to drop costs two small queries.
CELERY_BEAT_SCHEDULE["purge-old-proximity-contacts"] = {
    "task": "contacts.tasks.purge_old_proximity_contacts",
    "schedule": crontab(minute=37),
}

# --- Relief: SOS help requests and volunteers (the operations map) ----------------------
# The province's rough bounding box (south, west, north, east): a help request's pin must
# lie inside. The default is Lai Châu's, with a margin; another province sets its own
# (RELIEF_AREA=20.5,105.2,21.4,106.1) or gets the whole of Vietnam.
RELIEF_AREA: list[float] = env.list(
    "RELIEF_AREA", cast=float, default=[21.6, 102.2, 22.9, 104.1] if PROVINCE_CODE == 12 else [8.0, 102.0, 24.0, 118.0]
)
if len(RELIEF_AREA) != 4 or not (RELIEF_AREA[0] < RELIEF_AREA[2] and RELIEF_AREA[1] < RELIEF_AREA[3]):
    raise ImproperlyConfigured("RELIEF_AREA is south,west,north,east, e.g. 21.6,102.2,22.9,104.1")
# Done and duplicate requests stay on the public map this many days, then leave it.
RELIEF_MAP_CLOSED_DAYS = env.int("RELIEF_MAP_CLOSED_DAYS", default=3)
# Public forms, per hour: help requests and sign-ups from one browser, and from one address
# (more: a village, a dormitory or a mobile network shares an address).
RELIEF_SOS_PER_BROWSER = env.int("RELIEF_SOS_PER_BROWSER", default=5)
RELIEF_SOS_PER_ADDRESS = env.int("RELIEF_SOS_PER_ADDRESS", default=30)
RELIEF_SIGNUPS_PER_BROWSER = env.int("RELIEF_SIGNUPS_PER_BROWSER", default=3)
RELIEF_SIGNUPS_PER_ADDRESS = env.int("RELIEF_SIGNUPS_PER_ADDRESS", default=20)

# The check-in index carries extra columns on PostgreSQL (index-only matching scans);
# SQLite, the laptop default, simply ignores them.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Operations map (the steering committee's dashboard) -----------------------------------
# The commune risk level (1-4) from new community cases per 100,000 people over 7 days: the
# rate at which levels 2, 3 and 4 begin (OPERATIONS_RISK_RATES=20,50,150).
OPERATIONS_RISK_RATES: list[float] = env.list("OPERATIONS_RISK_RATES", cast=float, default=[20.0, 50.0, 150.0])
# Vaccination coverage (a fraction) at or above which the level is one lower (never below 1).
# A ward without a target population has no coverage: its level follows the case rate alone
# (docs/OPERATIONS_MAP.md).
OPERATIONS_RISK_COVERAGE_LOWERS = env.float("OPERATIONS_RISK_COVERAGE_LOWERS", default=0.7)
# Days of ward figures the public page shows (the chart and the list).
OPERATIONS_DAYS_SHOWN = env.int("OPERATIONS_DAYS_SHOWN", default=30)
# Uploaded directives: at most this many megabytes, and a PDF by content.
OPERATIONS_DIRECTIVE_MAX_MB = env.int("OPERATIONS_DIRECTIVE_MAX_MB", default=20)
# Where the steering committee's morning report is sent (comma-separated addresses; none:
# it is kept and listed, not sent).
OPERATIONS_REPORT_EMAILS: list[str] = [a for a in env.list("OPERATIONS_REPORT_EMAILS", default=[]) if a]
# The Vietnamese-capable TrueType fonts of the PDF report (Debian's fonts-dejavu-core).
OPERATIONS_PDF_FONT = env_path("OPERATIONS_PDF_FONT", Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
OPERATIONS_PDF_FONT_BOLD = env_path(
    "OPERATIONS_PDF_FONT_BOLD", Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
)
CELERY_BEAT_SCHEDULE["operations-ward-days"] = {
    # Yesterday's and today's figures per ward, every 15 minutes (idempotent).
    "task": "operations.tasks.compute_ward_days",
    "schedule": crontab(minute="*/15"),
}
CELERY_BEAT_SCHEDULE["operations-daily-report"] = {
    # The steering committee's report for yesterday, each morning (idempotent per day).
    "task": "operations.tasks.daily_report",
    "schedule": crontab(minute=30, hour=6),
}

# --- Safetymap: the COVID-safe map ----------------------------------------------------------
# The score (percent of a checklist's points) at or above which a facility is safe, at risk,
# high risk; below the last, unsafe. A failed critical criterion is unsafe whatever the score.
SAFETYMAP_THRESHOLDS: list[int] = env.list("SAFETYMAP_THRESHOLDS", cast=int, default=[80, 65, 50])
if len(SAFETYMAP_THRESHOLDS) != 3 or not (
    100 >= SAFETYMAP_THRESHOLDS[0] > SAFETYMAP_THRESHOLDS[1] > SAFETYMAP_THRESHOLDS[2] >= 0
):
    raise ImproperlyConfigured("SAFETYMAP_THRESHOLDS is safe,at_risk,high_risk, descending, e.g. 80,65,50")
# A facility whose last assessment is older than this many hours shows grey, "not assessed".
SAFETYMAP_STALE_HOURS = env.int("SAFETYMAP_STALE_HOURS", default=48)
# Citizens' reports per hour from one browser, and from one address.
SAFETYMAP_REPORTS_PER_BROWSER = env.int("SAFETYMAP_REPORTS_PER_BROWSER", default=5)
SAFETYMAP_REPORTS_PER_ADDRESS = env.int("SAFETYMAP_REPORTS_PER_ADDRESS", default=30)
# A report's photo: at most this many megabytes (JPEG, PNG or WebP, re-encoded without EXIF).
SAFETYMAP_PHOTO_MAX_MB = env.int("SAFETYMAP_PHOTO_MAX_MB", default=5)
# The public map asks for fresh colours this often (seconds), without reloading the page.
SAFETYMAP_MAP_REFRESH_SECONDS = env.int("SAFETYMAP_MAP_REFRESH_SECONDS", default=60)
# The public GeoJSON, gzipped, is kept in the cache this many seconds under its ETag (which
# changes with any facility's change), so many open maps cost one build; 0 builds it each time.
SAFETYMAP_GEOJSON_CACHE_SECONDS = env.int("SAFETYMAP_GEOJSON_CACHE_SECONDS", default=300)

# --- Homes: where each staff role starts (truyvet/accounts/homes.py) ------------------------
# The page each role lands on after signing in and behind the portal's name: a URL name. An
# app that builds a role's pages sets that role's entry here (one line); a role with no entry,
# or whose app is not built yet, gets the plain "coming" page ("coming").
STAFF_HOME_PAGES: dict[str, str] = {
    "venue_owner": "venues:list",
    "bus_operator": "checkpoints:trip_list",
    "checkpoint_staff": "checkpoints:my_scanner",
    "commune_station": "operations:today",
    "health_centre": "operations:today",
    "province_cdc": "operations:province",
    "agency_staff": "operations:staff_home",
    "administrator": "admin_home",
    "facility_manager": "safetymap:my_facilities",
    "vaccination_staff": "vaccination:sites",
}

# --- Vaccination (sites, doses, EU Digital COVID Certificates) ----------------------------
# Days between two doses of a product when no campaign sets them: (minimum, maximum).
VACCINATION_INTERVAL_DAYS: tuple[int, int] = (
    env.int("VACCINATION_MIN_INTERVAL_DAYS", default=21),
    env.int("VACCINATION_MAX_INTERVAL_DAYS", default=84),
)
# The EU DCC: issuer ("is"), country ("co"), the UVCI's issuing entity, months of validity
# (never beyond the signing certificate), the CWT issuer ("iss").
VACCINATION_DCC_ISSUER = env.str("VACCINATION_DCC_ISSUER", default="Bộ Y tế / Ministry of Health, Viet Nam")
VACCINATION_DCC_COUNTRY = env.str("VACCINATION_DCC_COUNTRY", default="VN")
VACCINATION_DCC_UVCI_ISSUER = env.str("VACCINATION_DCC_UVCI_ISSUER", default="TV")
VACCINATION_DCC_MONTHS = env.int("VACCINATION_DCC_MONTHS", default=12)
# A document signer kept outside the database (the ministry's): PEM certificate and key.
# Empty: the portal's own, made by `manage.py vaccination_signer` (or on first use).
VACCINATION_DSC_CERTIFICATE_PEM = env.str("VACCINATION_DSC_CERTIFICATE_PEM", default="", multiline=True)
VACCINATION_DSC_PRIVATE_KEY_PEM = env.str("VACCINATION_DSC_PRIVATE_KEY_PEM", default="", multiline=True)
# Other issuers' document signer certificates the verifier trusts (PEM, concatenated).
VACCINATION_TRUSTED_DSC_PEMS = env.str("VACCINATION_TRUSTED_DSC_PEMS", default="", multiline=True)
# Minutes a vaccinated person waits at the site under observation.
VACCINATION_OBSERVATION_MINUTES = env.int("VACCINATION_OBSERVATION_MINUTES", default=30)
PERSON_STATUS_PROVIDERS.append("vaccination.selectors.person_statuses")

# --- Edge devices: thermal cameras and face kiosks at checkpoints (edge_devices) ------------
# A reading at or above this temperature (°C) is a fever: flagged at once and alerted.
EDGE_FEVER_C = env.float("EDGE_FEVER_C", default=37.5)
# A fever reading this many minutes after another at the same device joins its alert.
EDGE_FEVER_GROUP_MINUTES = env.int("EDGE_FEVER_GROUP_MINUTES", default=3)
# Linking a reading to a passage at the same checkpoint: without the traveller's QR, the one
# passage within this many seconds; with it, that person's passage within the second figure.
EDGE_LINK_WINDOW_SECONDS = env.int("EDGE_LINK_WINDOW_SECONDS", default=20)
EDGE_LINK_TOKEN_WINDOW_SECONDS = env.int("EDGE_LINK_TOKEN_WINDOW_SECONDS", default=600)
# A device silent this many minutes is listed as offline on the checkpoint's board.
EDGE_OFFLINE_MINUTES = env.int("EDGE_OFFLINE_MINUTES", default=5)
# A snapshot is a JPEG of at most this many bytes.
EDGE_IMAGE_MAX_BYTES = env.int("EDGE_IMAGE_MAX_BYTES", default=2 * 1024 * 1024)
# A reading may be this many hours old (a device that was offline sends its backlog).
EDGE_READING_MAX_AGE_HOURS = env.int("EDGE_READING_MAX_AGE_HOURS", default=72)
# Face thumbnails are deleted this many days after the reading.
EDGE_THUMBNAIL_RETENTION_DAYS = env.int("EDGE_THUMBNAIL_RETENTION_DAYS", default=7)
# The Celery queue of snapshot processing (a worker of its own: bin/up, docker-compose.yml).
EDGE_QUEUE = env.str("EDGE_QUEUE", default="edge")
CELERY_BEAT_SCHEDULE["edge-purge-thumbnails"] = {
    "task": "edge_devices.tasks.purge_thumbnails",
    "schedule": crontab(minute=17),
}
# The provincial IOC feed (ioc): aggregates as CloudEvents, pushed to webhooks and pulled.
# Aggregates are recomputed this far back, so late data updates what was sent.
IOC_LOOKBACK_HOURS = env.int("IOC_LOOKBACK_HOURS", default=48)
IOC_LOOKBACK_DAYS = env.int("IOC_LOOKBACK_DAYS", default=3)
# Webhook retries: exponential from this many seconds (×3 each try, at most 12 hours, ±20 %
# jitter), for this many days; then the delivery is failed and listed for staff.
IOC_RETRY_BASE_SECONDS = env.int("IOC_RETRY_BASE_SECONDS", default=10)
IOC_RETRY_DAYS = env.int("IOC_RETRY_DAYS", default=3)
IOC_TIMEOUT_SECONDS = env.float("IOC_TIMEOUT_SECONDS", default=10.0)
# A sweep's claim on its batch: a worker that dies mid-send leaves it to the next sweep after this.
IOC_CLAIM_SECONDS = env.int("IOC_CLAIM_SECONDS", default=60)
# Calls in flight at once while a sweep sends its batch.
IOC_SEND_CONCURRENCY = env.int("IOC_SEND_CONCURRENCY", default=8)
# After a secret is rotated, deliveries carry the old one's signature too for this long.
IOC_SECRET_GRACE_HOURS = env.int("IOC_SECRET_GRACE_HOURS", default=24)
CELERY_BEAT_SCHEDULE["ioc-collect-events"] = {"task": "ioc.tasks.collect_events", "schedule": crontab(minute="*/5")}
# Every minute: what a lost task or a restarted worker left pending goes out.
CELERY_BEAT_SCHEDULE["ioc-deliver-due"] = {"task": "ioc.tasks.deliver_due", "schedule": crontab()}
# --- Vaccination registration and appointments --------------------------------------------
# The day-before reminders go out each hour of these (the task is idempotent: once per
# appointment), so an appointment booked in the afternoon for tomorrow is reminded too.
VACCINATION_REMINDER_HOURS = env.str("VACCINATION_REMINDER_HOURS", default="8-20")
CELERY_BEAT_SCHEDULE["vaccination-appointment-reminders"] = {
    "task": "vaccination.appointment_tasks.send_appointment_reminders",
    "schedule": crontab(minute=0, hour=VACCINATION_REMINDER_HOURS),
}
# Vaccination coverage and reactions after vaccination (docs/VACCINATION.md): the target
# population of a ward without an entered figure is its people of this age or more; coverage
# figures are cached this many seconds (the public map and the ward-day task ask often).
VACCINATION_COVERAGE_MIN_AGE = env.int("VACCINATION_COVERAGE_MIN_AGE", default=18)
VACCINATION_COVERAGE_CACHE_SECONDS = env.int("VACCINATION_COVERAGE_CACHE_SECONDS", default=600)
# Today's coverage is stored per ward every this many minutes (a province's statistics take
# seconds to count); pages read the stored figures while they are at most this old, else count.
VACCINATION_COVERAGE_REFRESH_MINUTES = env.int("VACCINATION_COVERAGE_REFRESH_MINUTES", default=10)
VACCINATION_COVERAGE_SUMMARY_MAX_AGE_MINUTES = env.int("VACCINATION_COVERAGE_SUMMARY_MAX_AGE_MINUTES", default=30)
CELERY_BEAT_SCHEDULE["vaccination-coverage"] = {
    "task": "vaccination.tasks.store_coverage",
    "schedule": crontab(minute=f"*/{VACCINATION_COVERAGE_REFRESH_MINUTES}"),
}
# The TrueType fonts of the printable certificate (Vietnamese letters: Debian's fonts-dejavu-core).
VACCINATION_PDF_FONT = env_path("VACCINATION_PDF_FONT", Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
VACCINATION_PDF_FONT_BOLD = env_path(
    "VACCINATION_PDF_FONT_BOLD", Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
)
# Vaccination certificates and edge devices at their rates (docs/BENCHMARKS.md).
# Each process keeps the document signer that signs this many seconds (0: read it for every
# certificate, as the tests do, whose databases change under a running process).
VACCINATION_SIGNER_CACHE_SECONDS = env.int(
    "VACCINATION_SIGNER_CACHE_SECONDS", default=0 if DJANGO_ENV == "test" else 60
)
# A device key accepted by a process is accepted again without a query for this many seconds
# (a rotation or withdrawal reaches the other processes within it; 0 in tests).
EDGE_KEY_CACHE_SECONDS = env.int("EDGE_KEY_CACHE_SECONDS", default=0 if DJANGO_ENV == "test" else 10)
# A reading not linked to a passage when it arrives is tried again this many seconds later.
EDGE_RELINK_AFTER_SECONDS = env.int("EDGE_RELINK_AFTER_SECONDS", default=30)

# --- Reliability: the task outbox, the answer while the database is down, metrics, logs ------
# Tasks queued by a write are recorded with it (truyvet/lib/outbox.py) and sent to Redis by the
# relay (`manage.py outbox_relay`, and beat every OUTBOX_BEAT_SECONDS as a safety net).
OUTBOX_BATCH = env.int("OUTBOX_BATCH", default=200)
OUTBOX_RELAY_INTERVAL_SECONDS = env.float("OUTBOX_RELAY_INTERVAL_SECONDS", default=1.0)
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=60)
# The process that wrote a task sends it right after the commit; the relay leaves it that long.
OUTBOX_SEND_GRACE_SECONDS = env.int("OUTBOX_SEND_GRACE_SECONDS", default=10)
OUTBOX_RETENTION_HOURS = env.int("OUTBOX_RETENTION_HOURS", default=24)
# /healthz says "outbox": "late" (still 200) when the oldest message waits longer than this.
OUTBOX_LATE_SECONDS = env.int("OUTBOX_LATE_SECONDS", default=60)
CELERY_BEAT_SCHEDULE["outbox-relay"] = {
    "task": "truyvet.lib.tasks.relay_outbox",
    "schedule": timedelta(seconds=env.int("OUTBOX_BEAT_SECONDS", default=30)),
}
# A broker that does not answer fails a send in 2 s, not Celery's default of 4 (the send right
# after a commit runs in the request; the relay tries again anyway).
CELERY_BROKER_TRANSPORT_OPTIONS.setdefault("socket_connect_timeout", 2)
# While PostgreSQL is unreachable: 503 with this Retry-After (seconds), never a 500.
DB_UNAVAILABLE_RETRY_AFTER = env.int("DB_UNAVAILABLE_RETRY_AFTER", default=30)
MIDDLEWARE.insert(
    MIDDLEWARE.index("truyvet.lib.middleware.ServerTimingMiddleware") + 1,
    "truyvet.lib.unavailable.DatabaseUnavailableMiddleware",
)
# First, so the latency it measures is the whole of Django's.
MIDDLEWARE.insert(0, "truyvet.lib.metrics.MetricsMiddleware")
# /metrics (Prometheus): `Authorization: Bearer <METRICS_TOKEN>`, or a connection from one of
# METRICS_ALLOWED_ADDRESSES (addresses or networks; REMOTE_ADDR, so never list the proxy's).
# Neither set: /metrics answers 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_ADDRESSES: list[str] = [a for a in env.list("METRICS_ALLOWED_ADDRESSES", default=[]) if a]
# Functions that yield an app's own figures at each scrape (prometheus_client metric families).
METRICS_PROVIDERS: list[str] = ["edge_devices.metrics.device_metrics"]
for _network in METRICS_ALLOWED_ADDRESSES:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_ADDRESSES: {_network!r} is no address or network") from _error
if PRODUCTION:
    # Prometheus may scrape gunicorn directly on the internal network, as a load balancer probes /healthz.
    SECURE_REDIRECT_EXEMPT.append(r"^metrics$")
# Logs: one JSON object a line in production (LOG_FORMAT=json), the plain line elsewhere.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}")
LOGGING["formatters"]["json"] = {"()": "truyvet.lib.logs.JsonFormatter"}  # type: ignore[index]
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # type: ignore[index]
# The worker and beat log through the same handler (JSON too) instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
# Tables range-partitioned by day on PostgreSQL (truyvet/lib/postgres/partitions.py): the
# hourly task keeps the day partitions of yesterday .. today + this many days in place.
PARTITIONS_DAYS_AHEAD = env.int("PARTITIONS_DAYS_AHEAD", default=7)
PARTITIONED_TABLES = ["venues_checkin"]
CELERY_BEAT_SCHEDULE["partitions-create-ahead"] = {
    "task": "truyvet.lib.tasks.partitions_create_ahead",
    "schedule": crontab(minute=47),
}
# Reliability (tests/faults, docs/RELIABILITY.md): how long Redis keeps a task that a worker took
# but never acknowledged (a worker killed mid-task) before it is delivered again. The fault tests
# shorten it to see the redelivery; in production a task may run for minutes, so keep an hour.
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
# Where ``manage.py backup_drill`` writes its dump (a directory; a temporary one when empty).
BACKUP_DIR = env.str("BACKUP_DIR", default="")
# --- Checkpoint passages partitioned by day (checkpoints.0200_partition_passages) ---------
# Passages are kept this long, then the nightly purge drops their days (a partition each on
# PostgreSQL) and deletes their receipts; the hourly task makes their days ahead.
PASSAGE_RETENTION_DAYS = env.int("PASSAGE_RETENTION_DAYS", default=21)
if CHECKPOINT_SCAN_MAX_AGE.days >= PASSAGE_RETENTION_DAYS:
    # A tablet's replay of a scan whose passage and receipt were purged would be recorded again.
    raise ImproperlyConfigured("PASSAGE_RETENTION_DAYS must be longer than CHECKPOINT_SCAN_MAX_AGE_DAYS")
PARTITIONED_TABLES.append("checkpoints_passage")
CELERY_BEAT_SCHEDULE["purge-old-passages"] = {
    "task": "checkpoints.tasks.purge_old_passages",
    "schedule": crontab(minute=17, hour=2),
}
# Proximity contacts partitioned by day (docs/ARCHITECTURE.md, "Partitioned tables"): the
# longest encounter stored. A phone's longer encounter is stored as consecutive pieces of at
# most this (matching joins touching pieces again, so nothing is lost), which lets matching
# bound every query by first_seen (window start minus this: PostgreSQL reads only those
# days) and the purge drop a day once its longest encounter is past the retention. Raising
# it is safe; lowering it leaves older, longer rows unmatched until they are purged.
TRACING_PROXIMITY_MAX_ENCOUNTER = timedelta(hours=env.int("TRACING_PROXIMITY_MAX_ENCOUNTER_HOURS", default=6))
if not timedelta(hours=1) <= TRACING_PROXIMITY_MAX_ENCOUNTER <= timedelta(days=7):
    raise ImproperlyConfigured("TRACING_PROXIMITY_MAX_ENCOUNTER_HOURS must be between 1 and 168")
PARTITIONED_TABLES.append("contacts_proximitycontact")
# --- Edge devices: readings partitioned by day (docs/DEVICES.md, docs/ARCHITECTURE.md) -----
# Readings are deleted this many days after they were captured (on PostgreSQL whole days
# dropped), with their receipts; nightly.
EDGE_READING_RETENTION_DAYS = env.int("EDGE_READING_RETENTION_DAYS", default=21)
PARTITIONED_TABLES = [*PARTITIONED_TABLES, "edge_devices_reading"]
CELERY_BEAT_SCHEDULE["edge-purge-readings"] = {
    "task": "edge_devices.tasks.purge_readings",
    "schedule": crontab(hour=2, minute=37),
}
# --- The peak's processor time per request (docs/BENCHMARKS.md, "Peak: the cost of each request") ---
# DRF's content negotiation answers the API's usual Accept headers without parsing them.
REST_FRAMEWORK["DEFAULT_CONTENT_NEGOTIATION_CLASS"] = "truyvet.lib.drf.PlainJsonNegotiation"
