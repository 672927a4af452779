"""Simultaneous edits of one artifact each keep the state they replaced: the row lock
serialises them, so versions are numbered without gaps or duplicates and none is lost."""

import threading

import pytest
from django.db import connection

from accounts.tests.helpers import client_for
from coaching.models import Artifact, ArtifactVersion

from .factories import ArtifactFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(calls) -> list:
    """Run each call in its own thread, released together; their results, in any order."""
    barrier = threading.Barrier(len(calls))
    results = []

    def run(call) -> None:
        barrier.wait()
        try:
            results.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


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
