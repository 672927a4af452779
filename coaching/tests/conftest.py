"""Fixtures shared by coaching's test modules."""

import pytest
import time_machine

from .factories import AssessmentResultFactory
from .plans_helpers import NOW


@pytest.fixture
def plans_now():
    """The development plan tests' clock, frozen at ``plans_helpers.NOW``."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def assessment(member):
    return AssessmentResultFactory(
        user=member,
        scores={"strategic_builder": 80, "creative": 40},
        archetype="strategic_builder",
        ai_interest=60,
        learning_style="hands_on",
        analysis={
            "summary": "A planner who learns by doing.",
            "strengths": ["Planning"],
            "growth_areas": ["Delegation", "Public speaking"],
        },
        analysis_status="ready",
    )
