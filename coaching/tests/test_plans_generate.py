"""Development plans: POST generates one asynchronously (202, rows once the generation
finishes), regenerating keeps earlier versions."""

import datetime as dt
import json

import pytest
import time_machine

from accounts.tests.helpers import client_for, errors_of
from ai.models import Generation, QuotaUsage
from ai.tests.fake_openai import completion, error
from coaching.ai_features import DEVELOPMENT_PLAN, DevelopmentPlanDraft
from coaching.models import (
    DevelopmentPlan,
    PlanAction,
    PlanPhase,
    Recommendation,
)

from .factories import (
    AssessmentResultFactory,
    DevelopmentPlanFactory,
    GoalFactory,
)
from .plans_helpers import ANSWER, NOW, TODAY, URL, plan_url

# The offline AI provider and known quotas (conftest.py), a frozen clock, and a member on
# the premium plan, which includes development plans (test_entitlements.py: the others).
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("offline_ai", "plans_now", "premium_member"),
]


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
    generation = Generation.objects.get()
    assert request.body["messages"] == DEVELOPMENT_PLAN.render(
        generation.input, generation.member_context
    )
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
