"""The admin site, with the API's sign-in defences on its login form.

The lockout comes from django-axes (``accounts.lockout``), which hears the admin form's
``authenticate`` call like the API's. What axes does not give is the per-IP ``auth``
throttle of the API's sign-in endpoints; the login view here applies the same throttle, to
the same counter, so guesses spread over both doors add up.
"""

import math

from django.contrib import admin
from django.template.response import TemplateResponse

from core.throttles import AuthThrottle


class PlatformAdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        # Only attempts count: showing the form costs nothing to guard.
        if request.method == "POST":
            throttle = AuthThrottle()
            if not throttle.allow_request(request, None):
                return refused_page(request, math.ceil(throttle.wait() or 1))
        return super().login(request, extra_context)


def refused_page(request, wait: int) -> TemplateResponse:
    """The admin's answer to a refused sign-in (throttle or lockout): 429, with the wait."""
    response = TemplateResponse(
        request,
        "admin/login_refused.html",
        {"title": "Too many sign-in attempts", "minutes": max(1, math.ceil(wait / 60))},
        status=429,
    )
    response["Retry-After"] = str(wait)
    # Rendered now: axes answers from its middleware, after Django renders responses.
    return response.render()
