"""Notifying now: :func:`notify` stores the notification, pushes ``notification.new`` to
the member's sockets and queues its email, each after commit and each only where the
member's preferences allow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from core import realtime
from core.tasks import enqueue

from .. import frames, kinds, selectors
from ..kinds import Kind
from ..models import TITLE_MAX_LENGTH, Notification, NotificationPreference, ScheduledNotification

if TYPE_CHECKING:
    from accounts.models import User

EmailStatus = Notification.EmailStatus


@transaction.atomic
def notify(
    *, user: User, kind: str, title: str, body: str = "", data: dict[str, Any] | None = None
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
        realtime.send_to_user(user.pk, frames.notification_new(notification))
    if channels.email:
        _enqueue_email(notification.pk)
    return notification


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _enqueue_email(notification_id) -> None:
    from ..tasks import send_email

    # robust: a broker that is down must not fail the caller's request; the row stays
    # "pending" and emails_requeue_stale enqueues it again later.
    transaction.on_commit(lambda: enqueue(send_email, str(notification_id)), robust=True)
