"""The generation log and the quota counters of the AI gateway."""

from django.conf import settings
from django.db import models

from core.models import BaseModel


class Generation(BaseModel):
    """One AI generation: what was asked (feature, input, prompt version), who answered
    (provider, model), how it went (status, tokens, latency, attempts, error) and the
    validated answer, and the member's context the prompts were given. Rows outlive their
    content: retention clears ``input``, ``output`` and ``member_context`` after
    ``AI_RETENTION_DAYS`` and keeps the usage numbers."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    # Indexed as the first column of the indexes below, not on its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ai_generations",
        db_index=False,
    )
    feature = models.CharField(max_length=64)
    streamed = models.BooleanField(
        default=False, help_text="A streamed text reply rather than structured output."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    provider = models.CharField(max_length=32)
    model = models.CharField(max_length=100)
    prompt_version = models.CharField(max_length=32)
    input = models.JSONField(null=True, blank=True)
    output = models.JSONField(null=True, blank=True)
    member_context = models.JSONField(
        null=True,
        blank=True,
        help_text="What the prompts were told about the member (ai.context); null for a "
        "feature that does not use it.",
    )
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    usage_estimated = models.BooleanField(
        default=False,
        help_text="The provider reported no usage, so the tokens are our estimate.",
    )
    cost_usd = models.DecimalField(
        max_digits=12,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="The tokens priced by AI_PRICES when the generation was recorded; null when "
        "the model has no price there.",
    )
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    time_to_first_token_ms = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Requests made to the provider (retries and repair included)."
    )
    error_code = models.CharField(max_length=32, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    # The quota this run took: the day it counts against (cleared once refunded, so a
    # refund happens at most once) and the units.
    quota_day = models.DateField(null=True, blank=True)
    quota_cost = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    content_cleared_at = models.DateTimeField(
        null=True, blank=True, help_text="When retention cleared the content."
    )

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="ai_gen_user_created"),
            models.Index(fields=["user", "feature", "-created_at"], name="ai_gen_user_feature"),
            models.Index(fields=["feature", "-created_at"], name="ai_gen_feature"),
            models.Index(fields=["status", "-created_at"], name="ai_gen_status"),
            models.Index(fields=["provider", "model"], name="ai_gen_provider_model"),
        ]

    def __str__(self) -> str:
        return f"{self.feature} {self.status} ({self.pk})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def error(self) -> dict[str, str] | None:
        if not self.error_code:
            return None
        return {"code": self.error_code, "detail": self.error_message}


class QuotaUsage(BaseModel):
    """Quota units a user has taken for one feature on one UTC day. The unique row is what
    an atomic conditional UPDATE counts on (ai/quotas.py)."""

    # Indexed as the first column of the unique constraint.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ai_quota_usage",
        db_index=False,
    )
    feature = models.CharField(max_length=64)
    day = models.DateField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "feature", "day"], name="ai_quota_user_day"),
            models.CheckConstraint(condition=models.Q(used__gte=0), name="ai_quota_used_gte_0"),
        ]
        verbose_name_plural = "quota usage"

    def __str__(self) -> str:
        return f"{self.feature} {self.day}: {self.used}"
