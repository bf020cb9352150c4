"""The test suite: fast hashing, local memory cache, eager nothing (tests use real parts)."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, filesystem_broker_options

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Messages that tests enqueue go to a folder of their own, never to a developer's ``var/``.
if CELERY_BROKER_URL.startswith("filesystem://") and "CROSSDOCK_BROKER_DIR" not in os.environ:
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(Path(tempfile.mkdtemp(prefix="crossdock-broker-")))

# Tests reason about planned (typical) durations; the test of the sampling turns it on itself.
CROSSDOCK_SAMPLE_DURATIONS = False

# Tests send hundreds of API requests a minute as the same user (ids repeat after each rollback);
# the throttling tests set their own rates.
CROSSDOCK_API_THROTTLE_RATES = {"api_key": None, "user": None, "anon": None}
