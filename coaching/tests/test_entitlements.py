"""What a plan gates in coaching: generating development plans (``coaching.plans``) and the
career tools (``coaching.tools``), wherever a generation starts (the plan and tool POSTs, a
retried generation). A member without them is refused with 403 ``plan_required`` naming the
plan, before anything is made or counted; what a member already has stays theirs to read,
edit, export and delete on any plan."""

import json

import pytest

from accounts.tests.helpers import client_for
from ai.models import Generation, QuotaUsage
from ai.tests.factories import GenerationFactory
from ai.tests.fake_openai import completion, error
from billing.services import grant_end
from coaching.models import Artifact, DevelopmentPlan

from .factories import ArtifactFactory, AssessmentResultFactory, ProjectFactory
from .plans_helpers import ANSWER, URL, make_plan, plan_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline_ai")]

TOOLS = "/api/v1/coaching/tools"
PLAN_REQUIRED = {
    "type": "client_error",
    "errors": [
        {
            "code": "plan_required",
            "detail": "This needs the premium plan; see GET /api/v1/billing/plans to upgrade.",
            "attr": None,
        }
    ],
}
GENERATING = [
    (URL, {"focus": "Leadership"}),
    (f"{TOOLS}/roadmap/generate", {"prompt": "Become a PM", "horizon_months": 12}),
    (f"{TOOLS}/brand/generate", {"prompt": "Me", "audience": "Fintech"}),
    (f"{TOOLS}/content/generate", {"prompt": "A post", "channel": "blog"}),
    (f"{TOOLS}/document/generate", {"prompt": "My CV", "doc_type": "cv"}),
]


@pytest.mark.parametrize(("path", "body"), GENERATING, ids=[p for p, _ in GENERATING])
def test_a_free_member_is_refused_every_generation_naming_the_plan(member, path, body):
    # given: everything the generation needs
    AssessmentResultFactory(user=member)

    # when
    response = client_for(member).post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    # then: refused, nothing made, no quota taken
    assert response.status_code == 403
    assert response.json() == PLAN_REQUIRED
    assert (DevelopmentPlan.objects.count(), Artifact.objects.count()) == (0, 0)
    assert (Generation.objects.count(), QuotaUsage.objects.count()) == (0, 0)


@pytest.mark.parametrize(("path", "body"), GENERATING[1:2] + GENERATING[:1])
def test_the_plan_is_asked_before_the_input_is_read(member, path, body):
    response = client_for(member).post(path, {"project": ["x"], "starts_on": "nope"}, format="json")

    assert response.status_code == 403
    assert response.json() == PLAN_REQUIRED


@pytest.mark.parametrize(("path", "body"), GENERATING, ids=[p for p, _ in GENERATING])
def test_anonymous_callers_get_a_401_not_a_plan_refusal(api, path, body):
    response = api.post(path, body, format="json")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"


@pytest.mark.parametrize(("path", "body"), GENERATING, ids=[p for p, _ in GENERATING])
def test_a_premium_member_generates(premium_member, path, body, django_capture_on_commit_callbacks):
    AssessmentResultFactory(user=premium_member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(premium_member).post(path, body, format="json")

    assert response.status_code == 202
    assert Generation.objects.get().status == "succeeded"


def test_what_a_downgraded_member_made_stays_theirs(member):
    # given: a plan and an artifact made while on premium, and the member now free
    plan = make_plan(member, phases=1, milestones=1, actions=1)
    action = plan.actions.get()
    artifact = ArtifactFactory(user=member, project=ProjectFactory(user=member))
    client = client_for(member)
    detail = f"{TOOLS}/roadmap/{artifact.pk}"

    # when / then: read, edit, export and delete, each allowed
    assert client.get(URL).json()["count"] == 1
    assert client.get(plan_url(plan)).status_code == 200
    assert client.patch(plan_url(plan), {"title": "Mine"}, format="json").status_code == 200
    assert (
        client.patch(f"{plan_url(plan)}/actions/{action.pk}", {"done": True}, format="json")
    ).status_code == 200
    assert client.get(f"{TOOLS}/roadmap").json()["results"][0]["id"] == str(artifact.pk)
    assert client.patch(detail, {"title": "Renamed"}, format="json").status_code == 200
    exported = client.get(f"{detail}/export", {"format": "json"})
    assert (exported.status_code, exported.json()["title"]) == (200, "Renamed")
    assert client.get(f"{detail}/versions").status_code == 200
    assert client.delete(detail).status_code == 204
    assert client.delete(plan_url(plan)).status_code == 204
    assert (DevelopmentPlan.objects.count(), Artifact.objects.count()) == (0, 0)


def test_a_failed_plan_generation_is_retried_only_on_a_plan_that_includes_it(
    member, grant_plan, fake_openai, django_capture_on_commit_callbacks
):
    # given: a plan whose generation failed while the member was on premium
    AssessmentResultFactory(user=member)
    grant = grant_plan(member, "premium")
    client = client_for(member)
    fake_openai.script(error(500))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL)
    plan = DevelopmentPlan.objects.get()
    assert plan.status == "failed"
    retry = f"/api/v1/ai/generations/{plan.generation_id}/retry"

    # when: the member is free again and retries it
    grant_end(grant=grant)
    refused = client.post(retry, HTTP_IDEMPOTENCY_KEY="r1")

    # then: refused, and nothing ran or was counted (the failure's units came back)
    assert refused.status_code == 403
    assert refused.json() == PLAN_REQUIRED
    plan.generation.refresh_from_db()
    assert (plan.generation.status, plan.generation.quota_day) == ("failed", None)
    assert QuotaUsage.objects.get(user=member).used == 0

    # when: back on premium
    grant_plan(member, "premium")
    fake_openai.script(completion(json.dumps(ANSWER)))
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(retry, HTTP_IDEMPOTENCY_KEY="r2")

    # then
    assert accepted.status_code == 202
    plan.refresh_from_db()
    assert (plan.status, plan.title) == ("ready", ANSWER["title"])


def test_a_generation_of_a_free_feature_is_retried_on_any_plan(
    member, fake_openai, django_capture_on_commit_callbacks
):
    # given: a failed summary (the gateway's own feature needs no plan)
    generation = GenerationFactory(user=member, failed=True)
    fake_openai.script(completion(json.dumps({"title": "Tea", "bullets": ["Hills."]})))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(f"/api/v1/ai/generations/{generation.pk}/retry")

    # then
    assert response.status_code == 202
    generation.refresh_from_db()
    assert generation.status == "succeeded"
