"""Races on plans are settled by the database: versions by the (user, version) constraint,
an action's XP by XP's (user, source_id) constraint."""

import pytest

from coaching.models import DevelopmentPlan, XPAward
from coaching.services.plans import action_update, plan_generate
from core.tests.concurrency import at_once

from .factories import AssessmentResultFactory, PlanActionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _ai_settings(offline_ai):
    """The offline provider and known quotas (conftest.py)."""


@pytest.mark.usefixtures("premium_member")
def test_simultaneous_plans_get_the_next_versions(member):
    # given
    AssessmentResultFactory(user=member)

    # when
    results = at_once([lambda: plan_generate(user=member) for _ in range(3)])

    # then
    assert len(results) == 3
    assert sorted(DevelopmentPlan.objects.values_list("version", flat=True)) == [1, 2, 3]
    assert set(DevelopmentPlan.objects.values_list("status", flat=True)) == {"ready"}


def test_an_action_done_twice_at_once_earns_xp_once(member):
    # given
    action = PlanActionFactory(milestone__phase__plan__user=member)

    # when
    results = at_once([lambda: action_update(user=member, action=action, done=True)] * 2)

    # then
    assert len(results) == 2
    assert list(XPAward.objects.values_list("source_id", flat=True)) == [f"plan_action:{action.pk}"]
