"""Development plans: rename and delete."""

import pytest

from accounts.tests.helpers import client_for, errors_of
from ai.models import Generation
from coaching.models import (
    DevelopmentPlan,
    PlanAction,
    PlanMilestone,
    PlanPhase,
    Recommendation,
)

from .factories import (
    DevelopmentPlanFactory,
)
from .plans_helpers import URL, make_plan, plan_url

# The offline AI provider and known quotas (conftest.py), and a frozen clock.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline_ai", "plans_now")]


def test_a_plan_is_renamed(member):
    # given
    plan = make_plan(member, phases=1, milestones=1, actions=2, done=1)

    # when
    response = client_for(member).patch(plan_url(plan), {"title": "  My plan  ", "summary": "x"})

    # then
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["actions_total"]) == ("My plan", 2)
    plan.refresh_from_db()
    assert (plan.title, plan.summary) == ("My plan", "Grow into a team lead.")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [{"code": "required", "attr": "title"}]),
        ({"title": "  "}, [{"code": "blank", "attr": "title"}]),
        ({"title": "x" * 201}, [{"code": "max_length", "attr": "title"}]),
    ],
)
def test_a_bad_title_is_named(member, body, expected):
    # given
    plan = DevelopmentPlanFactory(user=member, title="Kept")

    # when
    response = client_for(member).patch(plan_url(plan), body, format="json")

    # then
    assert response.status_code == 400
    assert errors_of(response) == expected
    plan.refresh_from_db()
    assert plan.title == "Kept"


def test_a_plan_is_deleted_with_its_tree_and_its_recommendations_stay(member):
    # given
    plan = make_plan(member, phases=1, milestones=1, actions=2)
    recommendation = Recommendation.objects.create(user=member, plan=plan, title="Keep me")

    # when
    response = client_for(member).delete(plan_url(plan))

    # then
    assert response.status_code == 204
    assert not DevelopmentPlan.objects.exists()
    assert (
        PlanPhase.objects.count(),
        PlanMilestone.objects.count(),
        PlanAction.objects.count(),
    ) == (
        0,
        0,
        0,
    )
    recommendation.refresh_from_db()
    assert recommendation.plan is None


@pytest.mark.usefixtures("premium_member")
def test_a_plan_deleted_while_generating_stays_deleted(
    member, assessment, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(member).post(URL)
    client_for(member).delete(f"{URL}/{response.json()['id']}")

    # when
    for callback in callbacks:
        callback()

    # then
    assert Generation.objects.get().status == "succeeded"
    assert (DevelopmentPlan.objects.count(), PlanAction.objects.count()) == (0, 0)
    assert Recommendation.objects.count() == 0


@pytest.mark.usefixtures("premium_member")
def test_a_title_given_while_generating_is_kept(
    member, assessment, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(member).post(URL)
    renamed = client_for(member).patch(f"{URL}/{response.json()['id']}", {"title": "Mine"})

    # when
    for callback in callbacks:
        callback()

    # then
    assert (renamed.status_code, renamed.json()["status"]) == (200, "pending")
    plan = DevelopmentPlan.objects.get()
    assert (plan.status, plan.title) == ("ready", "Mine")
