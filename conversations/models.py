"""Practice scenarios and the practice quota.

A ``Scenario`` is shared catalogue data that staff edit in the admin; its tips per
difficulty are validated on every save so the API never serves a malformed one. A
``PracticeQuota`` row counts one member's practice conversations on one local day: the
conversation start takes a unit with a conditional UPDATE, so the unique (user, day) pair
is what makes the count race-free.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

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
