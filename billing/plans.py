"""Which Stripe prices sell which plan: billing's own part of ``BILLING_PLANS``.

What a plan is and what it includes (names, rank, features, limits) is read through
``accounts.entitlements``, the one place that also checks it."""

from __future__ import annotations

from typing import Any

from django.conf import settings


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
