"""What coaching tells the AI about a member (``AI_MEMBER_CONTEXT``, ai/context.py): their
latest assessment, their goals and their current development plan, so that every feature
that serves them (a roadmap, a brand, a plan, an analysis) builds on where they stand.

Only titles, dates, statuses and numbers go out, each cut short: no free-text answers, no
descriptions, nothing a prompt does not need to personalise its answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.fields.json import KeyTextTransform

from ai.context import cut, cut_all

from .models import AssessmentResult, DevelopmentPlan, GenerationStatus, Goal, PlanPhase

if TYPE_CHECKING:
    from accounts.models import User

MAX_SCORES = 8
MAX_GOALS = 10
MAX_PHASES = 6
TITLE_MAX_LENGTH = 120
# Abandoned goals say nothing about where the member is heading.
GOAL_STATUSES = (Goal.Status.ACTIVE, Goal.Status.PAUSED, Goal.Status.COMPLETED)


def member(*, user: User) -> dict[str, Any]:
    """``{assessment, goals, plan}``, each left out when the member has none. Four queries:
    the latest assessment, the goals, the latest ready plan with its progress, its phases."""
    context: dict[str, Any] = {}
    assessment = _assessment(user)
    if assessment:
        context["assessment"] = assessment
    goals = _goals(user)
    if goals:
        context["goals"] = goals
    plan = _plan(user)
    if plan:
        context["plan"] = plan
    return context


def _assessment(user) -> dict[str, Any] | None:
    result = (
        AssessmentResult.objects.filter(user=user)
        .only("archetype", "scores", "learning_style", "ai_interest", "created_at")
        .order_by("-created_at", "-id")
        .first()
    )
    if result is None:
        return None
    scores = result.scores if isinstance(result.scores, dict) else {}
    ranked = sorted(scores.items(), key=lambda item: (-_number(item[1]), str(item[0])))
    return {
        "archetype": result.archetype,
        "scores": [
            {"dimension": cut(dimension, 40), "score": _number(score)}
            for dimension, score in ranked[:MAX_SCORES]
        ],
        "learning_style": result.learning_style,
        "ai_interest": result.ai_interest,
        "taken_on": result.created_at.date().isoformat(),
    }


def _number(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _goals(user) -> list[dict[str, str]]:
    first_active = Case(
        When(status=Goal.Status.ACTIVE, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    goals = (
        Goal.objects.filter(user=user, status__in=GOAL_STATUSES)
        .order_by(first_active, F("target_date").asc(nulls_last=True), "-created_at", "-id")
        .values("title", "status", "target_date")[:MAX_GOALS]
    )
    return [
        {
            "title": cut(goal["title"], TITLE_MAX_LENGTH),
            "status": goal["status"],
            "target_date": goal["target_date"].isoformat() if goal["target_date"] else "",
        }
        for goal in goals
    ]


def _plan(user) -> dict[str, Any] | None:
    plan = (
        DevelopmentPlan.objects.filter(user=user, status=GenerationStatus.READY)
        .annotate(
            # What the member asked the plan to focus on, kept in its generation's input
            # (until retention clears it).
            focus=KeyTextTransform("focus", "generation__input"),
            actions_total=Count("actions"),
            actions_done=Count("actions", filter=Q(actions__done_at__isnull=False)),
        )
        .only("title", "starts_on")
        .order_by("-version")
        .first()
    )
    if plan is None:
        return None
    phases = PlanPhase.objects.filter(plan=plan).order_by("order").values_list("title", flat=True)
    total, done = plan.actions_total, plan.actions_done
    return {
        "title": cut(plan.title, TITLE_MAX_LENGTH),
        "focus": cut(plan.focus),
        "starts_on": plan.starts_on.isoformat(),
        "phases": cut_all(phases[:MAX_PHASES], limit=MAX_PHASES, length=TITLE_MAX_LENGTH),
        "progress": {
            "actions_done": done,
            "actions_total": total,
            "percent": round(100 * done / total) if total else 0,
        },
    }
