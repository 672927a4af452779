"""Recommendations with their reasons, and AI suggestions for a member's own profile.

Reasons to connect. Scores are computed on every request (community.selectors
.recommendations: two queries, no network). The short sentence shown with each member is
written by the AI gateway (feature ``community.connection_reasons``) at most once per
member per UTC day, and never while the request waits:

1. The answer for today is looked up in the cache under the caller, the day and a hash of
   exactly what the AI would be asked (the recommended members and their overlaps). Found:
   each member gets the AI's sentence.
2. Not found: every member gets a sentence built from their overlaps (``template_reason``)
   and, the first time that day (``cache.add`` on a per-caller, per-day key), a generation
   is queued through ``ai.services.generate``: it takes quota like any generation and runs
   in a Celery task once the transaction commits. Its ``on_finish`` stores the reasons in the
   cache, so a later request that day gets them (``reasons_pending`` says one is coming).
3. A refused generation (the plan's quota is used up) changes nothing for the request: the
   template sentences stay for the rest of the day. So does a failed one, or a candidate set
   that changed since the day's generation was asked: one generation per caller per day.

Goals and skills are named by their labels (``Grow my career``), never their slugs, in the
built sentences and in what the AI is asked, so neither can show a slug to the member.

Applying. A member marks a recommended member as applied (``recommendation_apply``: they
acted on it) and may take it back (``recommendation_unapply``); the list shows it as
``is_applied``. Both are idempotent, and both refuse (404) a member the recommendations
could not list, so the endpoint tells nothing about members the caller cannot see.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from ai import quotas
from ai import selectors as ai_selectors
from ai import services as ai_services
from analytics.services import track
from core.exceptions import NotFound

from ..ai_features import CONNECTION_REASONS, MAX_REASONS, PROFILE_OPTIMIZE, REASON_MAX_LENGTH
from ..models import AppliedRecommendation
from ..selectors import recommendations as selectors
from ..selectors.recommendations import (
    ADJACENT_TIER,
    SAME_TIER,
    Recommendation,
    Traits,
    goal_label,
    skill_label,
)

if TYPE_CHECKING:
    from accounts.models import User
    from ai.models import Generation

CACHE_PREFIX = "community:connection-reasons"
QUEUED = "queued"
QUOTA_EXCEEDED = "quota_exceeded"
ITEMS_IN_A_REASON = 2
ITEM_MAX_LENGTH = 40


@dataclass
class Recommendations:
    day: dt.date
    reasons_pending: bool
    results: list[Recommendation]


def recommendations_for(*, viewer, day: dt.date | None = None) -> Recommendations:
    """The caller's best matches (``COMMUNITY_RECOMMENDATIONS_LIMIT``), each with a reason:
    the AI's when today's are cached, else one built from the overlaps while the AI's are
    queued (see the module docstring). Never raises for the AI's sake: a quota refusal
    leaves the built reasons in place. ``day`` (UTC) defaults to today."""
    day = day or quotas.today()
    traits, results = selectors.recommendations_for(
        viewer=viewer, limit=settings.COMMUNITY_RECOMMENDATIONS_LIMIT
    )
    for item in results:
        item.reason = template_reason(item)
    if not results:
        return Recommendations(day=day, reasons_pending=False, results=results)
    inputs = connection_reasons_inputs(traits, results[:MAX_REASONS])
    key = inputs_key(inputs)
    reasons = cache.get(_results_key(viewer.pk, day, key))
    pending = False
    if reasons is None:
        pending = _request_reasons(viewer=viewer, day=day, key=key, inputs=inputs)
        # With eager Celery (a laptop) the generation has already run.
        reasons = cache.get(_results_key(viewer.pk, day, key)) if pending else None
        pending = pending and reasons is None
    for item in results:
        reason = (reasons or {}).get("reasons", {}).get(str(item.member.pk))
        if reason:
            item.reason, item.reason_source, item.reason_ai = reason, "ai", reasons["ai"]
    return Recommendations(day=day, reasons_pending=pending, results=results)


def _request_reasons(*, viewer, day: dt.date, key: str, inputs: dict[str, Any]) -> bool:
    """Queue today's generation of reasons unless one was asked for already today. Whether
    reasons for exactly ``key`` are on their way."""
    guard = _guard_key(viewer.pk, day)
    ttl = _seconds_left(day)
    if cache.add(guard, {"key": key, "state": QUEUED}, ttl):
        try:
            ai_services.generate(user=viewer, feature=CONNECTION_REASONS.name, inputs=inputs)
        except quotas.QuotaExceeded:
            cache.set(guard, {"key": key, "state": QUOTA_EXCEEDED}, ttl)
            return False
        except Exception:
            cache.delete(guard)
            raise
        return True
    asked = cache.get(guard) or {}
    return asked.get("key") == key and asked.get("state") == QUEUED


def connection_reasons_finished(*, generation: Generation) -> None:
    """``on_finish`` of ``community.connection_reasons``: cache the reasons of a succeeded
    generation for its owner and day, keeping only members it was asked about, and note the
    outcome so requests stop saying reasons are pending."""
    if generation.input is None:
        return
    day = generation.created_at.astimezone(dt.UTC).date()
    ttl = _seconds_left(day)
    if ttl <= 0:
        return
    key = inputs_key(generation.input)
    if generation.status == ai_selectors.SUCCEEDED and generation.output:
        asked = {candidate["member_id"] for candidate in generation.input.get("candidates", [])}
        reasons = {
            entry["member_id"]: entry["reason"]
            for entry in generation.output.get("reasons", [])
            if entry["member_id"] in asked
        }
        written = {"reasons": reasons, "ai": ai_selectors.provenance_of(generation)}
        cache.set(_results_key(generation.user_id, day, key), written, ttl)
    cache.set(_guard_key(generation.user_id, day), {"key": key, "state": generation.status}, ttl)


def connection_reasons_inputs(traits: Traits, items: list[Recommendation]) -> dict[str, Any]:
    """What the AI is asked: the caller's traits and, per member, their public profile line
    and the overlaps, goals and skills by their labels. No names, companies or contact
    details: the sentence needs none."""
    return {
        "member": {
            "goals": [goal_label(goal) for goal in traits.goals],
            "skills": [skill_label(skill) for skill in traits.skills],
            "industry": traits.industry,
            "tier": traits.tier.name if traits.tier else "",
        },
        "candidates": [
            {
                "member_id": str(item.member.pk),
                "headline": _profile_value(item.member, "headline"),
                "position": _profile_value(item.member, "position"),
                "industry": _profile_value(item.member, "industry"),
                "tier": item.tier.name if item.tier else "",
                "shared_goals": [entry.label for entry in item.goals_labelled],
                "shared_skills": [entry.label for entry in item.skills_labelled],
                "same_industry": item.industry,
                "tier_match": item.tier_match,
            }
            for item in items
        ],
    }


def inputs_key(inputs: dict[str, Any]) -> str:
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def template_reason(item: Recommendation) -> str:
    """One sentence built from the overlaps, used until (or instead of) the AI's."""
    parts = []
    if item.goals:
        noun = "goal" if len(item.goals) == 1 else "goals"
        parts.append(f"shares your {noun} {_listing(item.goals_labelled)}")
    if item.skills:
        parts.append(f"also works on {_listing(item.skills_labelled)}")
    if item.industry:
        parts.append(f"works in {_cut(_profile_value(item.member, 'industry'))} too")
    if item.tier_match == SAME_TIER:
        parts.append("is in your tier")
    elif item.tier_match == ADJACENT_TIER:
        parts.append("is one tier from yours")
    if len(parts) > 1:
        parts = [", ".join(parts[:-1]), parts[-1]]
    sentence = " and ".join(parts)
    sentence = sentence[:1].upper() + sentence[1:] + "."
    if len(sentence) > REASON_MAX_LENGTH:
        sentence = sentence[: REASON_MAX_LENGTH - 1].rsplit(" ", 1)[0].rstrip(",") + "…"
    return sentence


def _listing(values: list[selectors.Labelled]) -> str:
    shown = [f"“{_cut(value.label)}”" for value in values[:ITEMS_IN_A_REASON]]
    more = len(values) - len(shown)
    if more:
        return f"{', '.join(shown)} (+{more} more)"
    return " and ".join(shown)


def _cut(value: str) -> str:
    return value if len(value) <= ITEM_MAX_LENGTH else value[: ITEM_MAX_LENGTH - 1] + "…"


def _profile_value(member, name: str) -> str:
    profile = selectors.related(member, "profile")
    return getattr(profile, name, "") if profile is not None else ""


def _results_key(user_id, day: dt.date, key: str) -> str:
    return f"{CACHE_PREFIX}:{user_id}:{day.isoformat()}:{key}"


def _guard_key(user_id, day: dt.date) -> str:
    return f"{CACHE_PREFIX}:asked:{user_id}:{day.isoformat()}"


def _seconds_left(day: dt.date) -> int:
    """Seconds until the end of ``day`` (UTC): how long its cache entries are worth keeping."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return int((end - timezone.now()).total_seconds())


# --- applying a recommendation ------------------------------------------------------------


@transaction.atomic
def recommendation_apply(*, viewer: User, member_id) -> Recommendation:
    """Mark ``member_id`` as applied from ``viewer``'s recommendations, once: applying
    again keeps the first ``applied_at``. Raises ``NotFound`` for a member the
    recommendations could not list (``selectors.recommendation_of``)."""
    item = _recommendation_or_404(viewer=viewer, member_id=member_id)
    if item.is_applied:
        return item
    try:
        with transaction.atomic():
            applied = AppliedRecommendation.objects.create(viewer=viewer, member=item.member)
    except IntegrityError:
        # A concurrent first apply got there first: the unique constraint kept its row,
        # and this request answers with it.
        item.applied_at = (
            AppliedRecommendation.objects.filter(viewer=viewer, member=item.member)
            .values_list("applied_at", flat=True)
            .get()
        )
        return item
    item.applied_at = applied.applied_at
    track("member_recommendation_applied", viewer)
    return item


@transaction.atomic
def recommendation_unapply(*, viewer: User, member_id) -> Recommendation:
    """Take back ``viewer``'s application of ``member_id``; nothing happens when there was
    none. Raises ``NotFound`` like ``recommendation_apply``."""
    item = _recommendation_or_404(viewer=viewer, member_id=member_id)
    deleted, _ = AppliedRecommendation.objects.filter(viewer=viewer, member=item.member).delete()
    item.applied_at = None
    if deleted:
        track("member_recommendation_unapplied", viewer)
    return item


def _recommendation_or_404(*, viewer: User, member_id) -> Recommendation:
    item = selectors.recommendation_of(viewer=viewer, member_id=member_id)
    if item is None:
        raise NotFound("No such recommendation.")
    return item


# --- profile optimisation -------------------------------------------------------------------


def profile_optimize_request(*, user: User, focus: str = "") -> Generation:
    """Queue ``community.profile_optimize`` for ``user``: suggestions built from their
    profile, onboarding goals and skills and tier, steered by ``focus`` when given. Raises
    ``QuotaExceeded``; the generation runs in a Celery task after commit."""
    member = selectors.member_with_context(user)
    profile = selectors.related(member, "profile")
    onboarding = selectors.related(member, "onboarding")
    traits = selectors.traits_of(member)
    inputs = {
        "profile": {
            name: (getattr(profile, name) if profile is not None else "")
            for name in ("display_name", "headline", "company", "position", "industry")
        }
        | {"focus_areas": selectors.strings(profile.focus_areas if profile else [])},
        "goals": traits.goals,
        "skills": traits.skills,
        "experience_level": onboarding.experience_level if onboarding else "",
        "tier": traits.tier.name if traits.tier else "",
        "focus": focus.strip(),
    }
    generation = ai_services.generate(user=user, feature=PROFILE_OPTIMIZE.name, inputs=inputs)
    track("profile_optimize_requested", user, generation_id=str(generation.pk))
    return generation
