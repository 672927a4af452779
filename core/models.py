"""Tables every app shares: the abstract base model and the staff audit log."""

import uuid

from django.conf import settings
from django.db import models


class BaseModel(models.Model):
    """UUID primary key and creation/update times, for every table of the platform."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One staff view or change of a member's personal data. Append-only: the admin offers
    no way to add, change or delete a row (core/admin.py)."""

    class Action(models.TextChoices):
        VIEW = "view", "viewed"
        CHANGE = "change", "changed"
        ADD = "add", "added"
        DELETE = "delete", "deleted"
        ACTION = "action", "ran an action on"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64, db_index=True)
    target_repr = models.CharField(max_length=200, blank=True)
    subject_id = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="The member whose data it is."
    )
    changes = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.actor_email or 'system'} {self.get_action_display()} {self.target_repr}"


class IdempotencyRecord(BaseModel):
    """One ``Idempotency-Key`` a member sent with a write, and the response it earned.

    The unique (user, key) pair is what stops two concurrent retries from both running the
    write; see core/idempotency.py.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        DONE = "done", "done"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="idempotency_records",
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2048)
    request_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the canonical JSON request body."
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}] {self.status}"
