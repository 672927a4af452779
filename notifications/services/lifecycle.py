"""Notifications of the account's lifecycle (allauth's ``user_signed_up``, see
``signals.py``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .scheduling import schedule

if TYPE_CHECKING:
    from accounts.models import User


def signup_notifications_schedule(*, user: User, now: dt.datetime | None = None) -> None:
    """The welcome, at the next dispatch, and the verification reminder a day later (it is
    cancelled at dispatch if the address was verified meanwhile)."""
    now = now or timezone.now()
    with transaction.atomic():
        schedule(
            user=user,
            kind="welcome",
            when=now,
            title="Welcome aboard",
            body="Finish onboarding to make the most of it.",
            data={"url": f"{settings.FRONTEND_URL}/onboarding"},
        )
        schedule(
            user=user,
            kind="verify_email_reminder",
            when=now + dt.timedelta(hours=settings.NOTIFICATIONS_VERIFY_REMINDER_HOURS),
            title="Confirm your email address",
            body="Your email address is not confirmed yet. Confirm it to sign in.",
        )
