"""Applying an AI recommendation: a ``goal`` one becomes a goal of the member, an ``action``
one becomes one more action of a development plan. A recommendation is applied once."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from analytics.services import track
from core.exceptions import Conflict, DomainError

from ..models import (
    DevelopmentPlan,
    GenerationStatus,
    Goal,
    PlanAction,
    PlanMilestone,
    PlanPhase,
    Recommendation,
)
from .plans import today

if TYPE_CHECKING:
    from accounts.models import User

RECOMMENDED_TITLE = "Recommended"
# An applied action is due this many days after it was applied.
APPLIED_ACTION_DUE_IN_DAYS = 7
_DUE_IN_DAYS_MAX = 32767


@transaction.atomic
def recommendation_apply(
    *, user: User, recommendation: Recommendation, plan: DevelopmentPlan | None = None
) -> Recommendation:
    """Turn ``recommendation`` into a goal (kind ``goal``) or an action of ``plan`` (kind
    ``action``; by default the member's latest ready plan), and mark it applied. Raises
    ``Conflict`` ``already_applied`` the second time, and ``DomainError`` naming ``plan``
    when an action has no ready plan to go to."""
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if recommendation.is_applied:
        raise Conflict("This recommendation has already been applied.", code="already_applied")
    if recommendation.kind == Recommendation.Kind.GOAL:
        recommendation.applied_goal = _goal_from(user=user, recommendation=recommendation)
    else:
        plan = plan or _latest_ready_plan(user)
        if plan is None:
            raise DomainError(
                "There is no ready development plan to add this action to; generate one "
                "first, or name one.",
                code="development_plan_required",
                attr="plan",
            )
        if plan.status != GenerationStatus.READY:
            raise DomainError("That plan is not ready yet.", code="plan_not_ready", attr="plan")
        recommendation.applied_action = _action_from(plan=plan, recommendation=recommendation)
    recommendation.is_applied = True
    recommendation.applied_at = timezone.now()
    recommendation.save(
        update_fields=["is_applied", "applied_at", "applied_goal", "applied_action", "updated_at"]
    )
    track(
        "recommendation_applied",
        user,
        recommendation_id=str(recommendation.pk),
        kind=recommendation.kind,
    )
    return recommendation


def _goal_from(*, user, recommendation: Recommendation) -> Goal:
    from .progress import goal_create

    return goal_create(
        user=user,
        title=recommendation.title,
        description=recommendation.description[: Goal._meta.get_field("description").max_length],
    )


def _latest_ready_plan(user) -> DevelopmentPlan | None:
    return (
        DevelopmentPlan.objects.filter(user=user, status=GenerationStatus.READY)
        .order_by("-version")
        .first()
    )


def _action_from(*, plan: DevelopmentPlan, recommendation: Recommendation) -> PlanAction:
    """A new action at the end of the plan's last milestone (of its last phase), or of a
    new "Recommended" phase and milestone when the plan has none."""
    milestone = (
        PlanMilestone.objects.filter(phase__plan=plan)
        .order_by("-phase__order", "-order")
        .select_for_update(of=("self",))
        .first()
    )
    due_in_days = min(
        max((today() - plan.starts_on).days, 0) + APPLIED_ACTION_DUE_IN_DAYS, _DUE_IN_DAYS_MAX
    )
    due_date = plan.starts_on + dt.timedelta(days=due_in_days)
    if milestone is None:
        phase = PlanPhase.objects.create(plan=plan, order=0, title=RECOMMENDED_TITLE)
        milestone = PlanMilestone.objects.create(
            phase=phase, order=0, title=RECOMMENDED_TITLE, due_date=due_date
        )
    elif milestone.due_date is None or milestone.due_date < due_date:
        # A milestone is due when its last action is.
        milestone.due_date = due_date
        milestone.save(update_fields=["due_date", "updated_at"])
    order = milestone.actions.aggregate(last=Max("order"))["last"]
    return PlanAction.objects.create(
        plan=plan,
        milestone=milestone,
        order=0 if order is None else order + 1,
        title=recommendation.title,
        description=recommendation.description,
        due_in_days=due_in_days,
        due_date=due_date,
    )
