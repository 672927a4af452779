"""Notifying later: :func:`schedule` and :func:`cancel` write ``ScheduledNotification``
rows; :func:`dispatch_due` (Celery beat, every minute) sends the due ones exactly once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .. import kinds
from ..kinds import Kind
from ..models import TITLE_MAX_LENGTH, NotificationPreference, ScheduledNotification
from .sending import _fit, _notify

if TYPE_CHECKING:
    from accounts.models import User

# The name the log has always had, before services became a package.
logger = logging.getLogger("notifications.services")
Status = ScheduledNotification.Status


def schedule(
    *,
    user: User,
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
        return kind.skip_reason(user=user, data=data)
    return None
