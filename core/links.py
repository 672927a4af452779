"""The platform's own address, for absolute links read outside the browser that asked for
them: emails, Stripe's return URLs.

A link written while answering a request starts with the address that request reached:
``request.build_absolute_uri("/")`` reads the host through Django's ``get_host()``, checked
against ``ALLOWED_HOSTS`` (so a forged Host header is a 400, never a link in an email), and
the scheme through ``SECURE_PROXY_SSL_HEADER`` behind the proxy. A server on another port,
or behind a proxy, thus writes links that reach it. Work done with no request behind it (a
Celery task, the notification dispatcher) falls back to ``PUBLIC_URL``, then to
``FRONTEND_URL`` (where the platform was reached before ``PUBLIC_URL`` existed), then to
``LOCAL_URL``, the address ``make run`` serves on.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

LOCAL_URL = "http://127.0.0.1:8000"


def public_url(request: HttpRequest | None = None) -> str:
    """Scheme, host and port of the platform, without a trailing slash."""
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return settings.PUBLIC_URL or settings.FRONTEND_URL or LOCAL_URL
