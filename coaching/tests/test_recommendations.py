"""GET /coaching/recommendations and POST /coaching/recommendations/{id}/apply: a goal
recommendation becomes a goal, an action one a plan action; once."""

import datetime as dt

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from coaching.models import Goal, PlanAction, PlanMilestone, PlanPhase, Recommendation

from .factories import (
    DevelopmentPlanFactory,
    PlanActionFactory,
    PlanMilestoneFactory,
    PlanPhaseFactory,
    RecommendationFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/coaching/recommendations"
NOW = dt.datetime(2030, 3, 10, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def apply_url(recommendation) -> str:
    return f"{URL}/{recommendation.pk}/apply"


# --- list -------------------------------------------------------------------------------------


def test_the_list_is_the_callers_most_confident_first(member):
    # given
    plan = DevelopmentPlanFactory(user=member)
    low = RecommendationFactory(user=member, confidence_score=0.2, kind="action", plan=plan)
    high = RecommendationFactory(
        user=member, confidence_score=0.9, title="Mentor", description="Teach someone."
    )
    RecommendationFactory(confidence_score=1.0)

    # when
    response = client_for(member).get(URL)

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert body["results"][0] == {
        "id": str(high.pk),
        "kind": "goal",
        "kind_label": "a goal",
        "title": "Mentor",
        "description": "Teach someone.",
        "confidence_score": 0.9,
        "is_applied": False,
        "applied_at": None,
        "applied_goal": None,
        "applied_action": None,
        "assessment": None,
        "plan": None,
        "ai": None,
        "created_at": "2030-03-10T09:30:00Z",
    }
    assert [(row["id"], row["plan"]) for row in body["results"]] == [
        (str(high.pk), None),
        (str(low.pk), str(plan.pk)),
    ]


@pytest.mark.parametrize(("value", "expected"), [("true", ["applied"]), ("false", ["open"])])
def test_the_list_filters_on_is_applied(member, value, expected):
    # given
    RecommendationFactory(user=member, title="applied", is_applied=True, applied_at=NOW)
    RecommendationFactory(user=member, title="open")

    # when
    response = client_for(member).get(URL, {"is_applied": value})

    # then
    assert response.status_code == 200
    assert [row["title"] for row in response.json()["results"]] == expected


def test_a_bad_filter_is_named(member):
    response = client_for(member).get(URL, {"is_applied": "sometimes"})

    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid", "attr": "is_applied"}]


def test_the_list_query_count_does_not_grow(member, django_assert_num_queries):
    # given
    client = client_for(member)
    RecommendationFactory(user=member)
    client.get(URL)
    with django_assert_num_queries(3):
        client.get(URL)
    plan = DevelopmentPlanFactory(user=member)
    RecommendationFactory.create_batch(15, user=member, plan=plan, kind="action")

    # when / then
    with django_assert_num_queries(3):
        response = client.get(URL)
    assert response.json()["count"] == 16


def test_recommendations_need_authentication(api):
    recommendation = RecommendationFactory()

    assert api.get(URL).status_code == 401
    assert api.post(apply_url(recommendation)).status_code == 401
    recommendation.refresh_from_db()
    assert recommendation.is_applied is False


# --- apply --------------------------------------------------------------------------------------


def test_a_goal_recommendation_becomes_a_goal(member):
    # given
    recommendation = RecommendationFactory(
        user=member, kind="goal", title="Mentor a junior", description="Teach to learn."
    )

    # when
    response = client_for(member).post(apply_url(recommendation))

    # then
    goal = Goal.objects.get()
    assert response.status_code == 200
    body = response.json()
    assert (
        body["is_applied"],
        body["applied_at"],
        body["applied_goal"],
        body["applied_action"],
    ) == (
        True,
        "2030-03-10T09:30:00Z",
        str(goal.pk),
        None,
    )
    assert (goal.user, goal.title, goal.description, goal.status, goal.target_date) == (
        member,
        "Mentor a junior",
        "Teach to learn.",
        "active",
        None,
    )
    recommendation.refresh_from_db()
    assert (recommendation.is_applied, recommendation.applied_at, recommendation.applied_goal) == (
        True,
        NOW,
        goal,
    )
    assert PlanAction.objects.count() == 0


def test_an_action_recommendation_joins_the_last_milestone_of_the_latest_ready_plan(member):
    # given
    older = DevelopmentPlanFactory(user=member, version=1)
    PlanActionFactory(milestone__phase__plan=older)
    plan = DevelopmentPlanFactory(user=member, version=2, starts_on=dt.date(2030, 3, 1))
    DevelopmentPlanFactory(user=member, version=3, status="pending")
    first_phase = PlanPhaseFactory(plan=plan, order=0)
    PlanMilestoneFactory(phase=first_phase, order=5)
    last_phase = PlanPhaseFactory(plan=plan, order=1)
    PlanMilestoneFactory(phase=last_phase, order=0)
    last = PlanMilestoneFactory(phase=last_phase, order=1, due_date=dt.date(2030, 3, 12))
    PlanActionFactory(milestone=last, order=0)
    PlanActionFactory(milestone=last, order=3)
    recommendation = RecommendationFactory(
        user=member, kind="action", title="Read a book", description="On delegation."
    )

    # when
    response = client_for(member).post(apply_url(recommendation))

    # then
    assert response.status_code == 200
    action = PlanAction.objects.get(title="Read a book")
    assert response.json()["applied_action"] == str(action.pk)
    assert (action.plan, action.milestone, action.order, action.description) == (
        plan,
        last,
        4,
        "On delegation.",
    )
    # Due a week after today (March 10), counted from the plan's start (March 1).
    assert (action.due_in_days, action.due_date, action.progress, action.done_at) == (
        16,
        dt.date(2030, 3, 17),
        0,
        None,
    )
    last.refresh_from_db()
    assert last.due_date == dt.date(2030, 3, 17)
    recommendation.refresh_from_db()
    assert (recommendation.is_applied, recommendation.applied_action) == (True, action)
    assert Goal.objects.count() == 0


def test_an_action_goes_to_a_named_plan(member):
    # given
    named = DevelopmentPlanFactory(user=member, version=1)
    milestone = PlanMilestoneFactory(phase__plan=named)
    DevelopmentPlanFactory(user=member, version=2)
    recommendation = RecommendationFactory(user=member, kind="action")

    # when
    response = client_for(member).post(apply_url(recommendation), {"plan": str(named.pk)})

    # then
    assert response.status_code == 200
    action = PlanAction.objects.get()
    assert (action.plan, action.milestone, action.order) == (named, milestone, 0)


def test_a_plan_without_milestones_gets_a_recommended_one(member):
    # given
    plan = DevelopmentPlanFactory(user=member, starts_on=dt.date(2030, 3, 10))
    recommendation = RecommendationFactory(user=member, kind="action", title="Start")

    # when
    response = client_for(member).post(apply_url(recommendation))

    # then
    assert response.status_code == 200
    phase = PlanPhase.objects.get()
    milestone = PlanMilestone.objects.get()
    action = PlanAction.objects.get()
    assert (phase.plan, phase.order, phase.title) == (plan, 0, "Recommended")
    assert (milestone.phase, milestone.title, milestone.due_date) == (
        phase,
        "Recommended",
        dt.date(2030, 3, 17),
    )
    assert (action.milestone, action.title, action.due_in_days) == (milestone, "Start", 7)


def test_applying_twice_is_a_409(member):
    # given
    recommendation = RecommendationFactory(user=member, kind="goal")
    client = client_for(member)
    client.post(apply_url(recommendation))

    # when
    response = client.post(apply_url(recommendation))

    # then
    assert response.status_code == 409
    assert errors_of(response) == [{"code": "already_applied", "attr": None}]
    assert Goal.objects.count() == 1


def test_an_action_without_a_ready_plan_is_refused(member):
    # given
    DevelopmentPlanFactory(user=member, status="pending")
    DevelopmentPlanFactory(user=UserFactory())
    recommendation = RecommendationFactory(user=member, kind="action")

    # when
    response = client_for(member).post(apply_url(recommendation))

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "development_plan_required", "attr": "plan"}]
    recommendation.refresh_from_db()
    assert recommendation.is_applied is False
    assert PlanAction.objects.count() == 0


def test_a_named_plan_that_is_not_ready_is_refused(member):
    # given
    pending = DevelopmentPlanFactory(user=member, status="pending")
    recommendation = RecommendationFactory(user=member, kind="action")

    # when
    response = client_for(member).post(apply_url(recommendation), {"plan": str(pending.pk)})

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "plan_not_ready", "attr": "plan"}]
    assert PlanPhase.objects.count() == 0


@pytest.mark.parametrize(
    ("plan", "code"),
    [("theirs", "does_not_exist"), ("not-a-uuid", "invalid"), ("unknown", "does_not_exist")],
)
def test_a_bad_plan_is_named(member, plan, code):
    # given
    theirs = DevelopmentPlanFactory(user=UserFactory())
    PlanMilestoneFactory(phase__plan=theirs)
    value = {
        "theirs": str(theirs.pk),
        "not-a-uuid": "not-a-uuid",
        "unknown": "3f1c1d52-0000-4000-8000-000000000000",
    }[plan]
    recommendation = RecommendationFactory(user=member, kind="action")

    # when
    response = client_for(member).post(apply_url(recommendation), {"plan": value})

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": code, "attr": "plan"}]
    assert PlanAction.objects.count() == 0


def test_another_members_recommendation_is_a_404(member):
    # given
    theirs = RecommendationFactory(user=UserFactory())

    # when
    response = client_for(member).post(apply_url(theirs))

    # then
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_applied is False
    assert Goal.objects.count() == 0


def test_applying_is_refused_when_the_recommendation_was_applied_meanwhile(member):
    # given
    recommendation = RecommendationFactory(user=member, kind="goal")
    Recommendation.objects.filter(pk=recommendation.pk).update(is_applied=True, applied_at=NOW)

    # when
    response = client_for(member).post(apply_url(recommendation))

    # then
    assert response.status_code == 409
    assert Goal.objects.count() == 0
