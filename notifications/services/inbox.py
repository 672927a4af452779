"""The inbox: marking notifications read, and telling the member's other sockets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from core import realtime

from .. import frames, selectors
from ..models import Notification

if TYPE_CHECKING:
    from accounts.models import User


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
def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many were."""
    now = timezone.now()
    marked = selectors.inbox_for(user=user, unread=True).update(read_at=now, updated_at=now)
    if marked:
        _announce_read(user.pk, None)
    return marked


def _announce_read(user_id, notification_id) -> None:
    # ``notification_id`` None: everything up to now was marked read.
    frame = frames.notification_read(
        notification_id=notification_id, unread_count=selectors.unread_count(user=user_id)
    )
    realtime.send_to_user(user_id, frame)
