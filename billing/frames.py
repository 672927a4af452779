"""Server -> client frames of billing.

``{"type": "billing.plan.updated", "plan": "free", "source": "subscription"|"grant"|null,
"status": "active"|null, "subscription": "sub_..."|null, "price": "price_..."|null,
"current_period_end": "<iso>"|null, "cancel_at_period_end": false,
"grant": {"id": "<uuid>", "plan": "premium", "ends_at": "<iso>"|null}|null}``
    The member's plan, subscription or grant changed (``services.subscription_summary``'s
    fields, as ``GET /billing/subscription`` shows them); sent whenever their cached plan is
    refreshed.
"""

from __future__ import annotations

from typing import Any


def plan_updated(summary: dict[str, Any]) -> dict[str, Any]:
    frame = {"type": "billing.plan.updated", **summary}
    # A datetime or a UUID would not survive msgpack (channels-redis): strings, ISO 8601
    # for times, as everywhere else.
    if frame["current_period_end"] is not None:
        frame["current_period_end"] = frame["current_period_end"].isoformat()
    grant = frame.get("grant")
    if grant is not None:
        ends_at = grant["ends_at"]
        frame["grant"] = {
            "id": str(grant["id"]),
            "plan": grant["plan"],
            "ends_at": ends_at.isoformat() if ends_at is not None else None,
        }
    return frame
