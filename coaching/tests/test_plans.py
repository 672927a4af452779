"""Development plans: POST generates one asynchronously (202, rows once the generation
finishes), regenerating keeps earlier versions; list, detail, rename and delete."""

import datetime as dt
import json

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from ai.models import Generation, QuotaUsage
from ai.tests.fake_openai import completion, error
from coaching.ai_features import DEVELOPMENT_PLAN, DevelopmentPlanDraft
from coaching.models import (
    DevelopmentPlan,
    PlanAction,
    PlanMilestone,
    PlanPhase,
    Recommendation,
)

from .factories import (
    AssessmentResultFactory,
    DevelopmentPlanFactory,
    GoalFactory,
    PlanActionFactory,
    PlanMilestoneFactory,
    PlanPhaseFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/coaching/plans"
NOW = dt.datetime(2030, 3, 10, 9, 30, tzinfo=dt.UTC)
TODAY = dt.date(2030, 3, 10)


@pytest.fixture(autouse=True)
def _ai_settings(offline_ai):
    """The offline provider and known quotas (conftest.py)."""


@pytest.fixture(autouse=True)
def _now():
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


ANSWER = {
    "title": "From analyst to team lead",
    "summary": "Build leadership through small, visible steps.",
    "phases": [
        {
            "title": "Foundations",
            "description": "Learn the basics.",
            "milestones": [
                {
                    "title": "Delegate one task",
                    "description": "Hand something off.",
                    "due_in_days": 10,
                    "actions": [
                        {
                            "title": "List your tasks",
                            "description": "All of them.",
                            "due_in_days": 2,
                        },
                        {"title": "Pick one to hand off", "description": "", "due_in_days": 14},
                    ],
                },
                {
                    "title": "Speak once",
                    "description": "At a team meeting.",
                    "due_in_days": 30,
                    "actions": [
                        {"title": "Prepare five minutes", "description": "", "due_in_days": 21},
                    ],
                },
            ],
        },
        {
            "title": "Practice",
            "description": "Do it for real.",
            "milestones": [
                {
                    "title": "Lead a project",
                    "description": "A small one.",
                    "due_in_days": 90,
                    "actions": [
                        {
                            "title": "Volunteer",
                            "description": "Ask your manager.",
                            "due_in_days": 45,
                        },
                    ],
                }
            ],
        },
    ],
    "recommendations": [
        {"kind": "goal", "title": "Mentor a junior", "description": "Teach.", "confidence": 0.8},
        {
            "kind": "action",
            "title": "Read a book",
            "description": "On delegation.",
            "confidence": 0.4,
        },
    ],
}


def plan_url(plan) -> str:
    return f"{URL}/{plan.pk}"


# --- generate -------------------------------------------------------------------------------


def test_a_plan_is_accepted_and_generated_into_rows(
    member, assessment, django_capture_on_commit_callbacks
):
    # given
    GoalFactory(user=member, title="Become a team lead", target_date=dt.date(2030, 9, 1))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(URL, {"focus": "  Leadership  "})

    # then
    plan = DevelopmentPlan.objects.get()
    generation = Generation.objects.get()
    assert response.status_code == 202
    assert response.json() == {
        "id": str(plan.pk),
        "status": "pending",
        "status_url": f"http://testserver{plan_url(plan)}",
        "generation": {
            "id": str(generation.pk),
            "status": "queued",
            "status_url": f"http://testserver/api/v1/ai/generations/{generation.pk}",
        },
    }
    assert response["Location"] == f"http://testserver{plan_url(plan)}"
    assert (plan.user, plan.version, plan.assessment, plan.starts_on, plan.generation) == (
        member,
        1,
        assessment,
        TODAY,
        generation,
    )
    assert (generation.feature, generation.status, generation.provider) == (
        "coaching.development_plan",
        "succeeded",
        "offline",
    )
    assert generation.input == {
        "starts_on": "2030-03-10",
        "assessment": {
            "taken_on": "2030-03-10",
            "archetype": "strategic_builder",
            "scores": [
                {"dimension": "creative", "score": 40},
                {"dimension": "strategic_builder", "score": 80},
            ],
            "learning_style": "hands_on",
            "ai_interest": 60,
            "summary": "A planner who learns by doing.",
            "strengths": ["Planning"],
            "growth_areas": ["Delegation", "Public speaking"],
        },
        "goals": [{"title": "Become a team lead", "target_date": "2030-09-01"}],
        "focus": "Leadership",
    }
    output = DevelopmentPlanDraft.model_validate(generation.output)
    plan.refresh_from_db()
    assert (plan.status, plan.title, plan.summary) == ("ready", output.title, output.summary)
    phases = list(PlanPhase.objects.filter(plan=plan).order_by("order"))
    assert [(p.order, p.title) for p in phases] == [
        (n, phase.title) for n, phase in enumerate(output.phases)
    ]
    actions = list(PlanAction.objects.filter(plan=plan).order_by("milestone__phase__order"))
    expected = [action for phase in output.phases for m in phase.milestones for action in m.actions]
    assert len(actions) == len(expected)
    for action in actions:
        assert action.due_date == TODAY + dt.timedelta(days=action.due_in_days)
    assert Recommendation.objects.filter(plan=plan).count() == len(output.recommendations)
    assert QuotaUsage.objects.get(user=member).used == DEVELOPMENT_PLAN.cost


def test_the_answer_becomes_phases_milestones_actions_and_recommendations(
    member, assessment, fake_openai, django_capture_on_commit_callbacks
):
    # given
    fake_openai.script(completion(json.dumps(ANSWER)))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(URL, {"focus": "Leadership"})

    # then
    assert response.status_code == 202
    plan = DevelopmentPlan.objects.get()
    assert (plan.status, plan.title, plan.summary) == (
        "ready",
        "From analyst to team lead",
        "Build leadership through small, visible steps.",
    )
    tree = [
        (
            phase.order,
            phase.title,
            phase.description,
            [
                (
                    m.order,
                    m.title,
                    m.due_date,
                    [
                        (a.order, a.title, a.description, a.due_in_days, a.due_date, a.plan_id)
                        for a in m.actions.order_by("order")
                    ],
                )
                for m in phase.milestones.order_by("order")
            ],
        )
        for phase in plan.phases.order_by("order")
    ]
    day = lambda n: TODAY + dt.timedelta(days=n)  # noqa: E731
    assert tree == [
        (
            0,
            "Foundations",
            "Learn the basics.",
            [
                (
                    0,
                    "Delegate one task",
                    day(14),  # its latest action is after its own offset (10)
                    [
                        (0, "List your tasks", "All of them.", 2, day(2), plan.pk),
                        (1, "Pick one to hand off", "", 14, day(14), plan.pk),
                    ],
                ),
                (1, "Speak once", day(30), [(0, "Prepare five minutes", "", 21, day(21), plan.pk)]),
            ],
        ),
        (
            1,
            "Practice",
            "Do it for real.",
            [
                (
                    0,
                    "Lead a project",
                    day(90),
                    [(0, "Volunteer", "Ask your manager.", 45, day(45), plan.pk)],
                )
            ],
        ),
    ]
    recommendations = list(
        Recommendation.objects.order_by("-confidence_score").values_list(
            "user",
            "assessment",
            "plan",
            "kind",
            "title",
            "description",
            "confidence_score",
            "is_applied",
        )
    )
    assert recommendations == [
        (member.pk, assessment.pk, plan.pk, "goal", "Mentor a junior", "Teach.", 0.8, False),
        (member.pk, assessment.pk, plan.pk, "action", "Read a book", "On delegation.", 0.4, False),
    ]
    [request] = fake_openai.received
    assert request.body["response_format"]["json_schema"]["name"] == "coaching_development_plan"
    assert request.body["messages"] == DEVELOPMENT_PLAN.render(Generation.objects.get().input)
    assert "- growth areas: Delegation; Public speaking" in request.body["messages"][1]["content"]
    assert "Leadership" in request.body["messages"][1]["content"]


def test_a_failed_generation_marks_the_plan_failed(
    member, assessment, fake_openai, django_capture_on_commit_callbacks
):
    # given
    fake_openai.script(error(500))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(URL)

    # then
    assert response.status_code == 202
    plan = DevelopmentPlan.objects.get()
    assert (plan.status, plan.generation.status) == ("failed", "failed")
    assert (PlanPhase.objects.count(), Recommendation.objects.count()) == (0, 0)
    assert client_for(member).get(plan_url(plan)).json()["status"] == "failed"


def test_regenerating_keeps_the_earlier_version(
    member, assessment, django_capture_on_commit_callbacks
):
    # given
    client = client_for(member)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(URL, {"focus": "Public speaking"})

    # then
    assert (first.status_code, second.status_code) == (202, 202)
    v1, v2 = DevelopmentPlan.objects.order_by("version")
    assert (v1.version, v1.status, str(v1.pk)) == (1, "ready", first.json()["id"])
    assert (v2.version, v2.status, str(v2.pk)) == (2, "ready", second.json()["id"])
    assert v1.actions.exists() and v2.actions.exists()
    listed = client.get(URL).json()["results"]
    assert [(row["id"], row["version"]) for row in listed] == [(str(v2.pk), 2), (str(v1.pk), 1)]


def test_versions_are_counted_per_member(member, assessment, django_capture_on_commit_callbacks):
    # given
    DevelopmentPlanFactory(version=1)
    DevelopmentPlanFactory(user=member, version=4)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(URL)

    # then
    assert response.status_code == 202
    assert DevelopmentPlan.objects.get(pk=response.json()["id"]).version == 5


def test_a_given_start_date_sets_the_due_dates(
    member, assessment, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(URL, {"starts_on": "2030-04-01"})

    # then
    assert response.status_code == 202
    plan = DevelopmentPlan.objects.get()
    assert plan.starts_on == dt.date(2030, 4, 1)
    assert Generation.objects.get().input["starts_on"] == "2030-04-01"
    for action in plan.actions.all():
        assert action.due_date == dt.date(2030, 4, 1) + dt.timedelta(days=action.due_in_days)


def test_the_plan_uses_the_latest_assessment_even_before_its_analysis(
    member, assessment, django_capture_on_commit_callbacks
):
    # given
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        latest = AssessmentResultFactory(
            user=member, archetype="creator", analysis=None, analysis_status="pending"
        )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(URL)

    # then
    assert response.status_code == 202
    plan = DevelopmentPlan.objects.get()
    assert (plan.assessment, plan.status) == (latest, "ready")
    sent = Generation.objects.get().input["assessment"]
    assert (sent["archetype"], sent["summary"], sent["strengths"]) == ("creator", "", [])


def test_only_active_goals_are_sent(member, assessment, django_capture_on_commit_callbacks):
    # given
    GoalFactory(user=member, title="Later", target_date=None)
    GoalFactory(user=member, title="Sooner", target_date=dt.date(2030, 5, 1))
    GoalFactory(user=member, title="Paused", status="paused")
    GoalFactory(title="Someone else's")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        client_for(member).post(URL)

    # then
    assert Generation.objects.get().input["goals"] == [
        {"title": "Sooner", "target_date": "2030-05-01"},
        {"title": "Later", "target_date": ""},
    ]


def test_without_an_assessment_a_plan_is_refused(member):
    # given
    GoalFactory(user=member)
    AssessmentResultFactory()

    # when
    response = client_for(member).post(URL)

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "assessment_required", "attr": "non_field_errors"}]
    assert (DevelopmentPlan.objects.count(), Generation.objects.count()) == (0, 0)
    assert QuotaUsage.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"focus": "x" * 501}, [{"code": "max_length", "attr": "focus"}]),
        ({"focus": ["a list"]}, [{"code": "invalid", "attr": "focus"}]),
        ({"focus": None}, [{"code": "null", "attr": "focus"}]),
        ({"starts_on": "soon"}, [{"code": "invalid", "attr": "starts_on"}]),
        ({"starts_on": "2030-03-09"}, [{"code": "past", "attr": "starts_on"}]),
        ({"starts_on": "2031-03-11"}, [{"code": "too_late", "attr": "starts_on"}]),
    ],
)
def test_bad_input_is_named_and_takes_nothing(member, assessment, body, expected):
    # when
    response = client_for(member).post(URL, body, format="json")

    # then
    assert response.status_code == 400
    assert errors_of(response) == expected
    assert (DevelopmentPlan.objects.count(), Generation.objects.count()) == (0, 0)


def test_a_used_up_quota_is_a_429_and_creates_nothing(member, assessment, settings):
    # given
    settings.AI_QUOTAS = {"free": {"*": 20, "coaching.development_plan": 1}}

    # when
    response = client_for(member).post(URL)

    # then
    assert response.status_code == 429
    assert errors_of(response) == [{"code": "quota_exceeded", "attr": None}]
    assert "Retry-After" in response
    assert (DevelopmentPlan.objects.count(), Generation.objects.count()) == (0, 0)


def test_the_ai_throttle_applies(member, assessment, settings):
    # given
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "ai": "1/min",
        },
    }
    client = client_for(member)
    client.post(URL)

    # when
    response = client.post(URL)

    # then
    assert response.status_code == 429
    assert errors_of(response) == [{"code": "throttled", "attr": None}]
    assert DevelopmentPlan.objects.count() == 1
    assert client.get(URL).status_code == 200


def test_a_retry_with_the_same_idempotency_key_creates_nothing_new(
    member, assessment, django_capture_on_commit_callbacks
):
    # given
    client = client_for(member)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, {"focus": "Lead"}, HTTP_IDEMPOTENCY_KEY="plan-1")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(URL, {"focus": "Lead"}, HTTP_IDEMPOTENCY_KEY="plan-1")

    # then
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert (DevelopmentPlan.objects.count(), Generation.objects.count()) == (1, 1)


def test_plans_need_authentication(api):
    plan = DevelopmentPlanFactory()

    assert api.post(URL).status_code == 401
    assert api.get(URL).status_code == 401
    assert api.get(plan_url(plan)).status_code == 401
    assert api.patch(plan_url(plan), {"title": "x"}).status_code == 401
    assert api.delete(plan_url(plan)).status_code == 401
    assert DevelopmentPlan.objects.count() == 1


# --- list and detail ------------------------------------------------------------------------


def make_plan(user, *, phases=2, milestones=2, actions=2, done=0):
    plan = DevelopmentPlanFactory(user=user)
    count = 0
    for _ in range(phases):
        phase = PlanPhaseFactory(plan=plan)
        for _ in range(milestones):
            milestone = PlanMilestoneFactory(phase=phase)
            for _ in range(actions):
                PlanActionFactory(milestone=milestone, done_at=NOW if count < done else None)
                count += 1
    return plan


def test_the_list_has_every_version_with_action_counts(member):
    # given
    older = make_plan(member, phases=1, milestones=1, actions=3, done=1)
    newer = make_plan(member, phases=1, milestones=2, actions=2, done=0)
    make_plan(UserFactory())

    # when
    response = client_for(member).get(URL)

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert body["results"][0] == {
        "id": str(newer.pk),
        "version": newer.version,
        "title": newer.title,
        "summary": "Grow into a team lead.",
        "status": "ready",
        "starts_on": "2030-01-01",
        "assessment": None,
        "generation": None,
        "actions_total": 4,
        "actions_done": 0,
        "created_at": "2030-03-10T09:30:00Z",
        "updated_at": "2030-03-10T09:30:00Z",
    }
    assert [(r["id"], r["actions_total"], r["actions_done"]) for r in body["results"]] == [
        (str(newer.pk), 4, 0),
        (str(older.pk), 3, 1),
    ]


def test_the_list_query_count_does_not_grow(member, django_assert_num_queries):
    # given
    client = client_for(member)
    make_plan(member, phases=1, milestones=1, actions=1)
    client.get(URL)
    with django_assert_num_queries(3):
        client.get(URL)
    for _ in range(5):
        make_plan(member, phases=2, milestones=2, actions=3, done=2)

    # when / then
    with django_assert_num_queries(3):
        response = client.get(URL)
    assert len(response.json()["results"]) == 6


def test_the_detail_has_the_whole_tree_in_order(member):
    # given
    plan = DevelopmentPlanFactory(user=member, starts_on=dt.date(2030, 3, 1))
    later = PlanPhaseFactory(plan=plan, order=1, title="Later")
    first = PlanPhaseFactory(plan=plan, order=0, title="First", description="Start here.")
    milestone = PlanMilestoneFactory(phase=first, order=0, title="M", due_date=dt.date(2030, 3, 15))
    second = PlanActionFactory(milestone=milestone, order=1, title="B", due_in_days=9)
    done = PlanActionFactory(
        milestone=milestone,
        order=0,
        title="A",
        description="Do A.",
        due_in_days=3,
        due_date=dt.date(2030, 3, 4),
        progress=100,
        done_at=NOW,
    )

    # when
    response = client_for(member).get(plan_url(plan))

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["actions_total"], body["actions_done"]) == (str(plan.pk), 2, 1)
    assert body["phases"] == [
        {
            "id": str(first.pk),
            "order": 0,
            "title": "First",
            "description": "Start here.",
            "milestones": [
                {
                    "id": str(milestone.pk),
                    "order": 0,
                    "title": "M",
                    "description": "",
                    "due_date": "2030-03-15",
                    "actions": [
                        {
                            "id": str(done.pk),
                            "order": 0,
                            "title": "A",
                            "description": "Do A.",
                            "due_in_days": 3,
                            "due_date": "2030-03-04",
                            "progress": 100,
                            "done": True,
                            "done_at": "2030-03-10T09:30:00Z",
                        },
                        {
                            "id": str(second.pk),
                            "order": 1,
                            "title": "B",
                            "description": "",
                            "due_in_days": 9,
                            "due_date": "2030-03-08",
                            "progress": 0,
                            "done": False,
                            "done_at": None,
                        },
                    ],
                }
            ],
        },
        {"id": str(later.pk), "order": 1, "title": "Later", "description": "", "milestones": []},
    ]


def test_the_detail_query_count_does_not_grow(member, django_assert_num_queries):
    # given
    client = client_for(member)
    small = make_plan(member, phases=1, milestones=1, actions=1)
    big = make_plan(member, phases=4, milestones=3, actions=4, done=5)
    client.get(plan_url(small))

    # when / then
    with django_assert_num_queries(5):
        client.get(plan_url(small))
    with django_assert_num_queries(5):
        response = client.get(plan_url(big))
    assert response.json()["actions_total"] == 48


def test_another_members_plan_is_a_404(member):
    # given
    plan = make_plan(UserFactory())
    client = client_for(member)

    # when / then
    assert client.get(plan_url(plan)).status_code == 404
    assert client.patch(plan_url(plan), {"title": "Mine"}).status_code == 404
    assert client.delete(plan_url(plan)).status_code == 404
    plan.refresh_from_db()
    assert plan.title != "Mine"


# --- rename and delete ------------------------------------------------------------------------


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
