"""The admin of projects and artifacts: read-only lists and pages, versions inline,
every opening audited."""

import pytest
from django.urls import reverse

from coaching.models import ArtifactVersion
from core.models import AuditEntry

from .factories import ArtifactFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_the_project_list_shows_artifact_counts(admin_browser, member):
    # given
    project = ProjectFactory(user=member, name="Switch to PM")
    ArtifactFactory.create_batch(2, user=member, project=project)

    # when
    response = admin_browser.get(reverse("admin:coaching_project_changelist"))

    # then
    assert response.status_code == 200
    assert "Switch to PM" in response.content.decode()


def test_an_artifact_page_is_read_only_with_its_versions_and_audited(admin_browser, member):
    # given
    artifact = ArtifactFactory(user=member, version=2)
    ArtifactVersion.objects.create(artifact=artifact, version=1, title="First draft", content={})

    # when
    listing = admin_browser.get(reverse("admin:coaching_artifact_changelist"), {"kind": "roadmap"})
    page = admin_browser.get(reverse("admin:coaching_artifact_change", args=[artifact.pk]))

    # then
    assert listing.status_code == page.status_code == 200
    assert "First draft" in page.content.decode()
    assert admin_browser.get(reverse("admin:coaching_artifact_add")).status_code == 403
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.subject_id) == ("view", str(member.pk))
