"""Server -> client frames of notifications.

``{"type": "notification.new", "notification": {"id", "kind", "title", "body", "data",
"is_read", "read_at", "created_at"}}``
    A notification shown in the app (``NotificationSerializer``'s shape, as
    ``GET /notifications`` gives it). Only when the member's preferences for its kind
    allow ``in_app``.

``{"type": "notification.read", "id": "<uuid>"|null, "unread_count": 3}``
    One notification (``id``), or every one up to now (``id`` null), was marked read, on
    any of the member's devices; ``unread_count`` is what is left unread.
"""

from __future__ import annotations

from typing import Any

from .models import Notification
from .serializers import NotificationSerializer


def notification_new(notification: Notification) -> dict[str, Any]:
    return {
        "type": "notification.new",
        "notification": dict(NotificationSerializer(notification).data),
    }


def notification_read(*, notification_id, unread_count: int) -> dict[str, Any]:
    return {
        "type": "notification.read",
        "id": None if notification_id is None else str(notification_id),
        "unread_count": unread_count,
    }
