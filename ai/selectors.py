"""Reads of the AI gateway that need care: the generation log and quota usage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet, Sum

from accounts.selectors import plan_for

from . import features, quotas
from .models import Generation, QuotaUsage

if TYPE_CHECKING:
    from accounts.models import User

# A generation's statuses, for the apps whose ``on_finish`` hook gets the row and asks how
# it went: they compare ``generation.status`` with these rather than import ``ai.models``
# (config/tests/test_import_boundaries.py).
QUEUED = Generation.Status.QUEUED
RUNNING = Generation.Status.RUNNING
SUCCEEDED = Generation.Status.SUCCEEDED
FAILED = Generation.Status.FAILED
FINISHED = Generation.FINISHED


def generations() -> QuerySet[Generation]:
    """Every generation, newest first; callers scope it to the user (OwnedQuerysetMixin)."""
    return Generation.objects.order_by("-created_at", "-id")


def generation_of(*, user: User, generation_id) -> Generation | None:
    return Generation.objects.filter(user=user, pk=generation_id).first()


def provenance_of(generation: Generation | None) -> dict[str, Any] | None:
    """``{provider, model, generated_at}`` of what ``generation`` made, for the ``ai`` field
    of AI-made objects (``ai.serializers.AIProvenanceField``): ``generated_at`` is when it
    succeeded, null while it runs or when it failed. None without a generation."""
    if generation is None:
        return None
    succeeded = generation.status == Generation.Status.SUCCEEDED
    return {
        "provider": generation.provider,
        "model": generation.model,
        "generated_at": generation.finished_at if succeeded else None,
    }


def plan_quotas(plan: str) -> dict[str, int]:
    """The daily AI quota units ``plan`` gives per feature (``"*"``: every other feature),
    as the gateway enforces them: what ``/billing/plans`` shows."""
    return quotas.plan_table(plan)


def usage_for(user: User) -> dict[str, Any]:
    """Today's and this month's quota units per registered feature, against the plan's
    daily limits. One query."""
    plan = plan_for(user)
    day = quotas.today()
    rows = (
        QuotaUsage.objects.filter(user=user, day__gte=day.replace(day=1), day__lte=day)
        .values("feature")
        .annotate(month=Sum("used"), today=Sum("used", filter=Q(day=day)))
    )
    used = {row["feature"]: row for row in rows}
    entries = []
    for feature in features.all_features():
        limit = quotas.daily_limit(plan=plan, feature=feature.name)
        row = used.get(feature.name, {})
        today = row.get("today") or 0
        entries.append(
            {
                "feature": feature.name,
                "description": feature.description,
                "cost": feature.cost,
                "daily_limit": limit,
                "used_today": today,
                "remaining_today": max(0, limit - today),
                "used_this_month": row.get("month") or 0,
            }
        )
    return {
        "plan": plan,
        "day": day,
        "resets_at": quotas.next_reset(),
        "features": entries,
    }
