"""Server -> client frames of billing.

``{"type": "billing.plan.updated", "plan": "free", "status": "active"|null,
"subscription": "sub_..."|null, "price": "price_..."|null, "current_period_end":
"<iso>"|null, "cancel_at_period_end": false}``
    The member's plan or subscription changed (``services.subscription_summary``'s
    fields); sent whenever their cached plan is refreshed.
"""

from __future__ import annotations

from typing import Any


def plan_updated(summary: dict[str, Any]) -> dict[str, Any]:
    frame = {"type": "billing.plan.updated", **summary}
    # A datetime would not survive msgpack (channels-redis); ISO 8601 as everywhere else.
    if frame["current_period_end"] is not None:
        frame["current_period_end"] = frame["current_period_end"].isoformat()
    return frame
