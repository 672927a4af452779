"""Writes of the conversations app.

Practice is gated the same way wherever it starts: the onboarding age check first (403
``age_restricted``), then the plan for a premium scenario (403 ``plan_required``, through
``accounts.entitlements``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from rest_framework import status

from accounts import entitlements
from accounts.selectors import is_verified_adult
from ai import services as ai_services
from analytics.services import track
from core.exceptions import DomainError

from .ai_features import SCENARIO_CONTEXT
from .models import Scenario, Setting
from .selectors import PREMIUM_SCENARIOS

if TYPE_CHECKING:
    from accounts.models import User
    from ai.models import Generation


class AgeRestricted(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "age_restricted"


def practice_require(*, user: User, scenario: Scenario) -> None:
    """Raise unless ``user`` may practise ``scenario``: ``AgeRestricted`` before the age
    check is passed, ``PlanRequired`` for a premium scenario on a plan without it."""
    if not is_verified_adult(user):
        raise AgeRestricted(
            "Conversation practice is for adults: finish onboarding's age check first."
        )
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
