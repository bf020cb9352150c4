"""Settings shared by every environment, driven by environment variables.

With nothing set, Crossdock runs on embedded defaults that need no server: SQLite under
``var/`` and Celery's filesystem broker (works across processes on one machine).
``DATABASE_URL`` switches to PostgreSQL; ``CELERY_BROKER_URL`` or ``REDIS_URL`` to Redis.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("CROSSDOCK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-local-development-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "merchants",
    "warehouses",
    "shipping",
    "orders",
    "webhooks",
    "integrations",
    "django_htmx",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "merchants.middleware.CurrentMerchantMiddleware",
    # ``Idempotency-Key`` on every POST under /api/ (docs/api.md).
    "integrations.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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
                "config.context_processors.portal",
                "shipping.context_processors.demo_clock",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: compiling a plan costs 100 ms and more, more than the dashboards' and lists'
    # aggregates take to run (a count over the in-flight shipments: 300 ms with it, 185 without).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL lets readers run beside the writer, and
    # IMMEDIATE transactions take the write lock up front instead of failing on upgrade.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"


def filesystem_broker_options(root: Path) -> dict:
    """The embedded broker: messages are files in one folder that web, worker and beat share."""
    folders = {name: root / name for name in ("broker", "processed", "control")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folders["broker"]),
        "data_folder_out": str(folders["broker"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
        "store_processed": False,
    }


if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(
        Path(os.environ.get("CROSSDOCK_BROKER_DIR", VAR_DIR / "celery"))
    )
else:
    # Long waits are due times in the database, never countdowns past this timeout.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "config.tasks.heartbeat",
        "schedule": float(os.environ.get("CROSSDOCK_HEARTBEAT_SECONDS", "15")),
    },
    "verify-inventory": {"task": "warehouses.tasks.verify_inventory", "schedule": 3600.0},
    "allocate-waiting-orders": {"task": "orders.tasks.allocate_waiting_orders", "schedule": 300.0},
    "release-planned-orders": {
        "task": "orders.tasks.release_planned_orders",
        "schedule": float(os.environ.get("CROSSDOCK_RELEASE_SECONDS", "60")),
    },
    # How often due shipments move on; the browser tests shorten it (and the release) to seconds.
    "shipments-tick": {
        "task": "shipping.tasks.advance_due_shipments",
        "schedule": float(os.environ.get("CROSSDOCK_TICK_SECONDS", "10")),
    },
    "webhooks-dispatch": {"task": "webhooks.tasks.dispatch_due_deliveries", "schedule": 10.0},
    "purge-idempotency-keys": {"task": "integrations.tasks.purge_idempotency_keys", "schedule": 3600.0},
    # The dashboards' daily rollups: the days touched since the last run are recomputed.
    "dashboard-rollups": {"task": "dashboards.tasks.refresh_rollups", "schedule": 300.0},
}

# Share of last-mile deliveries the schedule marks as attempted (nobody home), and how long a
# planned order may still be cancelled before it is released to the warehouse.
CROSSDOCK_DELIVERY_FAILURE_RATE = float(os.environ.get("CROSSDOCK_DELIVERY_FAILURE_RATE", "0.03"))
CROSSDOCK_ORDER_HOLD_MINUTES = float(os.environ.get("CROSSDOCK_ORDER_HOLD_MINUTES", "30"))

# Stage durations are drawn within each lane's min–max range (reproducibly per shipment);
# off, every stage takes its typical duration.
CROSSDOCK_SAMPLE_DURATIONS = env_bool("CROSSDOCK_SAMPLE_DURATIONS", True)

# The demo's accelerated clock: every planned stage duration is divided by this (1 = real time).
CROSSDOCK_CLOCK_SPEED = float(os.environ.get("CROSSDOCK_CLOCK_SPEED", "1"))

# Webhooks: off in production, a URL must be https and reach a public address; on (development,
# tests) http and this machine or a private network are allowed. An endpoint is disabled when
# every attempt has failed for this many hours, or this many events in a row failed for good.
CROSSDOCK_WEBHOOK_ALLOW_LOCAL_TARGETS = env_bool("CROSSDOCK_WEBHOOK_ALLOW_LOCAL_TARGETS", DEBUG)
CROSSDOCK_WEBHOOK_DISABLE_AFTER_HOURS = float(os.environ.get("CROSSDOCK_WEBHOOK_DISABLE_AFTER_HOURS", "24"))
CROSSDOCK_WEBHOOK_DISABLE_AFTER_EVENTS = int(os.environ.get("CROSSDOCK_WEBHOOK_DISABLE_AFTER_EVENTS", "10"))

# ``inventory.low_stock`` fires when a product's fulfillable units at a warehouse fall below this
# (from this or more); 0 turns it off.
CROSSDOCK_LOW_STOCK_THRESHOLD = int(os.environ.get("CROSSDOCK_LOW_STOCK_THRESHOLD", "10"))

# Bulk order intake takes up to 1,000 orders of up to 100 lines in one JSON body.
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- I18N / time ----------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    # A bearer API key first: without credentials the API answers 401 with its challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "warehouses.api_keys.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "merchants.api.pagination.CursorPagination",
    "PAGE_SIZE": 25,  # merchants.api.pagination.CursorPagination sets its own; kept equal
    "DEFAULT_THROTTLE_CLASSES": ["integrations.throttling.ApiRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "integrations.schema.AutoSchema",
    "EXCEPTION_HANDLER": "merchants.api.errors.exception_handler",
}
# Requests per API key (by its prefix), per signed-in user, and per client IP without either.
CROSSDOCK_API_THROTTLE_RATES = {
    "api_key": os.environ.get("CROSSDOCK_API_RATE_KEY", "600/min"),
    "user": os.environ.get("CROSSDOCK_API_RATE_USER", "300/min"),
    "anon": os.environ.get("CROSSDOCK_API_RATE_ANON", "60/min"),
}
# How long a POST's Idempotency-Key and its stored response are kept.
CROSSDOCK_IDEMPOTENCY_TTL_HOURS = 24

SPECTACULAR_SETTINGS = {
    "TITLE": "Crossdock API",
    "DESCRIPTION": "Cross-border e-commerce logistics in five fulfillment modes. Guide: docs/api.md.",
    "VERSION": "1.0.0",
    # 3.1: JSON Schema proper, so that a nullable object (``"duties": null``) is said exactly.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that share a field name get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "CountryEnum": "django_countries.countries",
        "ModeEnum": "warehouses.modes.Mode",
        "SpeedEnum": "warehouses.modes.Speed",
        "StageEnum": "warehouses.modes.Stage",
        "PartnerStageEnum": "shipping.partner.api.PARTNER_STAGES",
        "OwnerEnum": "shipping.models.inbound.Owner",
        "InboundPlanStatusEnum": "shipping.models.InboundPlan.Status",
        "PlacementOptionStatusEnum": "shipping.models.PlacementOption.Status",
        "InboundShipmentStatusEnum": "shipping.models.InboundShipment.Status",
        "InboundCustomsStatusEnum": "shipping.models.InboundShipment.CustomsStatus",
        "ShipmentStatusEnum": "shipping.models.Shipment.Status",
        "CustomsStatusEnum": "shipping.models.Shipment.CustomsStatus",
        "TrackingEventSourceEnum": "shipping.models.TrackingEvent.Source",
        "WebhookDeliveryStatusEnum": "webhooks.models.WebhookDelivery.Status",
        "OrderStatusEnum": "orders.models.Order.Status",
        "OrderSourceEnum": "orders.models.Order.Source",
        "AllocationStatusEnum": "orders.models.Allocation.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
