"""Reads of the conversations app: the scenario catalogue, the practice quota of today, and
a member's conversations, threads and messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts import entitlements
from accounts.selectors import plan_for, time_zone_of

from .models import Conversation, Message, PracticeQuota, Scenario

if TYPE_CHECKING:
    from accounts.models import User

PREMIUM_SCENARIOS = "conversations.premium_scenarios"
PRACTICE_PER_DAY = "conversations.practice_per_day"


def scenarios(*, setting: str | None = None, include_premium: bool = True) -> QuerySet[Scenario]:
    """Active scenarios in their staff-given order, then by title."""
    queryset = Scenario.objects.filter(active=True).order_by("order", "title")
    if setting:
        queryset = queryset.filter(setting=setting)
    if not include_premium:
        queryset = queryset.filter(premium=False)
    return queryset


def premium_scenarios_allowed(user: User) -> bool:
    return entitlements.allows(user, PREMIUM_SCENARIOS)


def next_local_midnight(now: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """The instant the next local day starts, in UTC. Built from the local date, never by
    adding 86400 seconds: a day with a DST change has 23 or 25 hours. A midnight that a
    spring-forward skips resolves (fold 0) to the instant the new day really starts."""
    tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(), tzinfo=zone).astimezone(dt.UTC)


@dataclass(frozen=True)
class PracticeQuotaState:
    plan: str
    limit: int | None
    used: int
    day: dt.date
    time_zone: str
    resets_at: dt.datetime

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)


def practice_quota(user: User, *, now: dt.datetime | None = None) -> PracticeQuotaState:
    """Today's practice conversations of ``user`` in their time zone: the plan's limit
    (None: unlimited), the units used, and when the count starts again."""
    now = now or timezone.now()
    zone = time_zone_of(user)
    day = now.astimezone(zone).date()
    used = (
        PracticeQuota.objects.filter(user=user, day=day).values_list("used", flat=True).first() or 0
    )
    return PracticeQuotaState(
        plan=plan_for(user),
        limit=entitlements.limit(user, PRACTICE_PER_DAY),
        used=used,
        day=day,
        time_zone=str(zone.key),
        resets_at=next_local_midnight(now, zone),
    )


# --- conversations and threads ------------------------------------------------------------


def conversations_of(
    user: User,
    *,
    kind: str,
    status: str | None = None,
    scenario: str | None = None,
    difficulty: str | None = None,
) -> QuerySet[Conversation]:
    queryset = Conversation.objects.filter(user=user, kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    if scenario:
        queryset = queryset.filter(scenario_snapshot__slug=scenario)
    if difficulty:
        queryset = queryset.filter(difficulty=difficulty)
    return queryset.select_related("feedback")


def threads_of(user: User, *, search: str | None = None) -> QuerySet[Conversation]:
    queryset = Conversation.objects.filter(user=user, kind=Conversation.Kind.COACH).annotate(
        message_count=Count("messages")
    )
    if search:
        queryset = queryset.filter(title__icontains=search)
    return queryset


def messages_of(conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(conversation=conversation).select_related("generation")
