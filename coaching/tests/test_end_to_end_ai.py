"""The whole path once through the real openai client against a fake OpenAI-compatible
server on 127.0.0.1: the assessment is submitted and analysed, then a development plan is
generated from it and becomes rows the member checks off."""

import datetime as dt
import json

import pytest

from accounts.tests.helpers import client_for
from ai.models import Generation
from ai.tests.fake_openai import completion
from coaching.ai_features import ASSESSMENT_ANALYSIS, DEVELOPMENT_PLAN
from coaching.models import AssessmentResult, DevelopmentPlan, PlanAction, XPAward

from .factories import ChoiceFactory, QuestionFactory, QuestionnaireFactory

pytestmark = pytest.mark.django_db

ANALYSIS = {
    "summary": "A builder who plans before acting and learns by reading.",
    "strengths": ["Planning", "Focus"],
    "growth_areas": ["Delegation"],
    "archetype_insight": "You build systems.",
    "ai_learning_advice": "Read one guide a week, then try it.",
    "suggested_goals": [
        {"title": "Delegate weekly", "description": "One task a week.", "confidence": 0.7}
    ],
}

PLAN = {
    "title": "Builder to leader",
    "summary": "Delegate more, step by step.",
    "phases": [
        {
            "title": "Start",
            "description": "Small steps.",
            "milestones": [
                {
                    "title": "First hand-off",
                    "description": "",
                    "due_in_days": 7,
                    "actions": [
                        {"title": "List tasks", "description": "", "due_in_days": 1},
                        {"title": "Hand one off", "description": "", "due_in_days": 5},
                    ],
                }
            ],
        }
    ],
    "recommendations": [
        {"kind": "action", "title": "Read on delegation", "description": "", "confidence": 0.6}
    ],
}


@pytest.fixture
def questionnaire():
    q = QuestionnaireFactory(title="Small")
    start = QuestionFactory(questionnaire=q, key="start", order=1, type="single_choice")
    ChoiceFactory(question=start, value="plan", label="Plan", scores={"strategic_builder": 3})
    ChoiceFactory(question=start, value="story", label="Story", scores={"creative": 3})
    QuestionFactory(questionnaire=q, key="ai", order=2, type="scale", dimension="ai_interest")
    return q


@pytest.mark.usefixtures("premium_member")
def test_assessment_then_analysis_then_plan_through_the_openai_client(
    member, questionnaire, fake_openai, django_capture_on_commit_callbacks
):
    # given
    client = client_for(member)
    fake_openai.script(completion(json.dumps(ANALYSIS)), completion(json.dumps(PLAN)))

    # when: the assessment is submitted and analysed
    with django_capture_on_commit_callbacks(execute=True):
        submitted = client.post(
            "/api/v1/coaching/assessment/submit",
            {"version": questionnaire.version, "answers": {"start": "plan", "ai": 4}},
            format="json",
        )

    # then
    assert submitted.status_code == 202, submitted.json()
    result = AssessmentResult.objects.get(user=member)
    assert (result.analysis_status, result.analysis) == ("ready", ANALYSIS)

    # when: a plan is generated from it
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post("/api/v1/coaching/plans", {"focus": "Delegation"})

    # then
    assert accepted.status_code == 202
    plan = DevelopmentPlan.objects.get(pk=accepted.json()["id"])
    assert (plan.status, plan.title, plan.assessment) == ("ready", "Builder to leader", result)
    analysis_request, plan_request = fake_openai.received
    assert analysis_request.body["response_format"]["json_schema"]["name"] == (
        ASSESSMENT_ANALYSIS.schema_name
    )
    assert plan_request.body["response_format"]["json_schema"]["name"] == (
        DEVELOPMENT_PLAN.schema_name
    )
    prompt = plan_request.body["messages"][1]["content"]
    assert f"- archetype: {result.archetype}" in prompt
    assert f"- analysis: {ANALYSIS['summary']}" in prompt
    assert "- growth areas: Delegation" in prompt
    generations = Generation.objects.order_by("created_at")
    assert [(g.feature, g.provider, g.status) for g in generations] == [
        ("coaching.assessment_analysis", "openai", "succeeded"),
        ("coaching.development_plan", "openai", "succeeded"),
    ]

    detail = client.get(accepted.json()["status_url"]).json()
    [phase] = detail["phases"]
    [milestone] = phase["milestones"]
    assert [(a["title"], a["due_date"]) for a in milestone["actions"]] == [
        ("List tasks", (plan.starts_on + dt.timedelta(days=1)).isoformat()),
        ("Hand one off", (plan.starts_on + dt.timedelta(days=5)).isoformat()),
    ]
    recommendations = client.get("/api/v1/coaching/recommendations").json()["results"]
    assert [(r["kind"], r["title"], r["confidence_score"]) for r in recommendations] == [
        ("goal", "Delegate weekly", 0.7),
        ("action", "Read on delegation", 0.6),
    ]

    # when: the member applies the action recommendation and checks an action off
    applied = client.post(f"/api/v1/coaching/recommendations/{recommendations[1]['id']}/apply")
    first = PlanAction.objects.get(title="List tasks")
    done = client.patch(f"/api/v1/coaching/plans/{plan.pk}/actions/{first.pk}", {"done": True})

    # then
    assert (applied.status_code, done.status_code) == (200, 200)
    assert PlanAction.objects.filter(plan=plan).count() == 3
    assert XPAward.objects.filter(user=member, source_id=f"plan_action:{first.pk}").exists()
    listed = client.get("/api/v1/coaching/plans").json()["results"]
    assert [(p["actions_total"], p["actions_done"]) for p in listed] == [(3, 1)]
