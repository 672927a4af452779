"""Export, erasure and retention of notifications: a member's inbox, choices and pending
schedule go with them; old read notifications and finished schedule rows expire."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q

from core import privacy

from .models import Notification, NotificationPreference, ScheduledNotification


def expired_notifications(now):
    """Read notifications, and those never shown in the inbox (email only, or silenced),
    older than NOTIFICATIONS_RETENTION_DAYS. Unread inbox entries wait for their reader."""
    cutoff = now - timedelta(days=settings.NOTIFICATIONS_RETENTION_DAYS)
    return Notification.objects.filter(
        Q(read_at__isnull=False) | Q(in_app=False), created_at__lt=cutoff
    )


def finished_schedule_rows(now):
    """Scheduled rows sent, cancelled or failed more than NOTIFICATIONS_SCHEDULE_RETENTION_DAYS
    ago: their notification, if any, is its own record."""
    cutoff = now - timedelta(days=settings.NOTIFICATIONS_SCHEDULE_RETENTION_DAYS)
    return ScheduledNotification.objects.exclude(
        status=ScheduledNotification.Status.PENDING
    ).filter(updated_at__lt=cutoff)


privacy.register(
    Notification,
    export_fields=(
        "id",
        "kind",
        "title",
        "body",
        "data",
        "in_app",
        "read_at",
        "email_status",
        "email_sent_at",
        "created_at",
    ),
    retention=expired_notifications,
    retention_note="read (or never listed) notifications older than NOTIFICATIONS_RETENTION_DAYS",
)
privacy.register(
    NotificationPreference,
    export_fields=("kind", "in_app", "email", "updated_at"),
)
privacy.register(
    ScheduledNotification,
    export_fields=("id", "kind", "send_at", "payload", "status", "sent_at", "cancel_reason"),
    retention=finished_schedule_rows,
    retention_note="finished scheduled notifications older than "
    "NOTIFICATIONS_SCHEDULE_RETENTION_DAYS",
)

# Another member's inbox and pending schedule name the senders of what they are told about
# ("New message from Ada", the sender's id in ``data``): erasure rewrites those mentions, and
# an alert left with no sender is skipped when it falls due.
privacy.register_mentions(ScheduledNotification, fields=("payload", "error", "cancel_reason"))
privacy.register_mentions(Notification, fields=("title", "body", "data", "email_error"))
