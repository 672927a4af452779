"""Every write to notifications, and the functions other apps call.

- ``notify(user=, kind=, title=, body=, data=)``: now, on the channels the member's
  preferences allow (``selectors`` documents the rule).
- ``schedule(user=, kind=, when=, title=, body=, data=)`` and ``cancel(scheduled=)``: later,
  sent by ``dispatch_due`` (Celery beat, every minute).

Delivery guarantees:

- **Scheduled rows are sent exactly once.** ``dispatch_due`` locks due rows with
  ``FOR UPDATE SKIP LOCKED``, writes the notification and marks the row sent in the same
  transaction, so concurrent dispatchers share the work and never take the same row; the
  one-to-one ``Notification.scheduled`` makes a second notification for a row impossible.
- **Socket pushes are best effort**, after commit: a client that was offline catches up
  through ``GET /notifications``.
- **Email is at least once.** The task re-reads the notification by id, holds its row lock
  while the message is handed to the mail server, and records ``email_status="sent"`` in
  the same transaction; a duplicate or retried task finds it sent and stops. Only a crash
  between the server accepting the message and that commit can send it twice: a rare
  duplicate is preferred to a lost verification reminder. Email tasks lost with the broker
  are enqueued again by ``emails_requeue_stale`` (run with the dispatcher), because the
  row, not the queue, says what is still to send.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from analytics.services import track
from core import realtime
from core.exceptions import DomainError
from core.tasks import enqueue

from . import emails, kinds, selectors
from .kinds import Kind
from .models import TITLE_MAX_LENGTH, Notification, NotificationPreference, ScheduledNotification
from .serializers import NotificationSerializer

logger = logging.getLogger(__name__)

Status = ScheduledNotification.Status
EmailStatus = Notification.EmailStatus


class EmailDeferred(Exception):
    """Sending failed for a reason that may pass (the task retries with backoff)."""


# --- Now ----------------------------------------------------------------------------------


@transaction.atomic
def notify(
    *, user, kind: str, title: str, body: str = "", data: dict[str, Any] | None = None
) -> Notification:
    """Notify ``user`` now: the notification is stored, pushed to their sockets as
    ``notification.new`` and emailed, each after commit and each only if the member's
    preferences for ``kind`` allow it. Raises ``kinds.UnknownKind`` for an unregistered
    kind. ``data`` must be JSON-serialisable; ``data["url"]`` is the link the generic
    email template shows."""
    return _notify(user=user, kind=kinds.get(kind), title=title, body=body, data=data or {})


def _notify(
    *,
    user,
    kind: Kind,
    title: str,
    body: str,
    data: dict[str, Any],
    scheduled: ScheduledNotification | None = None,
    preference: NotificationPreference | None | object = selectors.LOOKUP,
) -> Notification:
    channels = selectors.channels_for(user, kind, preference)
    notification = Notification.objects.create(
        user=user,
        kind=kind.name,
        title=_fit(title, TITLE_MAX_LENGTH),
        body=body,
        data=data,
        in_app=channels.in_app,
        email_status=EmailStatus.PENDING if channels.email else EmailStatus.NONE,
        scheduled=scheduled,
    )
    if channels.in_app:
        frame = {"type": "notification.new", "notification": _frame_of(notification)}
        realtime.send_to_user(user.pk, frame)
    if channels.email:
        _enqueue_email(notification.pk)
    return notification


def _frame_of(notification: Notification) -> dict[str, Any]:
    return dict(NotificationSerializer(notification).data)


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _enqueue_email(notification_id) -> None:
    from .tasks import send_email

    # robust: a broker that is down must not fail the caller's request; the row stays
    # "pending" and emails_requeue_stale enqueues it again later.
    transaction.on_commit(lambda: enqueue(send_email, str(notification_id)), robust=True)


# --- Later --------------------------------------------------------------------------------


def schedule(
    *,
    user,
    kind: str,
    when: dt.datetime,
    title: str,
    body: str = "",
    data: dict[str, Any] | None = None,
) -> ScheduledNotification:
    """Notify ``user`` at ``when`` (an aware datetime; a past one means at the next
    dispatch, within a minute). Channels and ``kind``'s ``skip_reason`` are decided when
    it is sent, not now. Cancel it with :func:`cancel`."""
    kinds.get(kind)
    if timezone.is_naive(when):
        raise ValueError("schedule() needs an aware datetime for `when`.")
    return ScheduledNotification.objects.create(
        user=user,
        kind=kind,
        send_at=when,
        payload={"title": _fit(title, TITLE_MAX_LENGTH), "body": body, "data": data or {}},
    )


def cancel(*, scheduled: ScheduledNotification | Any, reason: str = "cancelled") -> bool:
    """Cancel a pending scheduled notification (the row or its id). Returns False when it
    was already sent, cancelled or failed. A dispatcher sending it at this very moment
    holds its row lock: this waits for it and then finds it sent."""
    pk = getattr(scheduled, "pk", scheduled)
    updated = ScheduledNotification.objects.filter(pk=pk, status=Status.PENDING).update(
        status=Status.CANCELLED, cancel_reason=reason[:200], updated_at=timezone.now()
    )
    return bool(updated)


@dataclasses.dataclass
class DispatchReport:
    sent: int = 0
    cancelled: int = 0
    failed: int = 0
    postponed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def _due(now: dt.datetime) -> QuerySet[ScheduledNotification]:
    return (
        ScheduledNotification.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("user", "user__profile")
        .filter(status=Status.PENDING, send_at__lte=now)
        .order_by("send_at")
    )


def dispatch_due(
    *,
    now: dt.datetime | None = None,
    batch_size: int | None = None,
    time_budget: float | None = None,
) -> DispatchReport:
    """Send every scheduled notification due by ``now``, in batches of ``batch_size``, each
    batch one transaction holding its rows' locks (``SKIP LOCKED``: a concurrent dispatcher
    takes other rows). Stops when nothing is due or after ``time_budget`` seconds (the next
    run carries on). Safe to run any number of times at once."""
    now = now or timezone.now()
    batch_size = batch_size or settings.NOTIFICATIONS_DISPATCH_BATCH_SIZE
    deadline = None if time_budget is None else time.monotonic() + time_budget
    report = DispatchReport()
    while deadline is None or time.monotonic() < deadline:
        with transaction.atomic():
            batch = list(_due(now)[:batch_size])
            if not batch:
                break
            preferences = _preferences_of(batch)
            for row in batch:
                _dispatch_one(row, now, report, preferences.get((row.user_id, row.kind)))
        if len(batch) < batch_size:
            break  # the rest, if any, is locked by another dispatcher: its work
    return report


def _preferences_of(batch: list[ScheduledNotification]) -> dict[tuple, NotificationPreference]:
    """The batch's preference rows in one query, keyed by (user id, kind)."""
    rows = NotificationPreference.objects.filter(
        user_id__in={row.user_id for row in batch}, kind__in={row.kind for row in batch}
    )
    return {(p.user_id, p.kind): p for p in rows}


def _dispatch_one(
    row: ScheduledNotification,
    now: dt.datetime,
    report: DispatchReport,
    preference: NotificationPreference | None,
) -> None:
    payload = row.payload or {}
    data = payload.get("data") or {}
    try:
        with transaction.atomic():
            kind = kinds.get(row.kind)
            reason = _skip_reason(row.user, kind, data)
            if reason:
                row.status = Status.CANCELLED
                row.cancel_reason = reason[:200]
                row.save(update_fields=["status", "cancel_reason", "updated_at"])
                report.cancelled += 1
                return
            _notify(
                user=row.user,
                kind=kind,
                title=str(payload.get("title", "")),
                body=str(payload.get("body", "")),
                data=data,
                scheduled=row,
                preference=preference,
            )
            row.status = Status.SENT
            row.sent_at = timezone.now()
            row.attempts += 1
            row.error = ""
            row.save(update_fields=["status", "sent_at", "attempts", "error", "updated_at"])
            report.sent += 1
    except Exception as exc:
        # Only this row's savepoint is rolled back; the rest of the batch goes on.
        logger.exception("Scheduled notification %s could not be sent", row.pk)
        _record_dispatch_failure(row, now, exc, report)


def _record_dispatch_failure(
    row: ScheduledNotification, now: dt.datetime, exc: Exception, report: DispatchReport
) -> None:
    # The savepoint undid whatever was written; start again from what is stored.
    row.refresh_from_db(fields=["status", "attempts", "send_at"])
    row.attempts += 1
    row.error = f"{type(exc).__name__}: {exc}"[:2000]
    if row.attempts >= settings.NOTIFICATIONS_DISPATCH_MAX_ATTEMPTS:
        row.status = Status.FAILED
        report.failed += 1
    else:
        row.status = Status.PENDING
        # Postponed rather than retried at once, so a failing row cannot hold up a run.
        row.send_at = now + dt.timedelta(minutes=2**row.attempts)
        report.postponed += 1
    row.save(update_fields=["attempts", "error", "status", "send_at", "updated_at"])


def _skip_reason(user, kind: Kind, data: dict[str, Any]) -> str | None:
    if not user.is_active:
        return "The account is closed."
    if kind.skip_reason is not None:
        return kind.skip_reason(user, data)
    return None


# --- Email --------------------------------------------------------------------------------


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


# --- The inbox ----------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (already read: unchanged). The member's other sockets
    hear ``notification.read`` with the new unread count."""
    if notification.read_at is not None:
        return notification
    now = timezone.now()
    with transaction.atomic():
        marked = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now, updated_at=now
        )
        if not marked:
            notification.refresh_from_db(fields=["read_at", "updated_at"])
            return notification
        notification.read_at = notification.updated_at = now
        _announce_read(notification.user_id, notification.pk)
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of ``user`` read; returns how many were."""
    now = timezone.now()
    marked = selectors.inbox_for(user=user, unread=True).update(read_at=now, updated_at=now)
    if marked:
        _announce_read(user.pk, None)
    return marked


def _announce_read(user_id, notification_id) -> None:
    # ``id`` null: everything up to now was marked read.
    frame = {
        "type": "notification.read",
        "id": None if notification_id is None else str(notification_id),
        "unread_count": selectors.unread_count(user=user_id),
    }
    realtime.send_to_user(user_id, frame)


# --- Preferences --------------------------------------------------------------------------


@transaction.atomic
def preferences_update(*, user, changes: dict[str, dict[str, bool]]) -> None:
    """Apply ``{kind: {channel: bool}}`` to the member's choices. An unknown kind or an
    attempt to switch off a channel of an essential kind is refused, naming
    ``<kind>`` / ``<kind>.<channel>``; nothing is changed then."""
    unknown = [name for name in changes if kinds.find(name) is None]
    if unknown:
        raise DomainError(
            "Unknown notification kind.",
            code="unknown_kind",
            fields={name: "Unknown notification kind." for name in unknown},
        )
    refused = {
        f"{name}.{channel}": "This notification is essential and cannot be switched off."
        for name, channels in changes.items()
        for channel, value in channels.items()
        if kinds.get(name).essential and value != kinds.get(name).channel_default(channel)
    }
    if refused:
        raise DomainError(
            "Essential notifications cannot be switched off.", code="essential", fields=refused
        )
    for name, channels in changes.items():
        values = {c: bool(v) for c, v in channels.items() if c in kinds.CHANNELS}
        if values and not kinds.get(name).essential:
            NotificationPreference.objects.update_or_create(user=user, kind=name, defaults=values)


def unsubscribe(*, token: str) -> tuple[Any, Kind]:
    """Switch off the email of the kind the signed ``token`` names, for the member it names
    (the link in every non-essential email). Returns (user, kind). Idempotent. A bad,
    expired or unusable token is a 400 on ``token``."""
    try:
        user_id, kind_name = emails.read_unsubscribe_token(token)
    except signing.SignatureExpired as exc:
        raise DomainError(
            "This unsubscribe link has expired; change your notification settings in the app.",
            code="expired",
            attr="token",
        ) from exc
    except signing.BadSignature as exc:
        raise DomainError(
            "This unsubscribe link is not valid.", code="invalid", attr="token"
        ) from exc
    kind = kinds.find(kind_name)
    try:
        user = get_user_model().objects.filter(pk=user_id).first()
    except DjangoValidationError:
        user = None
    if user is None or kind is None or kind.essential:
        raise DomainError("This unsubscribe link is no longer valid.", code="invalid", attr="token")
    NotificationPreference.objects.update_or_create(
        user=user, kind=kind.name, defaults={"email": False}
    )
    track("notification_unsubscribed", user, kind=kind.name)
    return user, kind


# --- Account lifecycle (allauth's user_signed_up, see signals.py) ---------------------------


def signup_notifications_schedule(*, user, now: dt.datetime | None = None) -> None:
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
