"""``HasPlan("premium")``: a view for members on a plan at least that rich."""

from __future__ import annotations

from rest_framework import exceptions, permissions

from . import plans, selectors


class PlanRequired(exceptions.PermissionDenied):
    default_code = "plan_required"


def HasPlan(plan: str) -> type[permissions.BasePermission]:
    """A permission class that lets through members whose plan ranks at least ``plan``;
    others get 403 ``plan_required`` naming the plans that allow the view."""

    class _HasPlan(permissions.BasePermission):
        required = plan

        def has_permission(self, request, view) -> bool:
            user = request.user
            if not user or not user.is_authenticated:
                return False
            if plans.rank(selectors.plan_for(user)) >= plans.rank(plan):
                return True
            allowed = plans.plans_allowing(plan)
            raise PlanRequired(
                f"This needs the {' or '.join(allowed)} plan; "
                "see GET /api/v1/billing/plans to upgrade."
            )

    _HasPlan.__name__ = _HasPlan.__qualname__ = f"HasPlan_{plan}"
    return _HasPlan
