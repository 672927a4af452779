"""What a member's plan allows: one table, one check.

The plans and what each includes are declared once, in the ``BILLING_PLANS`` setting::

    "premium": {"rank": 1, "prices": [...], "features": ["coaching.plans", ...],
                "limits": {"conversations.practice_per_day": 50}}

``features`` names what the plan unlocks; ``limits`` are counts a plan allows (an absent
limit is unlimited). ``/billing/plans`` shows the same table and every premium feature is
checked here, on REST (``Entitled``) and on the socket (``require``, then an ``error``
frame from ``PlanRequired``'s code). A feature no plan lists is free for everyone.

The member's plan is ``accounts.selectors.plan_for`` (billing's subscriptions and staff
grants, cached; a webhook or a grant drops the cached value, so an upgrade or a downgrade
takes effect at the next request).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework import exceptions, permissions

from .selectors import plan_for

if TYPE_CHECKING:
    from .models import User

PLAN_REQUIRED = "plan_required"


class PlanRequired(exceptions.PermissionDenied):
    """403 ``plan_required``: the member's plan does not include ``feature``; the detail
    names the plan that unlocks it."""

    default_code = PLAN_REQUIRED

    def __init__(self, feature: str, plan: str | None = None):
        self.feature = feature
        self.plan = plan or unlocking_plan(feature)
        super().__init__(
            f"This needs the {self.plan} plan; see GET /api/v1/billing/plans to upgrade.",
            PLAN_REQUIRED,
        )


def plan_names() -> list[str]:
    """Plan names from the cheapest to the richest (their ``rank``)."""
    table = settings.BILLING_PLANS
    return sorted(table, key=lambda name: table[name].get("rank", 0))


def plan_rank(plan: str) -> int:
    return int(settings.BILLING_PLANS.get(plan, {}).get("rank", 0))


def plan_features(plan: str) -> list[str]:
    return list(settings.BILLING_PLANS.get(plan, {}).get("features", []))


def plan_limits(plan: str) -> dict[str, int]:
    return dict(settings.BILLING_PLANS.get(plan, {}).get("limits", {}))


def label(name: str) -> str:
    """The human name of a feature or a limit (``BILLING_FEATURE_LABELS``); the name itself
    when it has none (a system check, billing.W001, reports it)."""
    return settings.BILLING_FEATURE_LABELS.get(name, name)


def gated_features() -> frozenset[str]:
    """Every feature some plan lists: the ones a plan must include to be used."""
    return frozenset(
        feature for plan in settings.BILLING_PLANS.values() for feature in plan.get("features", [])
    )


def plan_allows(plan: str, feature: str) -> bool:
    return feature not in gated_features() or feature in plan_features(plan)


def unlocking_plan(feature: str) -> str | None:
    """The cheapest plan that includes ``feature`` (None when no plan does)."""
    for name in plan_names():
        if feature in plan_features(name):
            return name
    return None


def allows(user: User, feature: str) -> bool:
    return plan_allows(plan_for(user), feature)


def require(user: User, feature: str) -> None:
    """Raise ``PlanRequired`` unless the member's plan includes ``feature``."""
    if not allows(user, feature):
        raise PlanRequired(feature)


def limit(user: User, name: str) -> int | None:
    """The member's plan's value of limit ``name``; None when the plan sets none."""
    return plan_limits(plan_for(user)).get(name)


def Entitled(
    feature: str, methods: Iterable[str] | None = None
) -> type[permissions.BasePermission]:
    """A permission class that lets a request through when the member's plan includes
    ``feature``; others get 403 ``plan_required`` naming the plan. With ``methods``, only
    those methods are checked (a list stays readable on any plan, creating needs the plan).
    Put it after ``IsAuthenticated``, which answers 401 first."""
    checked = frozenset(method.upper() for method in methods) if methods else None

    class _Entitled(permissions.BasePermission):
        def has_permission(self, request, view) -> bool:
            if checked is not None and request.method not in checked:
                return True
            user = request.user
            if not user or not user.is_authenticated:
                return False
            require(user, feature)
            return True

    _Entitled.feature = feature
    _Entitled.__name__ = _Entitled.__qualname__ = f"Entitled_{feature.replace('.', '_')}"
    return _Entitled
