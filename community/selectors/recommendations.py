"""Members to connect with: candidates and their scores, in a constant number of queries.

Candidates are the other active members listed in the directory
(``profile.directory_visibility == "members"``, ``accounts.selectors.listed_users``), minus anyone the caller blocked or who
blocked the caller. At most ``COMMUNITY_RECOMMENDATIONS_POOL`` of them are scored: those in
the caller's industry or a tier near theirs first (both cheap to tell in SQL), then the
newest. Each is scored in Python from four overlaps, with these weights:

========  ======  ==================================================================
overlap   weight  share of the weight earned
========  ======  ==================================================================
goals     0.35    shared onboarding goals / the caller's goals
skills    0.30    shared primary skills / the caller's skills
industry  0.20    all of it when the industries are equal (case-insensitive)
tier      0.15    all of it for the same tier, 0.10 of the 0.15 for a tier one rank away
========  ======  ==================================================================

Goals and skills compare case-insensitively with spaces collapsed, and are reported in the
caller's own spelling. Confidence is the sum, in [0, 1], rounded to three places. Members
with nothing in common (confidence 0) are not recommended; ties are broken by member id so
the order never changes between two identical requests.

Onboarding stores goals and skills as the slugs of ``accounts.choices.Goal`` and ``Skill``;
whatever a client or the AI is shown carries their labels (``labelled``). A value that is
not one of those slugs (older free text) is its own label.

Each recommendation also says whether the caller applied it (``AppliedRecommendation``),
read in the same query as the candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Value, When

from accounts import selectors as account_selectors
from accounts.choices import Goal, Skill

from ..models import AppliedRecommendation, Block
from .directory import related, tier_of

if TYPE_CHECKING:
    from accounts.models import User

    from ..models import Tier

GOALS_WEIGHT = 0.35
SKILLS_WEIGHT = 0.30
INDUSTRY_WEIGHT = 0.20
SAME_TIER_WEIGHT = 0.15
ADJACENT_TIER_WEIGHT = 0.10

SAME_TIER = "same"
ADJACENT_TIER = "adjacent"

_RELATED = ("profile", "onboarding", "membership__tier")
_GOAL_LABELS: dict[str, str] = dict(Goal.choices)
_SKILL_LABELS: dict[str, str] = dict(Skill.choices)


@dataclass(frozen=True)
class Labelled:
    """A stored value and what a person reads for it."""

    value: str
    label: str


def goal_label(value: str) -> str:
    return _GOAL_LABELS.get(value, value)


def skill_label(value: str) -> str:
    return _SKILL_LABELS.get(value, value)


def labelled(values: list[str], label_of) -> list[Labelled]:
    return [Labelled(value=value, label=label_of(value)) for value in values]


@dataclass(frozen=True)
class Traits:
    """What a member is matched on, read from their profile, onboarding and membership."""

    goals: list[str]
    skills: list[str]
    industry: str
    tier: Tier | None


@dataclass
class Recommendation:
    member: Any
    tier: Tier | None
    confidence: float
    goals: list[str]
    skills: list[str]
    industry: bool
    tier_match: str
    # When the caller applied this member (``AppliedRecommendation``), else None.
    applied_at: Any = None
    # Filled by community.services.recommendations: the AI's sentence or the template's,
    # and for the AI's, who wrote it (ai.selectors.provenance_of).
    reason: str = ""
    reason_source: str = "template"
    reason_ai: dict[str, Any] | None = None

    @property
    def tier_matched(self) -> bool:
        return bool(self.tier_match)

    @property
    def is_applied(self) -> bool:
        return self.applied_at is not None

    @property
    def goals_labelled(self) -> list[Labelled]:
        return labelled(self.goals, goal_label)

    @property
    def skills_labelled(self) -> list[Labelled]:
        return labelled(self.skills, skill_label)


def member_with_context(user: User):
    """``user`` re-read with their profile, onboarding and tier, in one query."""
    return get_user_model().objects.select_related(*_RELATED).get(pk=user.pk)


def traits_of(user: User) -> Traits:
    profile = related(user, "profile")
    onboarding = related(user, "onboarding")
    return Traits(
        goals=strings(onboarding.goals if onboarding else []),
        skills=strings(onboarding.primary_skills if onboarding else []),
        industry=(profile.industry.strip() if profile else ""),
        tier=tier_of(user),
    )


def recommendable_members(*, viewer):
    """Every member who may be recommended to ``viewer`` (listed, active, not the viewer,
    neither blocking the other), with what they are scored on joined and ``applied_at``:
    when the viewer applied them, else None."""
    blocked_by_viewer = Block.objects.filter(blocker=viewer).values("blocked")
    blocking_viewer = Block.objects.filter(blocked=viewer).values("blocker")
    applied = AppliedRecommendation.objects.filter(viewer=viewer, member=OuterRef("pk"))
    return (
        account_selectors.listed_users()
        .exclude(pk=viewer.pk)
        .exclude(Q(pk__in=blocked_by_viewer) | Q(pk__in=blocking_viewer))
        .select_related(*_RELATED)
        .annotate(applied_at=Subquery(applied.values("applied_at")[:1]))
    )


def recommendation_candidates(*, viewer, traits: Traits):
    """The bounded pool of members who may be recommended to ``viewer``, with what they
    are scored on already joined: one query, whatever its size."""
    near = []
    if traits.industry:
        near.append(When(profile__industry__iexact=traits.industry, then=Value(2)))
    if traits.tier is not None:
        rank = traits.tier.rank
        near.append(When(membership__tier__rank__range=(max(rank - 1, 0), rank + 1), then=Value(1)))
    queryset = recommendable_members(viewer=viewer)
    if near:
        queryset = queryset.annotate(
            nearness=Case(*near, default=Value(0), output_field=IntegerField())
        ).order_by("-nearness", "-date_joined", "pk")
    else:
        queryset = queryset.order_by("-date_joined", "pk")
    return queryset[: settings.COMMUNITY_RECOMMENDATIONS_POOL]


def score(traits: Traits, candidate) -> Recommendation:
    """How well ``candidate`` (a row of ``recommendable_members``) matches a member with
    ``traits`` (weights: module docstring)."""
    theirs = traits_of(candidate)
    goals = _shared(traits.goals, theirs.goals)
    skills = _shared(traits.skills, theirs.skills)
    industry = bool(traits.industry) and traits.industry.casefold() == theirs.industry.casefold()
    tier_match = _tier_match(traits.tier, theirs.tier)
    points = 0.0
    if traits.goals:
        points += GOALS_WEIGHT * len(goals) / len(traits.goals)
    if traits.skills:
        points += SKILLS_WEIGHT * len(skills) / len(traits.skills)
    if industry:
        points += INDUSTRY_WEIGHT
    if tier_match == SAME_TIER:
        points += SAME_TIER_WEIGHT
    elif tier_match == ADJACENT_TIER:
        points += ADJACENT_TIER_WEIGHT
    return Recommendation(
        member=candidate,
        tier=theirs.tier,
        confidence=round(min(points, 1.0), 3),
        goals=goals,
        skills=skills,
        industry=industry,
        tier_match=tier_match,
        applied_at=candidate.applied_at,
    )


def recommendations_for(*, viewer, limit: int) -> tuple[Traits, list[Recommendation]]:
    """The caller's traits and their ``limit`` best matches, best first. Two queries."""
    traits = traits_of(member_with_context(viewer))
    scored = [
        score(traits, candidate)
        for candidate in recommendation_candidates(viewer=viewer, traits=traits)
    ]
    scored = [item for item in scored if item.confidence > 0]
    scored.sort(key=lambda item: (-item.confidence, str(item.member.pk)))
    return traits, scored[:limit]


def recommendation_of(*, viewer, member_id) -> Recommendation | None:
    """``member_id`` scored for ``viewer``, or None when the recommendations could not list
    them: no such member, not listed or inactive, the viewer themself, a block either way,
    or nothing in common. Outside the day's best few is still a recommendation: the list
    moves as members join, and a member applied from it must stay reachable. Two queries."""
    traits = traits_of(member_with_context(viewer))
    candidate = recommendable_members(viewer=viewer).filter(pk=member_id).first()
    if candidate is None:
        return None
    item = score(traits, candidate)
    return item if item.confidence > 0 else None


def _tier_match(mine: Tier | None, theirs: Tier | None) -> str:
    if mine is None or theirs is None:
        return ""
    if mine.pk == theirs.pk:
        return SAME_TIER
    if abs(mine.rank - theirs.rank) <= 1:
        return ADJACENT_TIER
    return ""


def _normal(value: str) -> str:
    return " ".join(value.split()).casefold()


def strings(values: Any) -> list[str]:
    """The distinct non-blank strings of a JSON list, in order, stripped."""
    if not isinstance(values, list):
        return []
    seen: set[str] = set()
    out = []
    for value in values:
        if isinstance(value, str) and value.strip() and _normal(value) not in seen:
            seen.add(_normal(value))
            out.append(" ".join(value.split()))
    return out


def _shared(mine: list[str], theirs: list[str]) -> list[str]:
    """The items of ``mine`` that ``theirs`` has too, in my order and spelling."""
    their_keys = {_normal(value) for value in theirs}
    return [value for value in mine if _normal(value) in their_keys]
