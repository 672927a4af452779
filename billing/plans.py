"""The plans of ``BILLING_PLANS``: which Stripe prices sell them and what they include."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def names() -> list[str]:
    """Plan names from the cheapest to the richest (their ``rank``)."""
    plans = settings.BILLING_PLANS
    return sorted(plans, key=lambda name: plans[name].get("rank", 0))


def rank(plan: str) -> int:
    return int(settings.BILLING_PLANS.get(plan, {}).get("rank", 0))


def features(plan: str) -> list[str]:
    return list(settings.BILLING_PLANS.get(plan, {}).get("features", []))


def quotas(plan: str) -> dict[str, int]:
    return dict(settings.AI_QUOTAS.get(plan, {}))


def plan_of_price(price: dict[str, Any] | str | None) -> str | None:
    """The plan a Stripe price sells: listed under a plan's ``prices`` in settings, or named
    by the price's ``plan`` metadata (set in the Stripe dashboard, or by the demo plans)."""
    if not price:
        return None
    price_id = price if isinstance(price, str) else price.get("id")
    for name, plan in settings.BILLING_PLANS.items():
        if price_id in plan.get("prices", []):
            return name
    if isinstance(price, dict):
        named = (price.get("metadata") or {}).get("plan")
        if named in settings.BILLING_PLANS:
            return named
    return None


def plans_allowing(plan: str) -> list[str]:
    """Plans at least as rich as ``plan`` (what a member may buy to get a feature)."""
    return [name for name in names() if rank(name) >= rank(plan)]
