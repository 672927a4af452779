"""Every CRM write is throttled per member on top of the default throttles: ``crm_write``
in ``THROTTLE_RATES``."""

from rest_framework.permissions import SAFE_METHODS

from core.throttles import SettingsRateThrottle


class CrmWriteThrottle(SettingsRateThrottle):
    scope = "crm_write"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": str(request.user.pk)}


class WriteThrottled:
    """Mixed into a view before its DRF base: unsafe methods also meet the write throttle."""

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.method not in SAFE_METHODS and self.request.user.is_authenticated:
            throttles.append(CrmWriteThrottle())
        return throttles
