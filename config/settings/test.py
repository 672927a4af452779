"""Test settings: the environment's database and Redis when given, fast hashing, eager work."""

import os
import re

from .base import *  # noqa: F403
from .base import REDIS_URL, THROTTLE_RATES, redis_caches

# Tests run in parallel processes (pytest-xdist: PYTEST_XDIST_WORKER is gw0, gw1, ...); each
# gets a Redis database of its own, as each gets a test database of its own, so one's
# cache.clear() never empties another's. The environment follows, so the servers and
# workers the tests start use the same database.
if REDIS_URL and (_worker := os.environ.get("PYTEST_XDIST_WORKER", "")).startswith("gw"):
    REDIS_URL = re.sub(r"(/\d*)?$", f"/{8 + int(_worker[2:])}", REDIS_URL, count=1)
    os.environ["REDIS_URL"] = REDIS_URL
    CACHES = redis_caches(REDIS_URL, os.environ.get("CACHE_KEY_PREFIX", "platform"))
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Socket tests run on the in-memory layer; the Redis layer has its own tests.
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
FIELD_ENCRYPTION_KEYS = ["AsDI324Kx9E_7uSdGxxkQOxqQ13-I_ICaDxsmgmVK50="]
BLIND_INDEX_KEY = "test-blind-index-key"
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": dict(THROTTLE_RATES)}  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# A developer's real key in the environment must never reach a provider from the tests;
# the tests that exercise the openai provider point it at a fake server on 127.0.0.1.
AI_API_KEY = ""
AI_EXTRA_BODY: dict = {}
# Likewise Stripe: billing's tests point the stripe client at a fake server on 127.0.0.1.
STRIPE_SECRET_KEY = ""
# Links in emails go to the platform's own pages at the test request's host, whatever the
# environment says; the tests that need a front end or a public address set them.
FRONTEND_URL = ""
PUBLIC_URL = ""
NOTIFICATIONS_UNSUBSCRIBE_URL = ""
# Replies run in the request or frame handler that starts them, after its commit: REST
# tests see the finished reply. Socket tests that need a reply beside the socket switch to
# "thread" (conversations/tests/conftest.py).
CONVERSATIONS_REPLY_RUNNER = "inline"
CONVERSATIONS_CANCEL_POLL = 0.05
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # Test data need not survive a crash of the server: commits do not wait for the WAL to
    # reach the disk (transactional tests commit every write and truncate every table).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
