"""What accounts tells the AI about a member (``AI_MEMBER_CONTEXT``, ai/context.py): the
skills they practise, their experience and pace from onboarding, how they like to be
coached, and their time zone.

Choices go out as their labels ("Active listening", not ``active_listening``): the model
writes for the member, and a slug in the prompt comes back as a slug in the answer. Names,
contact details, the company and the dating preferences of the conversation-practice
onboarding stay out: no prompt about the member's growth needs them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from ai.context import cut_all

from . import choices
from .models import User

MAX_ITEMS = 8
ITEM_MAX_LENGTH = 60


def member(*, user: User) -> dict[str, Any]:
    """``{time_zone, preferences: {coaching_style, focus_areas}, onboarding: {skills,
    challenges, experience_level, practice_frequency}}``, leaving out what the member has
    not told us. One query."""
    row = User.objects.select_related("profile", "onboarding").filter(pk=user.pk).first()
    profile = _related(row, "profile")
    onboarding = _related(row, "onboarding")
    context: dict[str, Any] = {}
    if profile is not None:
        context["time_zone"] = profile.timezone
        preferences = {
            "coaching_style": _label(choices.CoachingStyle, profile.coaching_style),
            "focus_areas": _labels(choices.FocusArea, profile.focus_areas),
        }
        if any(preferences.values()):
            context["preferences"] = preferences
    if onboarding is not None:
        answers = {
            "skills": _labels(choices.Skill, onboarding.primary_skills),
            "challenges": _labels(choices.Challenge, onboarding.specific_challenges),
            "experience_level": _label(choices.ExperienceLevel, onboarding.experience_level),
            "practice_frequency": _label(choices.PracticeFrequency, onboarding.practice_frequency),
        }
        if any(answers.values()):
            context["onboarding"] = answers
    return context


def _related(user: User | None, name: str) -> Any:
    if user is None:
        return None
    try:
        return getattr(user, name)
    except ObjectDoesNotExist:
        return None


def _label(kind: type[models.TextChoices], value: Any) -> str:
    if not value:
        return ""
    labels = dict(kind.choices)
    return str(labels.get(value, str(value).replace("_", " ")))


def _labels(kind: type[models.TextChoices], values: Any) -> list[str]:
    if not isinstance(values, list):
        return []
    return cut_all(
        (_label(kind, value) for value in values), limit=MAX_ITEMS, length=ITEM_MAX_LENGTH
    )
