"""Races on plans are settled by the database: versions by the (user, version) constraint,
an action's XP by XP's (user, source_id) constraint."""

import threading

import pytest
from django.db import connection

from coaching.models import DevelopmentPlan, XPAward
from coaching.services.plans import action_update, plan_generate

from .factories import AssessmentResultFactory, PlanActionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _ai_settings(settings):
    settings.AI_API_KEY = ""
    settings.AI_QUOTAS = {"free": {"*": 20}}
    settings.DEFAULT_PLAN = "free"


def at_once(calls) -> list:
    """Run each call in its own thread, released together; their results, in any order."""
    barrier = threading.Barrier(len(calls))
    results = []

    def run(call) -> None:
        barrier.wait()
        try:
            results.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


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
