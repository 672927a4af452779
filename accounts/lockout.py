"""Defences against password guessing, shared by the API sign-in and the admin's.

Two layers, both kept in the database (django-axes' tables), so they hold when Redis is
down; the cache only speeds up the per-IP throttles, which let requests through without it.

1. **Lockout per email and client address** (django-axes, ``AXES_LOCKOUT_PARAMETERS =
   [["username", "ip_address"]]``). ``LOGIN_LOCKOUT_THRESHOLD`` failures for one email from
   one address lock that pair for ``LOGIN_LOCKOUT_DURATION`` seconds after the last failure:
   even the right password is refused there (429 ``login_locked``), without being checked.
   The same email from another address is untouched, so an attacker who knows a member's
   email locks out only themselves. Axes hears every ``django.contrib.auth.authenticate``
   call, the admin form's (``username``) and the API's (``email``) alike, and
   :func:`username_from` gives both the same key, the normalised email. Unknown emails are
   recorded exactly like known ones.

2. **Per-email pacing** against guessing spread over many addresses. Once an email has
   ``LOGIN_PACING_THRESHOLD`` failures from all addresses together within
   ``LOGIN_LOCKOUT_WINDOW`` seconds, each further attempt from an address that has not signed
   in to that account before must wait 1 s after the latest failure, doubling with each
   failure up to ``LOGIN_PACING_MAX_DELAY`` (429 ``login_paced``, nothing checked, nothing
   counted). That bounds a botnet to one guess per max delay per email, while the owner is
   never locked out: an address they signed in from within ``LOGIN_KNOWN_ADDRESS_DAYS`` skips
   the pacing, a new address waits at most the max delay, and a password reset (by email)
   always works. Pacing is neither a sleep (a worker would be held) nor a lock.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from core.exceptions import TooManyRequests, error_body

from .addresses import normalise_email
from .admin_site import refused_page

LOCKED_DETAIL = "Too many failed sign-ins for this email from this address; try again later."
PACED_DETAIL = "Too many failed sign-ins for this email; try again shortly, or reset the password."


# --- Hooks named in the AXES_* settings ---------------------------------------------------


def username_from(request: HttpRequest, credentials: dict | None) -> str | None:
    """The lockout key of an attempt: the email, normalised as at registration. The API
    passes ``email``, the admin's form ``username``; both name the same account."""
    values = credentials or {}
    email = values.get("email") or values.get("username")
    if email is None:
        data = getattr(request, "data", None) or request.POST
        email = data.get("email") or data.get("username")
    return normalise_email(email) if isinstance(email, str) else None


def client_address(request: HttpRequest) -> str | None:
    """The client address exactly as DRF's throttles see it (``NUM_PROXIES``), so a lockout
    and a throttle never disagree about who is asking. Axes stores it in an IP field, so a
    forged ``X-Forwarded-For`` that is not an address falls back to the peer's."""
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(ident))
    except ValueError:
        return request.META.get("REMOTE_ADDR")


def failure_limit(request: HttpRequest, credentials: dict | None) -> int:
    return settings.LOGIN_LOCKOUT_THRESHOLD


def cool_off(request: HttpRequest | None) -> timedelta:
    return timedelta(seconds=settings.LOGIN_LOCKOUT_DURATION)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """What AxesMiddleware answers when a sign-in through a Django form (the admin's) hits
    the lockout: a page saying when to come back, with ``Retry-After``."""
    wait = retry_after(request, credentials)
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("login_locked", LOCKED_DETAIL), status=429)
    else:
        response = refused_page(request, wait)
    response["Retry-After"] = str(wait)
    return response


# --- Used by services.login ---------------------------------------------------------------


def raise_if_paced(request, email: str) -> None:
    """Refuse an attempt the per-email pacing does not allow yet (module docstring, 2)."""
    wait = _pacing_wait(request, email)
    if wait > 0:
        raise TooManyRequests(PACED_DETAIL, code="login_paced", wait=wait)


def raise_if_locked_out(request, email: str) -> None:
    """After ``authenticate`` returned no user: say so if axes refused it as locked out."""
    if getattr(request, "axes_locked_out", False):
        raise TooManyRequests(
            LOCKED_DETAIL, code="login_locked", wait=retry_after(request, {"email": email})
        )


def record_success(request, email: str) -> None:
    """A right password from this address: its failures for this email are forgotten (the
    attacker's elsewhere are not), and the address is remembered as the owner's. The admin
    gets both from axes through ``user_logged_in``; a token sign-in sends no such signal."""
    AxesProxyHandler.update_request(request)
    AccessAttempt.objects.filter(username=email, ip_address=request.axes_ip_address).delete()
    AccessLog.objects.create(
        username=email,
        ip_address=request.axes_ip_address,
        user_agent=request.axes_user_agent,
        http_accept=request.axes_http_accept,
        path_info=request.axes_path_info,
    )


def retry_after(request: HttpRequest, credentials: dict | None) -> int:
    """Whole seconds until the lockout of this email and address ends."""
    AxesProxyHandler.update_request(request)
    last = AccessAttempt.objects.filter(
        username=username_from(request, credentials), ip_address=request.axes_ip_address
    ).aggregate(last=Max("attempt_time"))["last"]
    if last is None:
        return 1
    remaining = last + cool_off(request) - timezone.now()
    return max(1, math.ceil(remaining.total_seconds()))


def _pacing_wait(request, email: str) -> float:
    now = timezone.now()
    recent = AccessAttempt.objects.filter(
        username=email, attempt_time__gte=now - timedelta(seconds=settings.LOGIN_LOCKOUT_WINDOW)
    ).aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    excess = (recent["failures"] or 0) - settings.LOGIN_PACING_THRESHOLD
    if excess < 0:
        return 0
    AxesProxyHandler.update_request(request)
    known = AccessLog.objects.filter(
        username=email,
        ip_address=request.axes_ip_address,
        attempt_time__gte=now - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS),
    ).exists()
    if known:
        return 0
    delay = min(2**excess, settings.LOGIN_PACING_MAX_DELAY)
    return (recent["last"] + timedelta(seconds=delay) - now).total_seconds()


def records_erase(emails: list[str]) -> int:
    """Delete the sign-in records kept under any of the member's addresses (failed attempts
    and the addresses they signed in from): they name the member by email and hold where
    they connected from, so they go with the account."""
    keys = [email.strip().lower() for email in emails if email]
    deleted = 0
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        deleted += model.objects.filter(username__in=keys).delete()[0]
    return deleted
