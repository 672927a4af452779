"""Hardening applied when ``DJANGO_ENV=production``; ``manage.py check --deploy`` is clean.

TLS ends at the proxy (deploy/nginx.conf), which sets ``X-Forwarded-Proto``.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

DEBUG = False

if SECRET_KEY.startswith("insecure-") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a long random value in production."
    )
if not env.list("FIELD_ENCRYPTION_KEYS", default=[]) or not env.str("BLIND_INDEX_KEY", default=""):
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY must be set in production."
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# /health/ is probed over plain HTTP by the load balancer and the container healthchecks.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

# collectstatic (in the Dockerfile) writes content-hashed names, their manifest and a gzip
# copy of each text file. WhiteNoise serves them from the web processes, hashed names cached
# for ever; nginx serves the same files from the `static` volume (deploy/nginx.conf).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
