"""Practice conversations: who may practise, the scenario's AI context, and starting a
conversation (the practice unit of the member's local day, the AI character, the opener).

Practice is gated the same way wherever it starts: the onboarding age check first (403
``age_restricted``; also while a member's "I am under 18" waits for staff review), then the
plan for a premium scenario (403 ``plan_required``, through ``accounts.entitlements``)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework import status

from accounts import entitlements
from accounts.selectors import is_verified_adult, time_zone_of
from ai import selectors as ai_selectors
from ai import services as ai_services
from analytics.services import track
from core import realtime
from core.exceptions import DomainError, TooManyRequests

from .. import frames
from ..ai_features import CHARACTER, SCENARIO_CONTEXT
from ..models import Conversation, Message, PracticeQuota, SafetyEvent, Scenario, Setting
from ..selectors import PRACTICE_PER_DAY, PREMIUM_SCENARIOS, next_local_midnight

if TYPE_CHECKING:
    from accounts.models import User
    from ai.models import Generation


class AgeRestricted(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "age_restricted"


def practice_allowed(*, user: User) -> None:
    """Raise ``AgeRestricted`` unless ``user`` passed onboarding's age check and has no
    "I am under 18" waiting for staff review."""
    if not is_verified_adult(user):
        raise AgeRestricted(
            "Conversation practice is for adults: finish onboarding's age check first."
        )
    if SafetyEvent.objects.filter(
        user=user, action=SafetyEvent.Action.UNDERAGE, reviewed_at__isnull=True
    ).exists():
        raise AgeRestricted(
            "Practice is paused while our team reviews your account's age; we will be in touch."
        )


def practice_require(*, user: User, scenario: Scenario) -> None:
    """Raise unless ``user`` may practise ``scenario``: ``AgeRestricted`` (see
    :func:`practice_allowed`), then ``PlanRequired`` for a premium scenario on a plan
    without it."""
    practice_allowed(user=user)
    if scenario.premium:
        entitlements.require(user, PREMIUM_SCENARIOS)


@transaction.atomic
def scenario_context_request(*, user: User, scenario: Scenario, difficulty: str) -> Generation:
    """Queue ``conversations.scenario_context`` for ``scenario`` at ``difficulty``. Raises
    ``AgeRestricted``, ``PlanRequired`` and ``QuotaExceeded``; the generation runs in a
    Celery task after commit."""
    practice_require(user=user, scenario=scenario)
    inputs = {
        "scenario": {
            "slug": scenario.slug,
            "title": scenario.title,
            "setting": scenario.setting,
            "setting_label": str(Setting(scenario.setting).label)
            if scenario.setting in Setting.values
            else scenario.setting,
            "description": scenario.description,
            "target": scenario.target,
        },
        "difficulty": difficulty,
        "tips": list(scenario.tips.get(difficulty, [])),
    }
    generation = ai_services.generate(user=user, feature=SCENARIO_CONTEXT.name, inputs=inputs)
    track(
        "scenario_context_requested",
        user,
        scenario=scenario.slug,
        difficulty=difficulty,
        generation_id=str(generation.pk),
    )
    return generation


class PracticeQuotaExceeded(TooManyRequests):
    """429 ``quota_exceeded``: the plan's practice conversations of the member's local day
    are used; ``Retry-After`` counts down to their next local midnight."""

    code = "quota_exceeded"


def scenario_snapshot(scenario: Scenario) -> dict:
    return {
        "slug": scenario.slug,
        "title": scenario.title,
        "setting": scenario.setting,
        "description": scenario.description,
        "target": scenario.target,
        "premium": scenario.premium,
    }


def practice_take(*, user: User) -> tuple:
    """Take one practice conversation of ``user``'s local day; the day. Run it inside the
    transaction that creates the conversation: a rollback gives the unit back. The unit is
    one conditional UPDATE (``used < limit``) that the database re-checks under the row
    lock, so of five parallel starts with one unit left exactly one passes."""
    now = timezone.now()
    zone = time_zone_of(user)
    day = now.astimezone(zone).date()
    limit = entitlements.limit(user, PRACTICE_PER_DAY)
    if limit is None:
        PracticeQuota.objects.get_or_create(user=user, day=day)
        PracticeQuota.objects.filter(user=user, day=day).update(used=F("used") + 1)
        return day
    if limit > 0:
        PracticeQuota.objects.get_or_create(user=user, day=day)
        if PracticeQuota.objects.filter(user=user, day=day, used__lt=limit).update(
            used=F("used") + 1, updated_at=now
        ):
            return day
    wait = (next_local_midnight(now, zone) - now).total_seconds()
    raise PracticeQuotaExceeded(
        f"Today's {limit} practice conversations are used; more from midnight in your "
        f"time zone ({zone.key}).",
        wait=max(1.0, wait),
    )


def practice_refund(conversation: Conversation) -> bool:
    """Give the conversation's practice unit back, once: setting ``quota_refunded_at`` is
    the claim, so a second failure (or a task run twice) refunds nothing."""
    if conversation.quota_day is None:
        return False
    now = timezone.now()
    claimed = Conversation.objects.filter(
        pk=conversation.pk, quota_refunded_at__isnull=True
    ).update(quota_refunded_at=now)
    if not claimed:
        return False
    conversation.quota_refunded_at = now
    PracticeQuota.objects.filter(
        user_id=conversation.user_id, day=conversation.quota_day, used__gt=0
    ).update(used=F("used") - 1, updated_at=now)
    return True


def conversation_start(*, user: User, scenario: Scenario, difficulty: str) -> Conversation:
    """Start a practice conversation: gates, the day's practice unit, the conversation row
    (``preparing``) and its character generation, queued after commit. Raises
    ``AgeRestricted``, ``PlanRequired``, ``PracticeQuotaExceeded`` and the gateway's
    ``QuotaExceeded``. The character's ``on_finish`` (:func:`character_finished`) writes
    the opener and makes the conversation ``active``."""
    practice_require(user=user, scenario=scenario)
    try:
        with transaction.atomic():
            day = practice_take(user=user)
            snapshot = scenario_snapshot(scenario)
            conversation = Conversation.objects.create(
                user=user,
                kind=Conversation.Kind.PRACTICE,
                scenario=scenario,
                scenario_snapshot=snapshot,
                difficulty=difficulty,
                status=Conversation.Status.PREPARING,
                canary=secrets.token_hex(8),
                quota_day=day,
                started_at=timezone.now(),
                last_message_at=timezone.now(),
            )
            generation = ai_services.generate(
                user=user,
                feature=CHARACTER.name,
                inputs={"scenario": snapshot, "difficulty": difficulty},
            )
            Conversation.objects.filter(pk=conversation.pk).update(character_generation=generation)
            conversation.character_generation = generation
    except PracticeQuotaExceeded as refusal:
        # Tracked once the transaction that raised it is gone: a track inside a rolled-back
        # transaction would be dropped with it.
        track("practice_quota_exceeded", user, scenario=scenario.slug, difficulty=difficulty)
        raise refusal from None
    track(
        "conversation_started",
        user,
        conversation_id=str(conversation.pk),
        kind=conversation.kind,
        scenario=scenario.slug,
        difficulty=difficulty,
    )
    return conversation


def character_finished(*, generation: Generation) -> None:
    """``on_finish`` of ``conversations.character``: store the character exactly as
    generated, write its opener as the first partner message and make the conversation
    ``active``; a failed generation fails the conversation and gives the practice unit
    back. Runs in the transaction that records the generation."""
    conversation = (
        Conversation.objects.select_for_update()
        .filter(character_generation=generation, status=Conversation.Status.PREPARING)
        .first()
    )
    if conversation is None:
        return
    now = timezone.now()
    if generation.status == ai_selectors.SUCCEEDED and generation.output:
        conversation.character = generation.output
        conversation.status = Conversation.Status.ACTIVE
        conversation.last_message_at = now
        Message.objects.create(
            conversation=conversation,
            role=Message.Role.PARTNER,
            content=generation.output["opener"],
            status=Message.Status.COMPLETE,
            generation=generation,
            finished_at=now,
        )
    else:
        conversation.status = Conversation.Status.FAILED
        conversation.end_reason = "character_failed"
        conversation.ended_at = now
        practice_refund(conversation)
    conversation.save(
        update_fields=["character", "status", "last_message_at", "end_reason", "ended_at"]
    )
    realtime.send_to_user(conversation.user_id, frames.conversation_updated(conversation))


def conversations_abandon_idle() -> int:
    """Practice conversations nobody wrote in for ``CONVERSATIONS_ABANDON_AFTER_HOURS`` end
    ``abandoned`` (unscored; the member may still ask for feedback with ``/end``). Run by
    the beat task ``recover_stale_replies``."""
    now = timezone.now()
    cutoff = now - dt.timedelta(hours=settings.CONVERSATIONS_ABANDON_AFTER_HOURS)
    idle = list(
        Conversation.objects.filter(
            kind=Conversation.Kind.PRACTICE,
            status__in=[Conversation.Status.ACTIVE, Conversation.Status.PREPARING],
            last_message_at__lt=cutoff,
        )
        .exclude(messages__status__in=Message.IN_FLIGHT)
        .select_related("user")[:500]
    )
    for conversation in idle:
        with transaction.atomic():
            updated = Conversation.objects.filter(
                pk=conversation.pk, status=conversation.status
            ).update(
                status=Conversation.Status.ABANDONED,
                ended_at=now,
                end_reason="idle",
                updated_at=now,
            )
            if not updated:
                continue
            conversation.status = Conversation.Status.ABANDONED
            realtime.send_to_user(conversation.user_id, frames.conversation_updated(conversation))
        track(
            "conversation_ended",
            conversation.user,
            conversation_id=str(conversation.pk),
            turns=conversation.member_turns,
            duration_s=round((now - (conversation.started_at or now)).total_seconds()),
            reason="abandoned",
        )
    return len(idle)
