"""Reads of goals and progress: the goal and entry lists, a member's stats (XP, level,
streak, counts) and the progress summary, each in a fixed number of queries.

Levels. Level ``n`` starts at ``COACHING_XP_PER_LEVEL * n * (n - 1) / 2`` XP, so with the
default of 100: level 1 at 0 XP, level 2 at 100, level 3 at 300, level 4 at 600, level 5
at 1000; each level takes ``COACHING_XP_PER_LEVEL`` more XP than the one before.

Streak. The number of consecutive UTC days, ending today or yesterday, on which the member
recorded progress or was awarded XP (a streak is not broken before today is over). Only
the last ``STREAK_WINDOW_DAYS`` days are read, so a streak counts at most that many days.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from .. import badges
from ..badges import Stats
from ..models import (
    Artifact,
    AssessmentResult,
    BadgeAward,
    GenerationStatus,
    Goal,
    PlanAction,
    ProgressEntry,
    XPAward,
)

if TYPE_CHECKING:
    from accounts.models import User

STREAK_WINDOW_DAYS = 366


# --- levels -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    level: int
    starts_at: int
    next_level_at: int


def level_start(level: int, *, per_level: int | None = None) -> int:
    """The total XP at which ``level`` (1, 2, ...) starts."""
    per_level = settings.COACHING_XP_PER_LEVEL if per_level is None else per_level
    return per_level * level * (level - 1) // 2


def level_for(xp: int, *, per_level: int | None = None) -> Level:
    """The level a member with ``xp`` total XP is at (a pure function; see the module's
    docstring for the curve). Negative XP counts as 0."""
    per_level = settings.COACHING_XP_PER_LEVEL if per_level is None else per_level
    xp = max(0, xp)
    if per_level <= 0:
        return Level(level=1, starts_at=0, next_level_at=0)
    # n(n-1)/2 <= xp/per_level  <=>  n <= (1 + sqrt(1 + 8 xp/per_level)) / 2; then correct
    # the integer estimate so rounding can never put a boundary on the wrong side.
    level = max(1, (1 + math.isqrt(1 + 8 * xp // per_level)) // 2)
    while level_start(level + 1, per_level=per_level) <= xp:
        level += 1
    while level > 1 and level_start(level, per_level=per_level) > xp:
        level -= 1
    return Level(
        level=level,
        starts_at=level_start(level, per_level=per_level),
        next_level_at=level_start(level + 1, per_level=per_level),
    )


# --- stats --------------------------------------------------------------------------------


def _subquery_count(queryset: QuerySet, link: str, **filters) -> Coalesce:
    rows = (
        queryset.filter(**{link: OuterRef("pk")}, **filters)
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _stats_row(user: User) -> dict:
    """Every count of ``user``'s in one query (subqueries on the user row)."""
    xp = (
        XPAward.objects.filter(user=OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    annotations = {
        "xp": Coalesce(Subquery(xp, output_field=IntegerField()), 0),
        "goals_total": _subquery_count(Goal.objects, "user"),
        "goals_active": _subquery_count(Goal.objects, "user", status=Goal.Status.ACTIVE),
        "goals_completed": _subquery_count(Goal.objects, "user", status=Goal.Status.COMPLETED),
        "progress_entries": _subquery_count(ProgressEntry.objects, "user"),
        "actions_total": _subquery_count(PlanAction.objects, "plan__user"),
        "actions_done": _subquery_count(PlanAction.objects, "plan__user", done_at__isnull=False),
        "assessments_taken": _subquery_count(AssessmentResult.objects, "user"),
        "artifacts_created": _subquery_count(
            Artifact.objects, "user", status=GenerationStatus.READY
        ),
    }
    # Prefixed: some names are also reverse relations of the user model.
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(**{f"stat_{name}": value for name, value in annotations.items()})
        .values(*(f"stat_{name}" for name in annotations))
        .get()
    )
    return {name: row[f"stat_{name}"] for name in annotations}


def streak_days(user: User, *, today: dt.date | None = None) -> int:
    """The member's current streak in days (the module's docstring says how it counts), in
    one query over the distinct UTC dates of their progress entries and XP awards."""
    today = today or timezone.now().astimezone(dt.UTC).date()
    since = dt.datetime.combine(
        today - dt.timedelta(days=STREAK_WINDOW_DAYS - 1), dt.time.min, tzinfo=dt.UTC
    )
    day = TruncDate("created_at", tzinfo=dt.UTC)
    entries = (
        ProgressEntry.objects.filter(user=user, created_at__gte=since)
        .annotate(day=day)
        .order_by()
        .values("day")
    )
    awards = (
        XPAward.objects.filter(user=user, created_at__gte=since)
        .annotate(day=day)
        .order_by()
        .values("day")
    )
    days = {_as_date(value) for value in entries.union(awards).values_list("day", flat=True)}
    expected = today if today in days else today - dt.timedelta(days=1)
    streak = 0
    while expected in days:
        streak += 1
        expected -= dt.timedelta(days=1)
    return streak


def _as_date(value) -> dt.date:
    # SQLite may hand a union's dates back as text.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def stats_for(user: User) -> Stats:
    """``user``'s numbers for the badge rules and the summary, in two queries."""
    row = _stats_row(user)
    return Stats(
        **row,
        level=level_for(row["xp"]).level,
        streak_days=streak_days(user),
    )


def earned_badges(user: User) -> QuerySet[BadgeAward]:
    return BadgeAward.objects.filter(user=user).order_by("created_at", "badge")


# --- lists and the summary ----------------------------------------------------------------


def goals_of(*, status: str | None = None) -> QuerySet[Goal]:
    """Goals, newest first; callers scope them to the member (OwnedQuerysetMixin)."""
    goals = Goal.objects.order_by("-created_at", "-id")
    if status:
        goals = goals.filter(status=status)
    return goals


def progress_entries_of(*, user: User) -> QuerySet[ProgressEntry]:
    return ProgressEntry.objects.filter(user=user)


def summary_for(user: User) -> dict:
    """The progress summary (``GET /coaching/progress/summary``) in three queries: the
    counts, the streak, the earned badges."""
    stats = stats_for(user)
    level = level_for(stats.xp)
    earned = list(earned_badges(user))
    earned_codes = {award.badge for award in earned}
    return {
        "xp": stats.xp,
        "level": level.level,
        "level_starts_at": level.starts_at,
        "next_level_at": level.next_level_at,
        "xp_into_level": stats.xp - level.starts_at,
        "xp_for_next_level": level.next_level_at - stats.xp,
        "streak_days": stats.streak_days,
        "badges": [
            {
                "code": badge.code,
                "name": badge.name,
                "description": badge.description,
                "earned_at": award.created_at,
            }
            for award in earned
            if (badge := badges.get(award.badge)) is not None
        ],
        "available_badges": [
            {"code": badge.code, "name": badge.name, "description": badge.description}
            for badge in badges.BADGES
            if badge.code not in earned_codes
        ],
        "goals": {
            "total": stats.goals_total,
            "active": stats.goals_active,
            "completed": stats.goals_completed,
            "completion_rate": (
                round(stats.goals_completed / stats.goals_total, 4) if stats.goals_total else 0.0
            ),
        },
        "actions": {"total": stats.actions_total, "done": stats.actions_done},
    }
