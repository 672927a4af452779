"""Every AI-made object of coaching carries ``ai: {provider, model, generated_at}`` (null
when a person made it): plans, recommendations, assessment results, artifacts and the
version an artifact's tool wrote, without a query more per row on the lists."""

import importlib

import pytest
from django.apps import apps
from rest_framework import serializers

from accounts.tests.helpers import client_for
from ai.models import Generation
from ai.tests.factories import GenerationFactory
from coaching.models import DevelopmentPlan, Recommendation

from .factories import (
    ROADMAP_CONTENT,
    ArtifactFactory,
    AssessmentResultFactory,
    DevelopmentPlanFactory,
    GoalFactory,
    RecommendationFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline_ai")]

PLANS = "/api/v1/coaching/plans"
RECOMMENDATIONS = "/api/v1/coaching/recommendations"
RESULTS = "/api/v1/coaching/assessment/results"
TOOLS = "/api/v1/coaching/tools"


def iso(value) -> str:
    return serializers.DateTimeField().to_representation(value)


def made_by(generation: Generation) -> dict:
    return {"provider": "offline", "model": "offline", "generated_at": iso(generation.finished_at)}


def test_a_generated_plan_and_its_recommendations_say_who_wrote_them(
    premium_member, django_capture_on_commit_callbacks
):
    # given
    AssessmentResultFactory(user=premium_member)
    GoalFactory(user=premium_member, title="Become a team lead")
    client = client_for(premium_member)
    with django_capture_on_commit_callbacks(execute=True):
        plan_id = client.post(PLANS, {"focus": "Leadership"}, format="json").json()["id"]
    generation = Generation.objects.get()

    # when
    detail = client.get(f"{PLANS}/{plan_id}").json()
    listed = client.get(PLANS).json()["results"]
    recommendations = client.get(RECOMMENDATIONS).json()["results"]

    # then
    assert detail["ai"] == listed[0]["ai"] == made_by(generation)
    assert recommendations
    assert {str(r["plan"]) for r in recommendations} == {plan_id}
    assert [r["ai"] for r in recommendations] == [made_by(generation)] * len(recommendations)

    # when: the plan is deleted, its recommendations stay, still the AI's
    assert client.delete(f"{PLANS}/{plan_id}").status_code == 204
    kept = client.get(RECOMMENDATIONS).json()["results"]

    # then
    assert [(r["plan"], r["ai"]) for r in kept] == [(None, made_by(generation))] * len(kept)


def test_a_plan_being_generated_has_no_date_yet_and_one_without_a_generation_is_null(member):
    # given
    running = GenerationFactory(
        user=member,
        feature="coaching.development_plan",
        status="running",
        output=None,
        finished_at=None,
        provider="openai",
        model="gpt-4.1",
    )
    pending = DevelopmentPlanFactory(user=member, status="pending", generation=running)
    by_hand = DevelopmentPlanFactory(user=member)

    # when
    plans = {row["id"]: row["ai"] for row in client_for(member).get(PLANS).json()["results"]}

    # then
    assert plans == {
        str(pending.pk): {"provider": "openai", "model": "gpt-4.1", "generated_at": None},
        str(by_hand.pk): None,
    }


def test_the_analysis_of_a_result_says_who_wrote_it(member):
    # given
    generation = GenerationFactory(user=member, feature="coaching.assessment_analysis")
    analysed = AssessmentResultFactory(user=member, generation=generation, analysis_status="ready")
    client = client_for(member)

    # when
    latest = client.get(RESULTS).json()
    history = client.get(f"{RESULTS}/history").json()["results"]

    # then
    assert latest["ai"] == made_by(generation)
    assert [(row["id"], row["ai"]) for row in history] == [(str(analysed.pk), made_by(generation))]


def test_an_artifact_and_the_version_its_tool_wrote_say_who_wrote_them(member):
    # given
    generation = GenerationFactory(user=member, feature="coaching.tool_roadmap")
    artifact = ArtifactFactory(user=member, generation=generation)
    client = client_for(member)
    url = f"{TOOLS}/roadmap/{artifact.pk}"
    for title in ("Edited once", "Edited twice"):
        assert client.patch(url, {"title": title}, format="json").status_code == 200

    # when
    detail = client.get(url).json()
    listed = client.get(f"{TOOLS}/roadmap").json()["results"]
    versions = client.get(f"{url}/versions").json()["results"]

    # then
    assert detail["ai"] == listed[0]["ai"] == made_by(generation)
    assert [(v["version"], v["title"], v["ai"]) for v in versions] == [
        (2, "Edited once", None),
        (1, ROADMAP_CONTENT["title"], made_by(generation)),
    ]


def test_an_artifact_another_member_made_is_not_found(member, other_member):
    # given
    artifact = ArtifactFactory(user=other_member, generation=GenerationFactory(user=other_member))

    # when / then
    assert client_for(member).get(f"{TOOLS}/roadmap/{artifact.pk}").status_code == 404


def test_the_provenance_needs_authentication(api):
    assert api.get(PLANS).status_code == 401
    assert api.get(f"{TOOLS}/roadmap").status_code == 401


def _generated(user, feature: str) -> Generation:
    return GenerationFactory(user=user, feature=feature)


@pytest.mark.parametrize(
    ("url", "queries", "make"),
    [
        (
            PLANS,
            3,
            lambda user: DevelopmentPlanFactory(
                user=user, generation=_generated(user, "coaching.development_plan")
            ),
        ),
        (
            RECOMMENDATIONS,
            3,
            lambda user: RecommendationFactory(
                user=user, generation=_generated(user, "coaching.assessment_analysis")
            ),
        ),
        (
            f"{RESULTS}/history",
            2,
            lambda user: AssessmentResultFactory(
                user=user, generation=_generated(user, "coaching.assessment_analysis")
            ),
        ),
        (
            f"{TOOLS}/roadmap",
            2,
            lambda user: ArtifactFactory(user=user, generation=_generated(user, "ai.text")),
        ),
    ],
    ids=["plans", "recommendations", "results", "artifacts"],
)
def test_lists_of_ai_made_objects_take_no_query_more_per_row(
    member, url, queries, make, django_assert_num_queries
):
    # given
    client = client_for(member)
    make(member)
    client.get(url)
    with django_assert_num_queries(queries):
        client.get(url)
    for _ in range(12):
        make(member)

    # when / then
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    assert all(row["ai"]["provider"] == "offline" for row in response.json()["results"])


def test_the_migration_links_existing_recommendations_to_their_generations(member):
    # given
    analysis = GenerationFactory(user=member, feature="coaching.assessment_analysis")
    planned = GenerationFactory(user=member, feature="coaching.development_plan")
    result = AssessmentResultFactory(user=member, generation=analysis)
    plan = DevelopmentPlanFactory(user=member, assessment=result, generation=planned)
    from_plan = RecommendationFactory(user=member, assessment=result, plan=plan)
    from_analysis = RecommendationFactory(user=member, assessment=result)
    by_hand = RecommendationFactory(user=member)
    migration = importlib.import_module("coaching.migrations.0004_provenance")

    # when
    migration.link_generations(apps, None)

    # then
    linked = dict(Recommendation.objects.values_list("pk", "generation"))
    assert linked == {
        from_plan.pk: planned.pk,
        from_analysis.pk: analysis.pk,
        by_hand.pk: None,
    }
    assert DevelopmentPlan.objects.get().generation == planned
