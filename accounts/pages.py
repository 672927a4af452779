"""The pages the verification and password-reset emails link to when no front end serves
them (``FRONTEND_URL`` empty; ``accounts.adapters``): plain HTML from ``templates/accounts/``,
CSRF-protected forms, no JavaScript. Each page calls the service or selector its API twin
calls (docs/API.md, auth), so a page and the API cannot disagree about a key.

A GET changes nothing: mail scanners and link previews open links before the member does,
so an address is confirmed, and a password set, only by the POST of the page's form. The
POSTs count against the same per-IP throttles as the API's auth endpoints, and a key that
does not work is a 400 page offering a new email, never an error of the server.
"""

from __future__ import annotations

import math
from functools import partial

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from rest_framework.settings import api_settings

from core.exceptions import DomainError
from core.links import public_url
from core.tasks import enqueue
from core.throttles import AuthThrottle

from . import selectors, services, tasks
from .forms import KEY_MAX_LENGTH, EmailForm, NewPasswordForm

# The API's auth endpoints' throttles (accounts.views.AUTH_THROTTLES), on the same counters.
THROTTLES = [*api_settings.DEFAULT_THROTTLE_CLASSES, AuthThrottle]


def _throttled(request: HttpRequest) -> HttpResponse | None:
    """The 429 page when a throttle refuses this POST; every throttle counts it, as in DRF."""
    waits = []
    for throttle_class in THROTTLES:
        throttle = throttle_class()
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 1)
    if not waits:
        return None
    wait = math.ceil(max(waits))
    response = render(
        request,
        "accounts/refused.html",
        {"title": "Too many attempts", "minutes": max(1, math.ceil(wait / 60))},
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


@method_decorator(never_cache, name="dispatch")
class AccountPage(View):
    """Never cached (the URL carries a key); POSTs throttled before anything is read. A
    page is one template in several states, each with its title."""

    http_method_names = ["get", "post", "head", "options"]
    template_name = ""
    titles: dict[str, str] = {}

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST":
            refusal = _throttled(request)
            if refusal is not None:
                return refusal
        return super().dispatch(request, *args, **kwargs)

    def page(self, request, state: str, *, status: int = 200, **context) -> HttpResponse:
        context = {"title": self.titles[state], "state": state, **context}
        return render(request, self.template_name, context, status=status)


class KeyPage(AccountPage):
    """A page reached by an emailed key. A key that does not work (forged, expired, used,
    or longer than any key made) offers to send a new email."""

    def invalid(self, request) -> HttpResponse:
        return self.page(request, "invalid", status=400, form=EmailForm())


def _usable(key: str) -> bool:
    return len(key) <= KEY_MAX_LENGTH


# --- Verification -------------------------------------------------------------------------


class VerifyEmailPage(KeyPage):
    """GET names the address and shows the Confirm button; its POST confirms, as
    ``POST /api/v1/auth/verify-email`` does."""

    template_name = "accounts/verify_email.html"
    titles = {
        "confirm": "Confirm your email address",
        "done": "Email address confirmed",
        "invalid": "This link does not work",
    }

    def get(self, request, key: str):
        address = selectors.email_confirmation_address(key) if _usable(key) else None
        if address is None:
            return self.invalid(request)
        return self.page(request, "confirm", email=address.email)

    def post(self, request, key: str):
        if not _usable(key):
            return self.invalid(request)
        try:
            address = services.email_verify(key=key, request=request)
        except DomainError:
            return self.invalid(request)
        return self.page(request, "done", email=address.email)


# --- Password reset -----------------------------------------------------------------------


class ResetPasswordPage(KeyPage):
    """GET shows the new-password form while the key works; its POST sets the password as
    ``POST /api/v1/auth/password/reset`` does, which ends every session of the member."""

    template_name = "accounts/reset_password.html"
    titles = {
        "form": "Choose a new password",
        "done": "Password changed",
        "invalid": "This link has expired",
    }

    def get(self, request, key: str):
        user = selectors.password_reset_user(key) if _usable(key) else None
        if user is None:
            return self.invalid(request)
        return self.page(request, "form", form=NewPasswordForm(user=user))

    def post(self, request, key: str):
        user = selectors.password_reset_user(key) if _usable(key) else None
        if user is None:
            return self.invalid(request)
        form = NewPasswordForm(request.POST, user=user)
        if not form.is_valid():
            return self.page(request, "form", status=400, form=form)
        try:
            services.password_reset_confirm(key=key, new_password=form.cleaned_data["new_password"])
        except DomainError as exc:
            if exc.attr == "key":
                return self.invalid(request)
            form.add_error("new_password", exc.detail)
            return self.page(request, "form", status=400, form=form)
        return self.page(request, "done")


# --- Asking for a new email ---------------------------------------------------------------


class EmailRequestPage(AccountPage):
    """A form that asks for a new email, answered alike whether or not an account matches
    (no account enumeration): the lookup is the task's, after commit, as behind the API's
    ``_accept_email``. The links in that email start with this request's address."""

    template_name = "accounts/email_request.html"
    task = None
    intro = ""

    def get(self, request):
        return self.page(request, "form", form=EmailForm(), intro=self.intro)

    def post(self, request):
        form = EmailForm(request.POST)
        if not form.is_valid():
            return self.page(request, "form", status=400, form=form, intro=self.intro)
        email, base_url = form.cleaned_data["email"], public_url(request)
        transaction.on_commit(partial(enqueue, self.task, email=email, base_url=base_url))
        return self.page(request, "sent")


class VerificationResendPage(EmailRequestPage):
    """``POST /api/v1/auth/verify-email/resend``, as a form."""

    task = tasks.verification_resend
    titles = {"form": "Send the confirmation email again", "sent": "Check your inbox"}
    intro = "Enter your email address and we will send you a new confirmation link."


class PasswordForgotPage(EmailRequestPage):
    """``POST /api/v1/auth/password/forgot``, as a form."""

    task = tasks.password_reset_send
    titles = {"form": "Reset your password", "sent": "Check your inbox"}
    intro = "Enter your email address and we will send you a link to choose a new password."
