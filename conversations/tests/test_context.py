import pytest

from accounts.tests.factories import OnboardingFactory
from ai.models import Generation
from conversations.ai_features import SCENARIO_CONTEXT, ScenarioContext

from .factories import ScenarioFactory

pytestmark = pytest.mark.django_db


def url(slug: str) -> str:
    return f"/api/v1/conversations/scenarios/{slug}/context"


@pytest.mark.parametrize("key", ["difficulty", "difficulty_level"])
def test_context_is_generated_offline(
    adult, member_api, offline_ai, key, django_capture_on_commit_callbacks
):
    # given
    scenario = ScenarioFactory(setting="museum", title="Art museum encounter")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(url(scenario.slug), {key: "red"}, format="json")

    # then
    assert response.status_code == 202
    body = response.json()
    generation = Generation.objects.get(pk=body["id"])
    assert body["generation"]["id"] == body["id"]
    assert body["status_url"].endswith(f"/api/v1/ai/generations/{generation.pk}")
    assert generation.feature == SCENARIO_CONTEXT.name
    assert generation.input["difficulty"] == "red"
    generation.refresh_from_db()
    assert generation.status == "succeeded"
    output = ScenarioContext.model_validate(generation.output)
    assert output.situation.startswith("Art museum encounter: you are at a museum.")
    assert output.tips[:2] == ["Read the signals first.", "Exit gracefully."]


def test_the_offline_context_is_deterministic(
    adult, member_api, offline_ai, django_capture_on_commit_callbacks
):
    # given
    scenario = ScenarioFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = member_api.post(url(scenario.slug), {"difficulty": "green"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        second = member_api.post(url(scenario.slug), {"difficulty": "green"}, format="json")

    # then
    outputs = [Generation.objects.get(pk=r.json()["id"]).output for r in (first, second)]
    assert outputs[0] is not None
    assert outputs[0] == outputs[1]


def test_an_idempotency_key_replays_the_first_answer(adult, member_api, offline_ai):
    # given
    scenario = ScenarioFactory()
    headers = {"HTTP_IDEMPOTENCY_KEY": "context-1"}

    # when
    first = member_api.post(url(scenario.slug), {"difficulty": "green"}, format="json", **headers)
    again = member_api.post(url(scenario.slug), {"difficulty": "green"}, format="json", **headers)

    # then
    assert again.status_code == 202
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Generation.objects.count() == 1


def test_an_under_age_member_is_refused(member, member_api, offline_ai):
    # given
    OnboardingFactory(user=member, is_adult=False)
    scenario = ScenarioFactory()

    # when
    response = member_api.post(url(scenario.slug), {"difficulty": "green"}, format="json")

    # then
    assert response.status_code == 403
    assert [e["code"] for e in response.json()["errors"]] == ["age_restricted"]
    assert Generation.objects.count() == 0


def test_a_member_without_the_age_check_is_refused(member_api, offline_ai):
    scenario = ScenarioFactory()

    response = member_api.post(url(scenario.slug), {"difficulty": "green"}, format="json")

    assert response.status_code == 403
    assert [e["code"] for e in response.json()["errors"]] == ["age_restricted"]


def test_a_premium_scenario_needs_the_premium_plan(adult, member_api, offline_ai):
    # given
    scenario = ScenarioFactory(premium=True)

    # when
    response = member_api.post(url(scenario.slug), {"difficulty": "green"}, format="json")

    # then
    assert response.status_code == 403
    assert [e["code"] for e in response.json()["errors"]] == ["plan_required"]
    assert Generation.objects.count() == 0


def test_a_premium_member_gets_a_premium_scenario_context(
    adult, member_api, offline_ai, grant_plan
):
    # given
    grant_plan(adult)
    scenario = ScenarioFactory(premium=True)

    # when
    response = member_api.post(url(scenario.slug), {"difficulty": "yellow"}, format="json")

    # then
    assert response.status_code == 202


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "required"),
        ({"difficulty": "purple"}, "invalid_choice"),
        ({"difficulty_level": "purple"}, "invalid_choice"),
        ({"difficulty": None}, "null"),
    ],
)
def test_a_bad_difficulty_is_a_400_naming_it(adult, member_api, offline_ai, body, code):
    # given
    scenario = ScenarioFactory()

    # when
    response = member_api.post(url(scenario.slug), body, format="json")

    # then
    assert response.status_code == 400
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [(code, "difficulty")]


def test_context_needs_a_member(api):
    scenario = ScenarioFactory()

    assert api.post(url(scenario.slug), {"difficulty": "green"}, format="json").status_code == 401


@pytest.mark.parametrize("slug", ["nothing-here", "retired"])
def test_an_unknown_or_inactive_scenario_is_a_404(adult, member_api, offline_ai, slug):
    ScenarioFactory(slug="retired", active=False)

    response = member_api.post(url(slug), {"difficulty": "green"}, format="json")

    assert response.status_code == 404


def test_the_ai_quota_is_a_429(adult, member_api, offline_ai, settings):
    # given
    settings.AI_QUOTAS = {"free": {"*": 1}}
    scenario = ScenarioFactory()
    member_api.post(url(scenario.slug), {"difficulty": "green"}, format="json")

    # when
    response = member_api.post(url(scenario.slug), {"difficulty": "green"}, format="json")

    # then
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "quota_exceeded"
