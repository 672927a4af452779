"""The badges and their rules: the ONE place a badge is defined.

A badge is a code (stored in ``BadgeAward.badge``), a name and a description for people, and
a ``rule``: a pure function of :class:`Stats`, the member's numbers computed once per
evaluation (``coaching.selectors.progress.stats_for``). To add a badge, add a line to
``BADGES``; ``coaching.services.progress.evaluate_badges`` awards it, once, to every member
whose stats pass the rule the next time their XP or progress changes, they submit an
assessment or an AI tool finishes one of their artifacts.

A badge's code is never renamed or reused: members keep what they earned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Stats:
    """A member's numbers, as the badge rules and the progress summary read them."""

    xp: int = 0
    level: int = 1
    goals_total: int = 0
    goals_active: int = 0
    goals_completed: int = 0
    progress_entries: int = 0
    streak_days: int = 0
    actions_total: int = 0
    actions_done: int = 0
    assessments_taken: int = 0
    artifacts_created: int = 0


@dataclass(frozen=True)
class Badge:
    code: str
    name: str
    description: str
    rule: Callable[[Stats], bool]


BADGES: tuple[Badge, ...] = (
    Badge(
        "first_step",
        "First step",
        "Recorded your first progress.",
        lambda s: s.progress_entries >= 1,
    ),
    Badge(
        "goal_getter",
        "Goal getter",
        "Completed a goal.",
        lambda s: s.goals_completed >= 1,
    ),
    Badge(
        "finisher",
        "Finisher",
        "Completed 5 goals.",
        lambda s: s.goals_completed >= 5,
    ),
    Badge(
        "streak_3",
        "On a roll",
        "Made progress 3 days in a row.",
        lambda s: s.streak_days >= 3,
    ),
    Badge(
        "streak_7",
        "Week of focus",
        "Made progress 7 days in a row.",
        lambda s: s.streak_days >= 7,
    ),
    Badge(
        "level_5",
        "Level 5",
        "Reached level 5.",
        lambda s: s.level >= 5,
    ),
    Badge(
        "assessment_done",
        "Self-aware",
        "Took the assessment.",
        lambda s: s.assessments_taken >= 1,
    ),
    Badge(
        "plan_action_10",
        "Doer",
        "Finished 10 actions of a development plan.",
        lambda s: s.actions_done >= 10,
    ),
    Badge(
        "first_artifact",
        "Maker",
        "Created something with an AI tool.",
        lambda s: s.artifacts_created >= 1,
    ),
)

_BY_CODE = {badge.code: badge for badge in BADGES}
if len(_BY_CODE) != len(BADGES):
    raise ImproperlyConfigured("Badge codes must be unique.")


def get(code: str) -> Badge | None:
    """The badge with this code (None for a code no longer defined)."""
    return _BY_CODE.get(code)


def qualifying(stats: Stats) -> list[Badge]:
    """The badges whose rule ``stats`` passes, in ``BADGES`` order."""
    return [badge for badge in BADGES if badge.rule(stats)]
