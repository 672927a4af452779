"""Projects: CRUD, duplicate (a deep copy in constant queries) and analytics."""

import datetime as dt

import pytest
import time_machine

from accounts.tests.helpers import client_for, errors_of
from coaching.models import Artifact, ArtifactVersion, Project
from coaching.services.projects import project_duplicate
from notifications.services import schedule

from .factories import ROADMAP_CONTENT, ArtifactFactory, PlanActionFactory, ProjectFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/coaching/projects"
NOW = dt.datetime(2030, 5, 1, 8, 0, tzinfo=dt.UTC)


def iso(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def as_json(project: Project, artifact_count: int = 0) -> dict:
    return {
        "id": str(project.pk),
        "name": project.name,
        "description": project.description,
        "duplicated_from": str(project.duplicated_from_id) if project.duplicated_from_id else None,
        "artifact_count": artifact_count,
        "created_at": iso(project.created_at),
        "updated_at": iso(project.updated_at),
    }


# --- CRUD ---------------------------------------------------------------------------------


def test_create(member):
    # when
    response = client_for(member).post(
        URL, {"name": "Switch to PM", "description": "2030", "user": "ignored"}, format="json"
    )

    # then
    assert response.status_code == 201
    project = Project.objects.get()
    assert (project.user, project.name, project.description) == (member, "Switch to PM", "2030")
    assert response.json() == as_json(project)


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"name": "ok", "description": "d" * 5001}, "description"),
    ],
)
def test_create_bad_input_is_a_400(body, attr, member):
    # when
    response = client_for(member).post(URL, body, format="json")

    # then
    assert response.status_code == 400
    assert [error["attr"] for error in errors_of(response)] == [attr]
    assert not Project.objects.exists()


def test_list_holds_the_callers_projects_with_counts(member, other_member):
    # given
    with time_machine.travel(NOW, tick=False):
        older = ProjectFactory(user=member)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        newer = ProjectFactory(user=member)
    ArtifactFactory.create_batch(2, user=member, project=newer)
    ProjectFactory(user=other_member)

    # when
    response = client_for(member).get(URL)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [as_json(newer, 2), as_json(older, 0)],
    }


def test_list_query_count_does_not_grow(member, django_assert_num_queries):
    # given
    client = client_for(member)
    ArtifactFactory(user=member, project=ProjectFactory(user=member))
    with django_assert_num_queries(3):
        assert client.get(URL).status_code == 200
    for project in ProjectFactory.create_batch(12, user=member):
        ArtifactFactory.create_batch(2, user=member, project=project)

    # when / then
    with django_assert_num_queries(3):
        response = client.get(URL)
    assert response.json()["count"] == 13


def test_retrieve_update_and_delete(member):
    # given
    project = ProjectFactory(user=member, name="Old", description="Old text")
    ArtifactFactory(user=member, project=project)
    client = client_for(member)
    url = f"{URL}/{project.pk}"

    # when / then
    assert client.get(url).json() == as_json(project, 1)
    response = client.patch(url, {"name": "New"}, format="json")
    assert (response.status_code, response.json()["name"]) == (200, "New")
    assert response.json()["description"] == "Old text"
    response = client.put(url, {"name": "Newer", "description": ""}, format="json")
    assert (response.status_code, response.json()["description"]) == (200, "")
    assert response.json()["artifact_count"] == 1
    assert client.delete(url).status_code == 204
    assert not Project.objects.exists()
    assert not Artifact.objects.exists()


def test_put_needs_the_name(member):
    # given
    project = ProjectFactory(user=member)

    # when
    response = client_for(member).put(f"{URL}/{project.pk}", {"description": "x"}, format="json")

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "required", "attr": "name"}]


def test_deleting_a_project_cancels_its_artifacts_reminders(member):
    # given
    project = ProjectFactory(user=member)
    reminder = schedule(
        user=member, kind="coaching_content_publish", when=NOW, title="Publish", data={}
    )
    ArtifactFactory(user=member, project=project, reminder=reminder)

    # when
    response = client_for(member).delete(f"{URL}/{project.pk}")

    # then
    assert response.status_code == 204
    reminder.refresh_from_db()
    assert (reminder.status, reminder.cancel_reason) == ("cancelled", "project deleted")


def test_another_members_project_is_a_404(member, other_member):
    # given
    project = ProjectFactory(user=other_member, name="Theirs")
    client = client_for(member)
    url = f"{URL}/{project.pk}"

    # when / then
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "Mine"}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    assert client.post(f"{url}/duplicate").status_code == 404
    assert client.get(f"{url}/analytics").status_code == 404
    assert Project.objects.get().name == "Theirs"


def test_projects_need_authentication(api):
    # given
    project = ProjectFactory()

    # when / then
    assert api.get(URL).status_code == 401
    assert api.post(URL, {"name": "x"}).status_code == 401
    assert api.get(f"{URL}/{project.pk}").status_code == 401
    assert api.post(f"{URL}/{project.pk}/duplicate").status_code == 401
    assert api.get(f"{URL}/{project.pk}/analytics").status_code == 401


# --- duplicate --------------------------------------------------------------------------------


def test_duplicate_deep_copies_the_artifacts(member):
    # given
    project = ProjectFactory(user=member, name="Switch", description="The plan")
    roadmap = ArtifactFactory(
        user=member, project=project, version=3, options={"horizon_months": 6}
    )
    ArtifactVersion.objects.create(artifact=roadmap, version=2, title="Older", content={})
    brand = ArtifactFactory(
        user=member, project=project, kind="brand", status="pending", content=None, title=""
    )
    ArtifactFactory(user=member)  # outside the project

    # when
    response = client_for(member).post(f"{URL}/{project.pk}/duplicate")

    # then
    assert response.status_code == 201
    copy = Project.objects.exclude(pk=project.pk).get()
    assert response.json() == as_json(copy, 2)
    assert (copy.user, copy.name, copy.description, copy.duplicated_from) == (
        member,
        "Switch (copy)",
        "The plan",
        project,
    )
    copies = {artifact.kind: artifact for artifact in copy.artifacts.all()}
    assert set(copies) == {"roadmap", "brand"}
    assert (copies["roadmap"].content, copies["roadmap"].title) == (
        ROADMAP_CONTENT,
        "Into product management",
    )
    assert (copies["roadmap"].options, copies["roadmap"].version) == ({"horizon_months": 6}, 1)
    assert (copies["brand"].status, copies["brand"].user) == ("pending", member)
    assert copies["roadmap"].pk != roadmap.pk and copies["brand"].pk != brand.pk
    assert not copies["roadmap"].versions.exists()
    assert Artifact.objects.filter(project=project).count() == 2


def test_a_long_name_still_fits_with_the_suffix(member):
    # given
    project = ProjectFactory(user=member, name="n" * 200)

    # when
    copy = project_duplicate(project=project)

    # then
    assert copy.name == "n" * 193 + " (copy)"


def test_duplicate_query_count_does_not_grow(member, django_assert_num_queries):
    # given
    small = ProjectFactory(user=member)
    ArtifactFactory.create_batch(2, user=member, project=small)
    large = ProjectFactory(user=member)
    ArtifactFactory.create_batch(25, user=member, project=large)
    client = client_for(member)
    with django_assert_num_queries(9):
        assert client.post(f"{URL}/{small.pk}/duplicate").status_code == 201

    # when / then
    with django_assert_num_queries(9):
        response = client.post(f"{URL}/{large.pk}/duplicate")
    assert response.json()["artifact_count"] == 25


# --- analytics -------------------------------------------------------------------------------


def test_analytics(member, other_member):
    # given
    with time_machine.travel(NOW, tick=False):
        project = ProjectFactory(user=member)
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        ArtifactFactory.create_batch(2, user=member, project=project)
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        ArtifactFactory(user=member, project=project, kind="content", content=None)
    ArtifactFactory(user=member)  # not in the project
    plan_action = {"milestone__phase__plan__user": member}
    PlanActionFactory(done_at=NOW + dt.timedelta(hours=1), **plan_action)
    PlanActionFactory(done_at=NOW + dt.timedelta(hours=2), **plan_action)
    PlanActionFactory(done_at=NOW - dt.timedelta(hours=1), **plan_action)  # before the project
    PlanActionFactory(done_at=None, **plan_action)
    PlanActionFactory(done_at=NOW + dt.timedelta(hours=1))  # someone else's

    # when
    response = client_for(member).get(f"{URL}/{project.pk}/analytics")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "artifacts_by_kind": {"roadmap": 2, "brand": 0, "content": 1, "document": 0},
        "artifacts_total": 3,
        "actions_done": 2,
        "last_activity_at": "2030-05-03T08:00:00Z",
    }


def test_analytics_of_an_empty_project(member):
    # given
    with time_machine.travel(NOW, tick=False):
        project = ProjectFactory(user=member)

    # when
    response = client_for(member).get(f"{URL}/{project.pk}/analytics")

    # then
    assert response.json() == {
        "artifacts_by_kind": {"roadmap": 0, "brand": 0, "content": 0, "document": 0},
        "artifacts_total": 0,
        "actions_done": 0,
        "last_activity_at": "2030-05-01T08:00:00Z",
    }


def test_analytics_query_count_does_not_grow(member, django_assert_num_queries):
    # given
    project = ProjectFactory(user=member)
    ArtifactFactory(user=member, project=project)
    client = client_for(member)
    with django_assert_num_queries(4):
        assert client.get(f"{URL}/{project.pk}/analytics").status_code == 200
    for kind in ("brand", "content", "document"):
        ArtifactFactory.create_batch(5, user=member, project=project, kind=kind, content=None)
    PlanActionFactory.create_batch(
        4, done_at=dt.datetime.now(dt.UTC), milestone__phase__plan__user=member
    )

    # when / then
    with django_assert_num_queries(4):
        response = client.get(f"{URL}/{project.pk}/analytics")
    assert response.json()["artifacts_total"] == 16
    assert response.json()["actions_done"] == 4
