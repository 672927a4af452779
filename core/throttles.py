"""Scoped throttles beyond DRF's anon/user defaults; rates live in ``THROTTLE_RATES``.

A view lists the ones it needs next to the defaults, e.g.
``throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, AIThrottle]``.

Throttles count in the cache. The cache behind them fails open (``core.cache``): while
Redis is down they let requests through, and the sign-in lockouts that matter live in the
database (``accounts.lockout``).
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class SettingsRateThrottle(SimpleRateThrottle):
    """Reads its rate when used rather than when imported, so a settings change (an
    operator's THROTTLE_RATES, a test override) takes effect."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class _ScopedThrottle(SettingsRateThrottle):
    """Per user when signed in, per client IP otherwise."""

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = str(request.user.pk)
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AuthThrottle(SettingsRateThrottle):
    """Per client IP on every auth endpoint (register, login, resets, verification) and on
    the admin's login form (``accounts.admin_site``)."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AIThrottle(_ScopedThrottle):
    scope = "ai"


class MessagingThrottle(_ScopedThrottle):
    scope = "messaging"
