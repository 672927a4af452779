"""Temporary lockout of an email after repeated failed sign-ins, kept in the cache (Redis
in production, so every web process sees the same counters).

``LOGIN_LOCKOUT_THRESHOLD`` failures within ``LOGIN_LOCKOUT_WINDOW`` seconds lock the email
for ``LOGIN_LOCKOUT_DURATION`` seconds. Unknown emails are counted the same way, so the
lockout says nothing about which accounts exist.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import Throttled


def _key(kind: str, email: str) -> str:
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return f"login-{kind}:{digest}"


def raise_if_locked(email: str) -> None:
    until = cache.get(_key("locked", email))
    if until is not None:
        raise Throttled(
            wait=max(1, until - time.time()),
            detail="Too many failed sign-ins for this email; try again later.",
        )


def register_failure(email: str) -> None:
    key = _key("failures", email)
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_WINDOW)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_WINDOW)
        failures = 1
    if failures >= settings.LOGIN_LOCKOUT_THRESHOLD:
        until = time.time() + settings.LOGIN_LOCKOUT_DURATION
        cache.set(_key("locked", email), until, timeout=settings.LOGIN_LOCKOUT_DURATION)
        cache.delete(key)


def clear(email: str) -> None:
    cache.delete(_key("failures", email))
