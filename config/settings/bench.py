"""Benchmarks (``make bench``): production-like (no debug, no query log), on PostgreSQL and Redis.

``DATABASE_URL`` and ``REDIS_URL`` come from the environment (the Makefile sets a dedicated
``crossdock_bench`` database, so the figures never touch development data).
"""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# Benchmarks measure at typical durations, like the suite.
CROSSDOCK_SAMPLE_DURATIONS = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Scenario e runs the simulator's step task in a real worker.
CROSSDOCK_SIMULATOR = env_bool("CROSSDOCK_SIMULATOR", False)
CROSSDOCK_SIMULATOR_SEED = "bench"

# Scenario d measures the server, not the rate limiter.
CROSSDOCK_API_THROTTLE_RATES = {"api_key": None, "user": None, "anon": None}
