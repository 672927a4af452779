"""Daily AI quotas per plan and feature (``AI_QUOTAS``), counted in ``QuotaUsage`` rows.

Taking units is one conditional UPDATE (``used = used + cost WHERE used + cost <= limit``):
the database re-checks the condition under the row lock, so of two requests racing for
the last unit exactly one gets it, with no read-then-write window. Days are UTC; the quota
resets at midnight UTC, which is what ``Retry-After`` counts down to.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from accounts.selectors import plan_for
from core.exceptions import TooManyRequests

from .models import Generation, QuotaUsage

if TYPE_CHECKING:
    from accounts.models import User

DEFAULT_KEY = "*"


class QuotaExceeded(TooManyRequests):
    """429 ``quota_exceeded`` with ``Retry-After`` (seconds to the next reset); in a socket
    handler it becomes an ``error`` frame with the same code, like any domain refusal."""

    code = "quota_exceeded"

    def __init__(self, *, feature: str, plan: str, limit: int, wait: float):
        self.feature = feature
        self.plan = plan
        self.limit = limit
        super().__init__(
            f"The daily quota of the {plan} plan for {feature} ({limit} units) is used up; "
            "it resets at midnight UTC.",
            wait=wait,
        )


def today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def next_reset(now: dt.datetime | None = None) -> dt.datetime:
    now = (now or timezone.now()).astimezone(dt.UTC)
    return dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def seconds_until_reset(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return max(1, math.ceil((next_reset(now) - now).total_seconds()))


def plan_table(plan: str) -> dict[str, int]:
    """``plan``'s units per day by feature (``"*"``: every other feature). A plan missing
    from ``AI_QUOTAS`` gets the default plan's quotas."""
    quotas = settings.AI_QUOTAS
    table = quotas.get(plan) or quotas.get(settings.DEFAULT_PLAN) or {}
    return {feature: int(units) for feature, units in table.items()}


def daily_limit(*, plan: str, feature: str) -> int:
    """Units per day of ``feature`` on ``plan``: its own entry, else the plan's ``"*"``."""
    table = plan_table(plan)
    return int(table.get(feature, table.get(DEFAULT_KEY, 0)))


def take(*, user: User, feature: str, cost: int) -> dt.date:
    """Take ``cost`` units of today's quota of ``feature``; the day they count against.
    Raises QuotaExceeded. Run it in the transaction that records the generation, so a
    rollback gives the units back."""
    plan = plan_for(user)
    limit = daily_limit(plan=plan, feature=feature)
    day = today()
    if cost <= limit:
        if _increment(user=user, feature=feature, day=day, cost=cost, limit=limit):
            return day
        _, created = QuotaUsage.objects.get_or_create(
            user=user, feature=feature, day=day, defaults={"used": cost}
        )
        if created or _increment(user=user, feature=feature, day=day, cost=cost, limit=limit):
            return day
    raise QuotaExceeded(feature=feature, plan=plan, limit=limit, wait=seconds_until_reset())


def _increment(*, user: User, feature: str, day: dt.date, cost: int, limit: int) -> bool:
    return bool(
        QuotaUsage.objects.filter(
            user=user, feature=feature, day=day, used__lte=limit - cost
        ).update(used=F("used") + cost, updated_at=timezone.now())
    )


def refund(*, generation: Generation) -> bool:
    """Give back the units ``generation`` took, once: clearing its ``quota_day`` is the
    claim, so a second call (a task run twice) refunds nothing."""
    day, cost = generation.quota_day, generation.quota_cost
    if day is None or not cost:
        return False
    claimed = Generation.objects.filter(pk=generation.pk, quota_day=day).update(quota_day=None)
    generation.quota_day = None
    if not claimed:
        return False
    QuotaUsage.objects.filter(
        user_id=generation.user_id, feature=generation.feature, day=day, used__gte=cost
    ).update(used=F("used") - cost, updated_at=timezone.now())
    return True
