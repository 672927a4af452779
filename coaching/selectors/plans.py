"""Reads of development plans and recommendations, with their query counts decided here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet

from ..models import DevelopmentPlan, PlanAction, PlanMilestone, PlanPhase, Recommendation

if TYPE_CHECKING:
    from accounts.models import User


def plans_of(*, user: User) -> QuerySet[DevelopmentPlan]:
    """The member's plans, newest version first, each with ``actions_total`` and
    ``actions_done`` and its generation (the ``ai`` provenance): one query for any number
    of plans."""
    return (
        DevelopmentPlan.objects.filter(user=user)
        .select_related("generation")
        .annotate(
            actions_total=Count("actions"),
            actions_done=Count("actions", filter=Q(actions__done_at__isnull=False)),
        )
        .order_by("-version")
    )


def plan_tree_of(*, user: User) -> QuerySet[DevelopmentPlan]:
    """The member's plans with the whole tree prefetched (phases -> milestones -> actions,
    in order): four queries for one plan, however big."""
    return plans_of(user=user).prefetch_related(
        Prefetch(
            "phases",
            queryset=PlanPhase.objects.order_by("order").prefetch_related(
                Prefetch(
                    "milestones",
                    queryset=PlanMilestone.objects.order_by("order").prefetch_related(
                        Prefetch("actions", queryset=PlanAction.objects.order_by("order"))
                    ),
                )
            ),
        )
    )


def action_of(*, user: User, plan_id, action_id) -> PlanAction | None:
    """One action of one of the member's plans, or None (another member's, another plan's)."""
    return PlanAction.objects.filter(pk=action_id, plan_id=plan_id, plan__user=user).first()


def recommendations_of(*, user: User, is_applied: bool | None = None) -> QuerySet[Recommendation]:
    """The member's recommendations, most confident first, each with the generation that
    wrote it (the ``ai`` provenance)."""
    queryset = Recommendation.objects.filter(user=user).select_related("generation")
    if is_applied is not None:
        queryset = queryset.filter(is_applied=is_applied)
    return queryset.order_by("-confidence_score", "-created_at", "-id")


def recommendation_of(*, user: User, recommendation_id) -> Recommendation | None:
    return (
        Recommendation.objects.filter(pk=recommendation_id, user=user)
        .select_related("generation")
        .first()
    )
