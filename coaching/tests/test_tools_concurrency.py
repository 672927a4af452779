"""Simultaneous edits of one artifact each keep the state they replaced: the row lock
serialises them, so versions are numbered without gaps or duplicates and none is lost."""

import pytest

from accounts.tests.helpers import client_for
from coaching.models import Artifact, ArtifactVersion
from core.tests.concurrency import at_once

from .factories import ArtifactFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_edits_make_one_version_each(member):
    # given
    artifact = ArtifactFactory(user=member)
    url = f"/api/v1/coaching/tools/roadmap/{artifact.pk}"
    titles = [f"Title {n}" for n in range(4)]
    clients = [client_for(member) for _ in titles]

    # when
    responses = at_once(
        [
            lambda client=client, title=title: client.patch(url, {"title": title}, format="json")
            for client, title in zip(clients, titles, strict=True)
        ]
    )

    # then
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200]
    assert sorted(r.json()["version"] for r in responses) == [2, 3, 4, 5]
    artifact = Artifact.objects.get(pk=artifact.pk)
    assert artifact.version == 5
    versions = list(ArtifactVersion.objects.filter(artifact=artifact).order_by("version"))
    assert [v.version for v in versions] == [1, 2, 3, 4]
    # Each version holds the title the next edit replaced: every title but the last survives.
    assert versions[0].title == "Into product management"
    assert {v.title for v in versions[1:]} | {artifact.title} == set(titles)
