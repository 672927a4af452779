"""What the offline provider answers for every registered feature: valid for the feature's
schema whatever the input, the same for the same input, and written from the input and the
member's context in readable English: titles from the request, dates spread over the
horizon asked for, no slugs."""

import datetime as dt
import json
import re

import pytest
import time_machine

from accounts.tests.helpers import client_for
from ai import features
from ai.features import strict_json_schema
from ai.models import Generation
from ai.providers import OfflineProvider, ProviderRequest
from ai.tests.schemas import Plan
from coaching.ai_offline import development_plan, roadmap
from coaching.models import DevelopmentPlan, PlanAction, PlanMilestone
from coaching.tests.factories import AssessmentResultFactory, GoalFactory

NOW = dt.datetime(2030, 3, 10, 9, 30, tzinfo=dt.UTC)
TODAY = NOW.date()
CONTEXT = {
    "time_zone": "Europe/Paris",
    "today": "2030-03-10",
    "preferences": {"coaching_style": "Direct", "focus_areas": ["Leadership", "AI skills"]},
    "onboarding": {
        "skills": ["Negotiation", "Storytelling"],
        "challenges": ["Saying no"],
        "experience_level": "Intermediate",
        "practice_frequency": "Once a week",
    },
    "assessment": {
        "archetype": "people_connector",
        "scores": [{"dimension": "people_connector", "score": 84}],
        "learning_style": "community",
        "ai_interest": 70,
        "taken_on": "2030-03-01",
    },
    "goals": [{"title": "Lead the Lisbon office", "status": "active", "target_date": "2030-09-01"}],
}
# What each feature is asked in the app; a feature missing here is still answered from the
# generic inputs below (every feature is covered the day it is registered).
INPUTS = {
    "conversations.character": {
        "scenario": {
            "slug": "bookstore",
            "title": "Bookstore browsing",
            "setting": "bookstore",
            "description": "A rainy Saturday; someone is browsing the travel shelf.",
            "target": "social",
        },
        "difficulty": "red",
    },
    "conversations.coach_title": {
        "conversation_id": "7c0c2a57-3f7e-4a43-9b7d-2f1f5d0e9a11",
        "question": "How do I move from teaching into product design?",
        "answer": "Start with a portfolio of two small projects and talk to three designers.",
    },
    "conversations.feedback": {
        "scenario": {
            "title": "Coffee shop",
            "setting": "coffee_shop",
            "description": "A quiet morning.",
            "target": "romantic",
        },
        "partner_name": "Maya",
        "difficulty": "yellow",
        "playful_applies": True,
        "transcript": [
            {
                "ref": "p1",
                "role": "partner",
                "content": "Oh, hi! Was I in your way?",
                "message_id": "m1",
            },
            {
                "ref": "u1",
                "role": "member",
                "content": "Not at all. Is that book any good?",
                "message_id": "m2",
            },
            {
                "ref": "p2",
                "role": "partner",
                "content": "It's a mystery set in Lisbon.",
                "message_id": "m3",
            },
            {
                "ref": "u2",
                "role": "member",
                "content": "I got lost in Lisbon once. What made you pick it?",
                "message_id": "m4",
            },
        ],
    },
    "ai.text_summary": {"text": "Tea is grown on hills. It is picked by hand."},
    "conversations.scenario_context": {
        "scenario": {
            "slug": "coffee-shop",
            "title": "Coffee shop",
            "setting": "coffee_shop",
            "setting_label": "Coffee shop",
            "description": "A quiet morning; the person at the next table is reading.",
            "target": "social",
        },
        "difficulty": "yellow",
        "tips": ["Comment on something you can both see."],
    },
    "coaching.assessment_analysis": {
        "archetype": "strategic_builder",
        "scores": [
            {"dimension": "strategic_builder", "score": 89},
            {"dimension": "creative_storyteller", "score": 25},
            {"dimension": "people_connector", "score": 40},
            {"dimension": "ai_interest", "score": 60},
            {"dimension": "learning_reading", "score": 100},
        ],
        "ai_interest": 60,
        "learning_style": "reading",
        "answers": [{"question": "How do you start?", "type": "text", "answer": "With a plan."}],
    },
    "coaching.development_plan": {
        "starts_on": "2030-03-10",
        "assessment": {
            "taken_on": "2030-03-10",
            "archetype": "strategic_builder",
            "scores": [{"dimension": "strategic_builder", "score": 80}],
            "learning_style": "hands_on",
            "ai_interest": 60,
            "summary": "A planner who learns by doing.",
            "strengths": ["Planning"],
            "growth_areas": ["Delegation", "Public speaking"],
        },
        "goals": [{"title": "Become a team lead", "target_date": "2030-09-01"}],
        "focus": "Leadership",
    },
    "coaching.tool_roadmap": {
        "kind": "roadmap",
        "prompt": "I teach maths and want to move into product management.",
        "options": {"target_role": "Product manager", "horizon_months": 12},
    },
    "coaching.tool_brand": {
        "kind": "brand",
        "prompt": "Former teacher moving into UX research",
        "options": {"audience": "Startup founders"},
    },
    "coaching.tool_content": {
        "kind": "content",
        "prompt": "Lessons from my first month learning SQL as a career changer",
        "options": {"channel": "x", "tone": "friendly"},
    },
    "coaching.tool_document": {
        "kind": "document",
        "prompt": "A cover letter for a junior data analyst role",
        "options": {"doc_type": "cover_letter"},
    },
    "community.connection_reasons": {
        "member": {"goals": ["Grow my career"], "skills": ["Negotiation"], "industry": "Fintech"},
        "candidates": [
            {
                "member_id": "0b9f1c4e-0000-4000-8000-000000000001",
                "headline": "Product lead at a bank",
                "position": "Product lead",
                "industry": "Fintech",
                "tier": "",
                "shared_goals": ["Grow my career"],
                "shared_skills": ["Negotiation"],
                "same_industry": True,
                "tier_match": "",
            },
            {
                "member_id": "0b9f1c4e-0000-4000-8000-000000000002",
                "headline": "Designer",
                "position": "",
                "industry": "",
                "tier": "",
                "shared_goals": [],
                "shared_skills": [],
                "same_industry": False,
                "tier_match": "same",
            },
        ],
    },
    "community.profile_optimize": {
        "profile": {
            "display_name": "Ada",
            "headline": "Analyst. Writes about engines.",
            "company": "",
            "position": "",
            "industry": "",
            "focus_areas": [],
        },
        "goals": ["Grow my career"],
        "skills": ["Negotiation", "Storytelling"],
        "experience_level": "advanced",
        "tier": "",
        "focus": "Meet investors.",
    },
}
ODD_INPUTS = [{}, {"prompt": "", "options": None, "goals": "not a list", "scores": [1, None]}]
# Enum values and ids, which are slugs by design.
CODES = {
    "channel",
    "doc_type",
    "member_id",
    "field",
    "kind",
    "key",
    "dimension",
    "mood",
    "body_language",
}
# The current value of an empty profile field.
MAY_BE_EMPTY = {"current"}
SLUG = re.compile(r"\b[a-z]+_[a-z_]+\b")
STRUCTURED = [feature for feature in features.all_features() if feature.structured]


def answer(feature, inputs, context=None) -> dict:
    request = ProviderRequest(
        model="offline",
        messages=[{"role": "user", "content": "Go."}],
        json_schema=feature.json_schema,
        schema_name=feature.schema_name,
        inputs=inputs,
        member_context=context,
        offline=feature.offline,
    )
    return feature.parse(OfflineProvider().complete(request).content)


def altered(value):
    """``value`` with every text changed."""
    if isinstance(value, dict):
        return {name: altered(item) for name, item in value.items()}
    if isinstance(value, list):
        return [altered(item) for item in value]
    if isinstance(value, str) and value:
        return f"{value} (revised)"
    return value


def prose(value, key=""):
    """Every string an answer shows a person, with the key it sits under."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from prose(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from prose(item, key)
    elif isinstance(value, str) and key not in CODES:
        yield key, value


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("context", [None, CONTEXT], ids=["no context", "context"])
@pytest.mark.parametrize("feature", STRUCTURED, ids=lambda feature: feature.name)
def test_every_feature_gets_a_valid_readable_answer_the_same_for_the_same_input(feature, context):
    # given
    inputs = INPUTS.get(feature.name, {"text": "A sentence about the subject."})

    # when
    first = answer(feature, inputs, context)
    again = answer(feature, json.loads(json.dumps(inputs)), context)

    # then
    assert first == again
    for key, text in prose(first):
        assert text.strip() or key in MAY_BE_EMPTY, key
        assert not SLUG.search(text), (key, text)
        assert "lorem" not in text.lower()
        assert not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text), (key, text)


@pytest.mark.parametrize("inputs", ODD_INPUTS, ids=["empty", "malformed"])
@pytest.mark.parametrize("feature", STRUCTURED, ids=lambda feature: feature.name)
def test_every_feature_answers_odd_input_validly(feature, inputs):
    assert answer(feature, inputs)
    assert answer(feature, inputs, CONTEXT)


@pytest.mark.parametrize(
    "feature", [f for f in STRUCTURED if f.offline is not None], ids=lambda f: f.name
)
def test_another_request_gets_another_answer(feature):
    # given
    inputs = INPUTS.get(feature.name, {})
    other = altered(inputs)

    # when / then
    assert answer(feature, inputs, CONTEXT) != answer(feature, other, CONTEXT)


@pytest.mark.parametrize(
    "focus", ["Leadership", "Public speaking", "Become a better manager", "Delegation", ""]
)
def test_a_plan_has_phases_milestones_and_actions_due_in_order_within_its_horizon(focus):
    # given: the furthest goal is 175 days after the start
    inputs = {**INPUTS["coaching.development_plan"], "focus": focus}

    # when
    plan = development_plan(inputs=inputs, context=CONTEXT)

    # then
    assert 3 <= len(plan["phases"]) <= 4
    dues = []
    for phase in plan["phases"]:
        assert 2 <= len(phase["milestones"]) <= 3
        for milestone in phase["milestones"]:
            assert 2 <= len(milestone["actions"]) <= 4
            actions = [action["due_in_days"] for action in milestone["actions"]]
            assert milestone["due_in_days"] == actions[-1]
            dues.extend(actions)
    assert dues == sorted(set(dues)), "due dates move forward, one step at a time"
    assert dues[0] >= 1
    assert dues[-1] == (dt.date(2030, 9, 1) - dt.date(2030, 3, 10)).days
    assert plan["title"].startswith(focus or "Become a team lead")
    assert "week" in plan["title"]


def test_a_plan_without_goals_spans_twelve_weeks_and_names_the_growth_areas():
    # given
    inputs = {**INPUTS["coaching.development_plan"], "goals": [], "focus": ""}

    # when
    plan = development_plan(inputs=inputs, context=None)

    # then
    last = plan["phases"][-1]["milestones"][-1]["due_in_days"]
    assert (last, plan["title"]) == (84, "Delegation: a 12-week plan")
    assert "public speaking" in plan["summary"]


@pytest.mark.parametrize("months", range(1, 37))
def test_a_roadmap_fills_the_horizon_asked_for(months):
    # when
    stages = roadmap(
        inputs={"prompt": "Into data.", "options": {"horizon_months": months}}, context=None
    )["stages"]

    # then
    weeks = [stage["duration_weeks"] for stage in stages]
    assert 3 <= len(stages) <= 6
    assert sum(weeks) == max(3, round(months * 52 / 12))
    assert max(weeks) - min(weeks) <= 1


def test_a_twelve_month_roadmap_to_a_role_reads_like_one():
    # when
    result = roadmap(inputs=INPUTS["coaching.tool_roadmap"], context=CONTEXT)

    # then
    assert result["title"] == "Roadmap to product manager in 12 months"
    assert [stage["duration_weeks"] for stage in result["stages"]] == [10, 10, 10, 11, 11]
    assert [stage["title"] for stage in result["stages"]] == [
        "Explore what a product manager does",
        "Learn the core skills of a product manager",
        "Practise product manager work on real problems",
        "Build a portfolio of product manager work",
        "Apply for product manager roles and interview",
    ]
    assert result["summary"].endswith("Each stage is planned for one longer session a week.")


def test_the_generic_answer_is_made_of_words_not_slugs_or_dates():
    # given: a schema no feature declares an offline answer for, inputs without prose
    request = ProviderRequest(
        model="offline",
        messages=[{"role": "user", "content": "Go."}],
        json_schema=strict_json_schema(Plan),
        schema_name="plan",
        inputs={"starts_on": "2030-01-01", "style": "hands_on", "level": 3},
    )

    # when
    plan = Plan.model_validate_json(OfflineProvider().complete(request).content)

    # then
    assert plan.title == "Hands on"
    assert {action.title for m in plan.milestones for action in m.actions} == {"Hands on"}
    assert {action.effort_hours for m in plan.milestones for action in m.actions} <= set(
        range(1, 11)
    )


@pytest.mark.django_db
def test_an_offline_plan_through_the_api_is_due_from_today_within_its_horizon(
    premium_member, offline_ai, django_capture_on_commit_callbacks
):
    # given
    AssessmentResultFactory(user=premium_member)
    GoalFactory(user=premium_member, title="Become a team lead", target_date=dt.date(2030, 6, 2))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(premium_member).post(
            "/api/v1/coaching/plans", {"focus": "Leadership"}, format="json"
        )

    # then
    assert response.status_code == 202
    plan = DevelopmentPlan.objects.get()
    assert (plan.status, plan.title) == ("ready", "Leadership: a 12-week plan")
    dues = list(
        PlanAction.objects.filter(plan=plan)
        .order_by("milestone__phase__order", "milestone__order", "order")
        .values_list("due_date", flat=True)
    )
    assert dues == sorted(dues)
    assert TODAY < dues[0] and dues[-1] == dt.date(2030, 6, 2)
    milestones = PlanMilestone.objects.filter(phase__plan=plan)
    assert all(TODAY < milestone.due_date <= dues[-1] for milestone in milestones)
    assert Generation.objects.get().member_context["goals"] == [
        {"title": "Become a team lead", "status": "active", "target_date": "2030-06-02"}
    ]
