"""Test settings: the environment's database and Redis when given, fast hashing, eager work."""

from .base import *  # noqa: F403
from .base import THROTTLE_RATES

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
