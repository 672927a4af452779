"""Billing's own table. Subscriptions, invoices and payments are dj-stripe's mirror of
Stripe; what Stripe does not know is here: plans that staff grant without a payment."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import BaseModel


class PlanGrant(BaseModel):
    """A complimentary plan: staff give a member a plan for a period, without Stripe (to
    try a premium feature, support a member, run the platform with no Stripe keys). The
    member's plan is the richest of their subscription and their current grants. Ending a
    grant early sets ``ended_at``; rows are kept as the record of who granted what."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_grants"
    )
    plan = models.CharField(max_length=50)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until staff end it.")
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Ended early by staff.")
    reason = models.CharField(max_length=200)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "ended_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="billing_plangrant_ends_after_start",
            )
        ]

    @property
    def active(self) -> bool:
        """In force now: started, not ended early, not past its end."""
        now = timezone.now()
        return (
            self.ended_at is None
            and self.starts_at <= now
            and (self.ends_at is None or self.ends_at > now)
        )

    def __str__(self) -> str:
        return f"{self.plan} for {self.user_id}"
