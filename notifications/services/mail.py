"""Email delivery, at least once: :func:`notification_email_send` (the ``send_email``
task) and :func:`emails_requeue_stale` for tasks lost with the broker."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .. import emails, kinds, selectors
from ..kinds import Kind
from ..models import Notification
from .scheduling import _skip_reason
from .sending import _enqueue_email

# The name the log has always had, before services became a package.
logger = logging.getLogger("notifications.services")
EmailStatus = Notification.EmailStatus


class EmailDeferred(Exception):
    """Sending failed for a reason that may pass (the task retries with backoff)."""


def notification_email_send(*, notification_id) -> str:
    """Email one notification, if it is still waiting to be: re-read by id, under its row
    lock, and checked again against the member's preferences and the kind's
    ``skip_reason`` (they may have changed since it was queued). Returns the resulting
    ``email_status``; raises :class:`EmailDeferred` when a transient error leaves attempts
    (``NOTIFICATIONS_EMAIL_MAX_ATTEMPTS``) to retry with."""
    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(of=("self",))
                .select_related("user", "user__profile")
                .filter(pk=notification_id)
                .first()
            )
            if notification is None:
                return "gone"
            if notification.email_status != EmailStatus.PENDING:
                return notification.email_status
            kind = kinds.get(notification.kind)
            reason = _email_skip_reason(notification, kind)
            if reason:
                notification.email_status = EmailStatus.SKIPPED
                notification.email_error = reason[:500]
                notification.save(update_fields=["email_status", "email_error", "updated_at"])
                return EmailStatus.SKIPPED
            emails.build_message(notification, kind).send()
            notification.email_status = EmailStatus.SENT
            notification.email_sent_at = timezone.now()
            notification.email_attempts += 1
            notification.email_error = ""
            notification.save(
                update_fields=[
                    "email_status",
                    "email_sent_at",
                    "email_attempts",
                    "email_error",
                    "updated_at",
                ]
            )
            return EmailStatus.SENT
    except Exception as exc:
        return _record_email_failure(notification_id, exc)


def _email_skip_reason(notification: Notification, kind: Kind) -> str | None:
    user = notification.user
    if not selectors.channels_for(user, kind).email:
        return "Email is switched off for this kind."
    return _skip_reason(user, kind, notification.data)


def _record_email_failure(notification_id, exc: Exception) -> str:
    attempts = (
        Notification.objects.filter(pk=notification_id)
        .values_list("email_attempts", flat=True)
        .first()
    )
    if attempts is None:
        return "gone"
    transient = emails.is_transient(exc)
    final = not transient or attempts + 1 >= settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS
    Notification.objects.filter(pk=notification_id, email_status=EmailStatus.PENDING).update(
        email_attempts=F("email_attempts") + 1,
        email_error=f"{type(exc).__name__}: {exc}"[:500],
        email_status=EmailStatus.FAILED if final else EmailStatus.PENDING,
        updated_at=timezone.now(),
    )
    if final:
        logger.error(
            "Email of notification %s failed for good after %s attempt(s)",
            notification_id,
            attempts + 1,
            exc_info=exc,
        )
        return EmailStatus.FAILED
    raise EmailDeferred(str(exc)) from exc


def emails_requeue_stale(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Enqueue again the emails still pending long after their last attempt (their task was
    lost with the broker or a worker); the task is idempotent, so a duplicate is harmless."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.NOTIFICATIONS_EMAIL_REQUEUE_MINUTES)
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(email_status=EmailStatus.PENDING, updated_at__lt=cutoff)
            .order_by("updated_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Notification.objects.filter(pk__in=ids).update(updated_at=now)
            for notification_id in ids:
                _enqueue_email(notification_id)
    return len(ids)
