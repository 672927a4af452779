"""Scenarios, conversations and their messages, feedback, skill scores, safety events and
the practice quota.

A ``Scenario`` is shared catalogue data that staff edit in the admin; its tips per
difficulty are validated on every save so the API never serves a malformed one. A
``Conversation`` is a practice conversation with an AI character or a thread with the AI
coach (``kind``): both run on one pipeline of ``Message`` rows, where a partial unique index
makes "one reply in flight per conversation" a database guarantee and a unique
``client_id`` per conversation makes a resent message a no-op. A practice conversation
keeps a snapshot of the scenario it started from, so staff edits never rewrite history,
and its ``character`` exactly as generated.

A ``PracticeQuota`` row counts one member's practice conversations on one local day: the
conversation start takes a unit with a conditional UPDATE, so the unique (user, day) pair
is what makes the count race-free.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core.models import BaseModel

TIP_MAX_LENGTH = 200
TIPS_PER_DIFFICULTY_MAX = 6


class Difficulty(models.TextChoices):
    GREEN = "green", "Green: friendly and open"
    YELLOW = "yellow", "Yellow: polite but busy"
    RED = "red", "Red: reserved, needs real skill"


DIFFICULTIES = tuple(Difficulty.values)


class Setting(models.TextChoices):
    COFFEE_SHOP = "coffee_shop", "Coffee shop"
    BOOKSTORE = "bookstore", "Bookstore"
    PARK = "park", "Park"
    GYM = "gym", "Gym"
    MUSEUM = "museum", "Museum"
    RESTAURANT = "restaurant", "Restaurant"
    BAR = "bar", "Bar"
    EVENT = "event", "Event"
    WORKPLACE = "workplace", "Workplace"
    OTHER = "other", "Other"


class Target(models.TextChoices):
    ROMANTIC = "romantic", "Romantic"
    SOCIAL = "social", "Social"
    PROFESSIONAL = "professional", "Professional"


def validate_tips(value: Any) -> None:
    """``{"green": [...], "yellow": [...], "red": [...]}``: every difficulty, nothing
    else, each with 1 to ``TIPS_PER_DIFFICULTY_MAX`` non-blank tips of at most
    ``TIP_MAX_LENGTH`` characters."""
    if not isinstance(value, dict):
        raise ValidationError("Tips must be an object keyed by difficulty.", code="invalid")
    missing = [name for name in DIFFICULTIES if name not in value]
    unknown = sorted(str(key) for key in value if key not in DIFFICULTIES)
    if missing or unknown:
        raise ValidationError(
            f"Tips need exactly the difficulties {', '.join(DIFFICULTIES)}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(unknown)}" if unknown else "")
            + ".",
            code="invalid",
        )
    for name in DIFFICULTIES:
        tips = value[name]
        if not isinstance(tips, list) or not 1 <= len(tips) <= TIPS_PER_DIFFICULTY_MAX:
            raise ValidationError(
                f"{name}: give 1 to {TIPS_PER_DIFFICULTY_MAX} tips as a list.", code="invalid"
            )
        for tip in tips:
            if not isinstance(tip, str) or not tip.strip() or len(tip) > TIP_MAX_LENGTH:
                raise ValidationError(
                    f"{name}: each tip is non-blank text of at most {TIP_MAX_LENGTH} characters.",
                    code="invalid",
                )


class Scenario(BaseModel):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    setting = models.CharField(max_length=32, choices=Setting.choices, db_index=True)
    description = models.TextField(max_length=1000)
    target = models.CharField(max_length=16, choices=Target.choices, default=Target.SOCIAL)
    premium = models.BooleanField(default=False)
    tips = models.JSONField(
        validators=[validate_tips],
        help_text='Tips per difficulty: {"green": [...], "yellow": [...], "red": [...]}.',
    )
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "title"]
        indexes = [models.Index(fields=["active", "order", "title"])]

    def __str__(self) -> str:
        return self.title


class PracticeQuota(BaseModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_quotas"
    )
    day = models.DateField(help_text="The member's local date.")
    used = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="conversations_quota_user_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}: {self.used}"


class Conversation(BaseModel):
    class Kind(models.TextChoices):
        PRACTICE = "practice", "Practice"
        COACH = "coach", "AI coach"

    class Status(models.TextChoices):
        PREPARING = "preparing", "Preparing"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ENDED = "ended", "Ended"
        ABANDONED = "abandoned", "Abandoned"
        FAILED = "failed", "Failed"

    class TitleSource(models.TextChoices):
        AUTO = "auto", "Automatic"
        MEMBER = "member", "Member"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="conversations",
        db_index=False,
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    scenario = models.ForeignKey(
        Scenario, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    scenario_snapshot = models.JSONField(
        null=True,
        blank=True,
        help_text="The scenario's slug, title, setting, description and target when the "
        "conversation started.",
    )
    difficulty = models.CharField(max_length=16, choices=Difficulty.choices, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREPARING)
    character = models.JSONField(
        null=True, blank=True, help_text="The AI character exactly as generated."
    )
    character_generation = models.ForeignKey(
        "ai.Generation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(max_length=120, blank=True)
    title_source = models.CharField(
        max_length=8, choices=TitleSource.choices, default=TitleSource.AUTO
    )
    canary = models.CharField(
        max_length=32,
        blank=True,
        help_text="A marker in the system prompt that no reply may repeat.",
    )
    quota_day = models.DateField(
        null=True, blank=True, help_text="The member's local day whose practice unit it took."
    )
    quota_refunded_at = models.DateTimeField(null=True, blank=True)
    member_turns = models.PositiveIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=32, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "kind", "-last_message_at"], name="conv_user_kind_last"),
            models.Index(fields=["user", "kind", "-created_at", "-id"], name="conv_user_kind_new"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} {self.pk}"

    @property
    def is_practice(self) -> bool:
        return self.kind == self.Kind.PRACTICE


class Message(BaseModel):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        PARTNER = "partner", "Partner"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        STREAMING = "streaming", "Streaming"
        COMPLETE = "complete", "Complete"
        ERROR = "error", "Error"
        CANCELLED = "cancelled", "Cancelled"
        RETRACTED = "retracted", "Retracted"
        BLOCKED = "blocked", "Blocked"

    IN_FLIGHT = (Status.QUEUED, Status.STREAMING)
    FINISHED = (Status.COMPLETE, Status.ERROR, Status.CANCELLED, Status.RETRACTED, Status.BLOCKED)

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    role = models.CharField(max_length=8, choices=Role.choices)
    content = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    client_id = models.CharField(max_length=64, blank=True)
    generation = models.ForeignKey(
        "ai.Generation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_seq = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=32, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["conversation", "-created_at", "-id"], name="conv_msg_newest"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=~Q(client_id=""),
                name="conv_msg_client_id",
            ),
            models.UniqueConstraint(
                fields=["conversation"],
                condition=Q(status__in=["queued", "streaming"]),
                name="conv_msg_one_in_flight",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.status} {self.pk}"


class Feedback(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        INSUFFICIENT = "insufficient", "Insufficient"
        UNAVAILABLE = "unavailable", "Unavailable"

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="feedback"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    rubric_version = models.CharField(max_length=16)
    difficulty = models.CharField(max_length=16, choices=Difficulty.choices, blank=True)
    dimensions = models.JSONField(default=dict, blank=True)
    overall_score = models.PositiveSmallIntegerField(null=True, blank=True)
    band = models.CharField(max_length=32, blank=True)
    strengths = models.JSONField(default=list, blank=True)
    improvements = models.JSONField(default=list, blank=True)
    key_moments = models.JSONField(default=list, blank=True)
    summary = models.TextField(blank=True)
    xp_awarded = models.PositiveIntegerField(default=0)
    generation = models.ForeignKey(
        "ai.Generation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Feedback {self.status} {self.conversation_id}"


class SkillScore(BaseModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="conversation_skill_scores",
        db_index=False,
    )
    skill = models.CharField(max_length=32)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="skill_scores"
    )
    score = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["user", "skill", "-created_at"], name="conv_skill_hist")]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "skill"], name="conv_skill_once_per_conversation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.skill} {self.score}"


class SafetyEvent(BaseModel):
    class Direction(models.TextChoices):
        INPUT = "input", "Member input"
        OUTPUT = "output", "Model output"

    class Action(models.TextChoices):
        BLOCKED = "blocked", "Input blocked"
        RETRACTED = "retracted", "Reply retracted"
        RESOURCES = "resources", "Resources sent, conversation paused"
        CANARY = "canary", "Prompt leak retracted"
        ENDED = "ended", "Conversation ended"
        UNDERAGE = "underage", "Member said they are under 18: practice blocked"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_safety"
    )
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="safety_events",
    )
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    categories = models.JSONField(default=list, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    source = models.CharField(max_length=16, blank=True, help_text="provider, local or canary")
    reviewed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set by staff; an unreviewed 'underage' event keeps the member out of practice.",
    )

    class Meta:
        indexes = [models.Index(fields=["action", "reviewed_at"], name="conv_safety_review")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.direction})"
