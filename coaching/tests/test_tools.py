"""The AI tools: generate (async, idempotent, within the quota), list, read, edit with a
version history, delete."""

import pytest

from accounts.tests.helpers import client_for, errors_of
from ai.models import Generation, QuotaUsage
from coaching.ai_features import TOOL_FEATURES
from coaching.models import Artifact, ArtifactVersion

from .factories import ROADMAP_CONTENT, ArtifactFactory, ProjectFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/coaching/tools"

OPTIONS = {
    "roadmap": {"target_role": "Product manager", "horizon_months": 12},
    "brand": {"audience": "Hiring managers in fintech"},
    "content": {"channel": "blog", "tone": "friendly"},
    "document": {"doc_type": "cover_letter"},
}


@pytest.fixture(autouse=True)
def _ai_settings(offline_ai):
    """The offline provider and known quotas (conftest.py)."""


def detail_url(kind, artifact_id) -> str:
    return f"{BASE}/{kind}/{artifact_id}"


# --- generate -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["roadmap", "brand", "content", "document"])
@pytest.mark.usefixtures("premium_member")
def test_each_tool_generates_a_ready_artifact(kind, member, django_capture_on_commit_callbacks):
    # given
    project = ProjectFactory(user=member)
    body = {"prompt": "I lead a support team. I want to move on.", "project": str(project.pk)}

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(
            f"{BASE}/{kind}/generate", {**body, **OPTIONS[kind]}, format="json"
        )

    # then
    artifact = Artifact.objects.get()
    generation = Generation.objects.get()
    assert response.status_code == 202
    assert response.json() == {
        "id": str(artifact.pk),
        "status": "pending",
        "status_url": f"http://testserver{detail_url(kind, artifact.pk)}",
        "generation": {
            "id": str(generation.pk),
            "status": "queued",
            "status_url": f"http://testserver/api/v1/ai/generations/{generation.pk}",
        },
    }
    assert response["Location"] == f"http://testserver{detail_url(kind, artifact.pk)}"
    assert (generation.feature, generation.status) == (f"coaching.tool_{kind}", "succeeded")
    assert generation.input == {"kind": kind, "prompt": body["prompt"], "options": OPTIONS[kind]}
    assert (artifact.user, artifact.project, artifact.kind) == (member, project, kind)
    assert (artifact.status, artifact.version, artifact.options) == ("ready", 1, OPTIONS[kind])
    TOOL_FEATURES[kind].schema.model_validate(artifact.content)
    assert artifact.title == artifact.content["title"]
    assert QuotaUsage.objects.get(user=member, feature=f"coaching.tool_{kind}").used == 1
    polled = client_for(member).get(response.json()["status_url"])
    assert polled.status_code == 200
    assert polled.json()["status"] == "ready"
    assert polled.json()["content"] == artifact.content


@pytest.mark.parametrize(
    ("kind", "field", "value"), [("content", "channel", "blog"), ("document", "doc_type", "cv")]
)
@pytest.mark.usefixtures("premium_member")
def test_the_chosen_channel_or_document_type_is_kept(
    kind, field, value, member, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        client_for(member).post(
            f"{BASE}/{kind}/generate", {"prompt": "About me.", field: value}, format="json"
        )

    # then
    assert Artifact.objects.get().content[field] == value


@pytest.mark.usefixtures("premium_member")
def test_a_failed_generation_fails_the_artifact(
    member, settings, django_capture_on_commit_callbacks
):
    # given: a provider nobody answers on
    settings.AI_API_KEY = "test-key"
    settings.AI_BASE_URL = "http://127.0.0.1:9/v1"
    settings.AI_TIMEOUT = 0.5
    settings.AI_MAX_RETRIES = 0

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(
            f"{BASE}/brand/generate", {"prompt": "About me."}, format="json"
        )

    # then
    assert response.status_code == 202
    artifact = Artifact.objects.get()
    assert (artifact.status, artifact.content, artifact.title) == ("failed", None, "")


@pytest.mark.usefixtures("premium_member")
def test_without_a_project_and_options(member, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(
            f"{BASE}/roadmap/generate", {"prompt": "Data analyst."}, format="json"
        )

    # then
    assert response.status_code == 202
    artifact = Artifact.objects.get()
    assert (artifact.project, artifact.options, artifact.status) == (None, {}, "ready")


@pytest.mark.parametrize(
    ("kind", "body", "attr"),
    [
        ("roadmap", {}, "prompt"),
        ("roadmap", {"prompt": ""}, "prompt"),
        ("roadmap", {"prompt": "x" * 5001}, "prompt"),
        ("roadmap", {"prompt": "x", "horizon_months": 0}, "horizon_months"),
        ("roadmap", {"prompt": "x", "horizon_months": 37}, "horizon_months"),
        ("roadmap", {"prompt": "x", "target_role": "r" * 201}, "target_role"),
        ("brand", {"prompt": "x", "audience": "a" * 301}, "audience"),
        ("content", {"prompt": "x"}, "channel"),
        ("content", {"prompt": "x", "channel": "tiktok"}, "channel"),
        ("content", {"prompt": "x", "channel": "x", "tone": "angry"}, "tone"),
        ("document", {"prompt": "x"}, "doc_type"),
        ("document", {"prompt": "x", "doc_type": "novel"}, "doc_type"),
        ("document", {"prompt": "x", "doc_type": "cv", "project": "nope"}, "project"),
    ],
)
@pytest.mark.usefixtures("premium_member")
def test_bad_input_is_a_400_naming_the_field(kind, body, attr, member):
    # when
    response = client_for(member).post(f"{BASE}/{kind}/generate", body, format="json")

    # then
    assert response.status_code == 400
    assert [error["attr"] for error in errors_of(response)] == [attr]
    assert not Artifact.objects.exists()
    assert not Generation.objects.exists()


@pytest.mark.usefixtures("premium_member")
def test_another_members_project_is_a_400(member, other_member):
    # given
    project = ProjectFactory(user=other_member)

    # when
    response = client_for(member).post(
        f"{BASE}/brand/generate", {"prompt": "x", "project": str(project.pk)}, format="json"
    )

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "does_not_exist", "attr": "project"}]
    assert not Artifact.objects.exists()


def test_an_unknown_tool_is_a_404(member):
    # when
    response = client_for(member).post(f"{BASE}/poem/generate", {"prompt": "x"}, format="json")

    # then
    assert response.status_code == 404
    assert client_for(member).get(f"{BASE}/poem").status_code == 404


def test_generate_needs_authentication(api):
    # when
    response = api.post(f"{BASE}/roadmap/generate", {"prompt": "x"}, format="json")

    # then
    assert response.status_code == 401


@pytest.mark.usefixtures("premium_member")
def test_over_quota_is_a_429_and_makes_nothing(member, settings):
    # given
    settings.AI_QUOTAS = {"free": {"*": 20, "coaching.tool_brand": 0}}

    # when
    response = client_for(member).post(f"{BASE}/brand/generate", {"prompt": "x"}, format="json")

    # then
    assert response.status_code == 429
    assert errors_of(response) == [{"code": "quota_exceeded", "attr": None}]
    assert "Retry-After" in response
    assert not Artifact.objects.exists()


@pytest.mark.usefixtures("premium_member")
def test_a_retry_with_the_same_key_makes_nothing_new(member, django_capture_on_commit_callbacks):
    # given
    client = client_for(member)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(
            f"{BASE}/brand/generate", {"prompt": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
        )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            f"{BASE}/brand/generate", {"prompt": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
        )

    # then
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Artifact.objects.count() == 1


# --- list and detail ------------------------------------------------------------------------


def test_the_list_holds_the_callers_artifacts_of_that_tool(member, other_member):
    # given
    project = ProjectFactory(user=member)
    older = ArtifactFactory(user=member)
    newer = ArtifactFactory(user=member, project=project)
    ArtifactFactory(user=member, kind="brand", content=None, title="Brand")
    ArtifactFactory(user=other_member)

    # when
    response = client_for(member).get(f"{BASE}/roadmap")

    # then
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(newer.pk), str(older.pk)]
    assert response.json()["results"][0] == {
        "id": str(newer.pk),
        "kind": "roadmap",
        "title": "Into product management",
        "prompt": newer.prompt,
        "options": {},
        "content": ROADMAP_CONTENT,
        "version": 1,
        "status": "ready",
        "project": str(project.pk),
        "generation": None,
        "ai": None,
        "publish_at": None,
        "created_at": newer.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": newer.updated_at.isoformat().replace("+00:00", "Z"),
    }


def test_the_list_filters_by_project(member):
    # given
    project = ProjectFactory(user=member)
    inside = ArtifactFactory(user=member, project=project)
    ArtifactFactory(user=member)

    # when
    response = client_for(member).get(f"{BASE}/roadmap", {"project": str(project.pk)})

    # then
    assert [row["id"] for row in response.json()["results"]] == [str(inside.pk)]


def test_a_bad_project_filter_is_a_400(member):
    # when
    response = client_for(member).get(f"{BASE}/roadmap", {"project": "nope"})

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid", "attr": "project"}]


def test_the_list_query_count_does_not_grow(member, django_assert_num_queries):
    # given
    client = client_for(member)
    ArtifactFactory.create_batch(2, user=member, project=ProjectFactory(user=member))
    with django_assert_num_queries(2):
        assert client.get(f"{BASE}/roadmap").status_code == 200
    ArtifactFactory.create_batch(15, user=member, project=ProjectFactory(user=member))

    # when / then
    with django_assert_num_queries(2):
        response = client.get(f"{BASE}/roadmap")
    assert len(response.json()["results"]) == 17


def test_the_list_needs_authentication(api):
    assert api.get(f"{BASE}/roadmap").status_code == 401


def test_another_members_artifact_is_a_404(member, other_member):
    # given
    artifact = ArtifactFactory(user=other_member)
    client = client_for(member)

    # when / then
    assert client.get(detail_url("roadmap", artifact.pk)).status_code == 404
    assert client.patch(detail_url("roadmap", artifact.pk), {"title": "x"}).status_code == 404
    assert client.delete(detail_url("roadmap", artifact.pk)).status_code == 404
    assert client.get(f"{detail_url('roadmap', artifact.pk)}/versions").status_code == 404
    assert Artifact.objects.filter(pk=artifact.pk, title="Into product management").exists()


def test_an_artifact_under_another_tool_is_a_404(member):
    # given
    artifact = ArtifactFactory(user=member)

    # when
    response = client_for(member).get(detail_url("brand", artifact.pk))

    # then
    assert response.status_code == 404


# --- edit and versions ----------------------------------------------------------------------


def test_editing_the_content_keeps_the_previous_version(member):
    # given
    artifact = ArtifactFactory(user=member)
    content = {**ROADMAP_CONTENT, "title": "Into product ops", "summary": "Sharper."}

    # when
    response = client_for(member).patch(
        detail_url("roadmap", artifact.pk), {"content": content}, format="json"
    )

    # then
    assert response.status_code == 200
    assert (response.json()["version"], response.json()["title"]) == (2, "Into product ops")
    assert response.json()["content"] == content
    old = ArtifactVersion.objects.get()
    assert (old.artifact, old.version, old.title, old.content) == (
        artifact,
        1,
        "Into product management",
        ROADMAP_CONTENT,
    )


def test_put_replaces_title_and_content_and_versions_list_the_history(member):
    # given
    artifact = ArtifactFactory(user=member)
    client = client_for(member)
    url = detail_url("roadmap", artifact.pk)
    client.patch(url, {"title": "Second"}, format="json")

    # when
    response = client.put(url, {"title": "Third", "content": ROADMAP_CONTENT}, format="json")

    # then
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["version"]) == ("Third", 3)
    history = client.get(f"{url}/versions").json()
    assert history["count"] == 2
    assert [(row["version"], row["title"]) for row in history["results"]] == [
        (2, "Second"),
        (1, "Into product management"),
    ]


def test_put_needs_both_fields(member):
    # given
    artifact = ArtifactFactory(user=member)

    # when
    response = client_for(member).put(
        detail_url("roadmap", artifact.pk), {"title": "x"}, format="json"
    )

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "required", "attr": "content"}]
    assert not ArtifactVersion.objects.exists()


@pytest.mark.parametrize(
    ("content", "attrs"),
    [
        ({**ROADMAP_CONTENT, "stages": []}, ["content.stages"]),
        (
            {**ROADMAP_CONTENT, "stages": [{**ROADMAP_CONTENT["stages"][0], "duration_weeks": 0}]},
            ["content.stages.0.duration_weeks"],
        ),
        ({"title": "Only a title"}, ["content.summary", "content.stages"]),
        ({**ROADMAP_CONTENT, "extra": 1}, ["content.extra"]),
        ("not an object", ["content"]),
    ],
)
def test_content_outside_the_schema_is_a_400_naming_the_path(content, attrs, member):
    # given
    artifact = ArtifactFactory(user=member)

    # when
    response = client_for(member).patch(
        detail_url("roadmap", artifact.pk), {"content": content}, format="json"
    )

    # then
    assert response.status_code == 400
    assert [error["attr"] for error in errors_of(response)] == attrs
    artifact.refresh_from_db()
    assert (artifact.version, artifact.content) == (1, ROADMAP_CONTENT)
    assert not ArtifactVersion.objects.exists()


def test_a_title_too_long_is_a_400(member):
    # given
    artifact = ArtifactFactory(user=member)

    # when
    response = client_for(member).patch(
        detail_url("roadmap", artifact.pk), {"title": "t" * 201}, format="json"
    )

    # then
    assert errors_of(response) == [{"code": "max_length", "attr": "title"}]


def test_a_pending_artifact_cannot_be_edited(member):
    # given
    artifact = ArtifactFactory(user=member, status="pending", content=None, title="")

    # when
    response = client_for(member).patch(
        detail_url("roadmap", artifact.pk), {"title": "x"}, format="json"
    )

    # then
    assert response.status_code == 409
    assert errors_of(response) == [{"code": "not_ready", "attr": None}]


def test_edits_need_authentication(api):
    # given
    artifact = ArtifactFactory()

    # when / then
    assert api.patch(detail_url("roadmap", artifact.pk), {"title": "x"}).status_code == 401


# --- delete -------------------------------------------------------------------------------


def test_delete_removes_the_artifact_and_its_versions(member):
    # given
    artifact = ArtifactFactory(user=member)
    client = client_for(member)
    client.patch(detail_url("roadmap", artifact.pk), {"title": "Second"}, format="json")

    # when
    response = client.delete(detail_url("roadmap", artifact.pk))

    # then
    assert response.status_code == 204
    assert not Artifact.objects.exists()
    assert not ArtifactVersion.objects.exists()
