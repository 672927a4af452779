"""The inbox, the members' per-kind choices, and notifications waiting for their time.

A ``Notification`` row is written for every ``notify`` call, whichever channels it goes
out on: it is what the inbox lists (``in_app``) and what the email task re-reads by id
(``email_status``), so a retried task never works from stale arguments.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from core.models import BaseModel

KIND_MAX_LENGTH = 50
TITLE_MAX_LENGTH = 200


class ScheduledNotification(BaseModel):
    """A notification to send at ``send_at``. The row is the truth: the dispatcher (Celery
    beat, every minute) sends due rows, so nothing is lost when a worker or the broker
    restarts, and a pending row can be cancelled up to the moment it is sent."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        CANCELLED = "cancelled", "cancelled"
        FAILED = "failed", "failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="scheduled_notifications",
    )
    kind = models.CharField(max_length=KIND_MAX_LENGTH)
    send_at = models.DateTimeField()
    payload = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text="What notify() receives when the row is due: title, body, data.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["send_at"]
        indexes = [
            # The dispatcher's query: pending rows due by now, oldest first. Sent and
            # cancelled rows (most of the table) stay out of the index.
            models.Index(
                fields=["send_at"],
                condition=Q(status="pending"),
                name="notifications_sched_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id} at {self.send_at:%Y-%m-%d %H:%M} ({self.status})"


class Notification(BaseModel):
    """One notification of one member: an inbox entry (when ``in_app``) and/or an email."""

    class EmailStatus(models.TextChoices):
        NONE = "none", "not emailed"
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        SKIPPED = "skipped", "skipped"
        FAILED = "failed", "failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(max_length=KIND_MAX_LENGTH)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    in_app = models.BooleanField(default=True, help_text="Listed in the member's inbox.")
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(
        max_length=8, choices=EmailStatus.choices, default=EmailStatus.NONE
    )
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=500, blank=True)
    # Unique: a scheduled row can produce one notification, whatever races around it.
    scheduled = models.OneToOneField(
        ScheduledNotification,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notification",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                condition=Q(in_app=True),
                name="notifications_inbox",
            ),
            models.Index(
                fields=["user", "-created_at"],
                condition=Q(in_app=True, read_at__isnull=True),
                name="notifications_unread",
            ),
            # Emails whose task may have been lost with the broker (services.emails_requeue_stale).
            models.Index(
                fields=["updated_at"],
                condition=Q(email_status="pending"),
                name="notifications_email_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(BaseModel):
    """A member's choice for one kind. ``None`` on a channel means "the kind's default", so
    a kind whose default changes later carries along everyone who never chose."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(max_length=KIND_MAX_LENGTH)
    in_app = models.BooleanField(null=True, blank=True)
    email = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notifications_pref_user_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: in_app={self.in_app} email={self.email}"
