"""POST /coaching/tools/content/{id}/schedule: a reminder at publish_at."""

import datetime as dt

import pytest
import time_machine

from accounts.tests.helpers import client_for, errors_of
from coaching.models import Artifact
from notifications.models import Notification, ScheduledNotification
from notifications.services import dispatch_due

from .factories import ArtifactFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2030, 5, 1, 8, 0, tzinfo=dt.UTC)
CONTENT = {
    "title": "Why support leads make good PMs",
    "channel": "linkedin",
    "hook": "I answered 10,000 tickets.",
    "body": "Here is what they taught me about products.",
    "call_to_action": "Tell me yours.",
    "hashtags": ["product", "career"],
}


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def content(member):
    return ArtifactFactory(user=member, kind="content", content=dict(CONTENT))


def url(artifact) -> str:
    return f"/api/v1/coaching/tools/content/{artifact.pk}/schedule"


def test_scheduling_sets_a_reminder_at_publish_at(member, content):
    # given
    publish_at = NOW + dt.timedelta(days=2)

    # when
    response = client_for(member).post(url(content), {"publish_at": publish_at.isoformat()})

    # then
    assert response.status_code == 200
    assert response.json()["publish_at"] == "2030-05-03T08:00:00Z"
    reminder = ScheduledNotification.objects.get()
    content.refresh_from_db()
    assert (content.publish_at, content.reminder) == (publish_at, reminder)
    assert (reminder.user, reminder.kind, reminder.send_at, reminder.status) == (
        member,
        "coaching_content_publish",
        publish_at,
        "pending",
    )
    assert reminder.payload == {
        "title": "Time to publish: Why support leads make good PMs",
        "body": "You planned to publish this on linkedin now.",
        "data": {
            "artifact_id": str(content.pk),
            "url": f"/api/v1/coaching/tools/content/{content.pk}",
        },
    }


def test_the_reminder_is_sent_when_due(member, content):
    # given
    publish_at = NOW + dt.timedelta(hours=3)
    client_for(member).post(url(content), {"publish_at": publish_at.isoformat()})

    # when
    report = dispatch_due(now=publish_at)

    # then
    assert report.sent == 1
    notification = Notification.objects.get()
    assert (notification.user, notification.kind) == (member, "coaching_content_publish")


def test_rescheduling_cancels_the_previous_reminder(member, content):
    # given
    client = client_for(member)
    client.post(url(content), {"publish_at": (NOW + dt.timedelta(days=1)).isoformat()})
    first = ScheduledNotification.objects.get()

    # when
    response = client.post(url(content), {"publish_at": (NOW + dt.timedelta(days=5)).isoformat()})

    # then
    assert response.status_code == 200
    first.refresh_from_db()
    assert (first.status, first.cancel_reason) == ("cancelled", "rescheduled")
    second = ScheduledNotification.objects.exclude(pk=first.pk).get()
    assert (second.status, second.send_at) == ("pending", NOW + dt.timedelta(days=5))
    content.refresh_from_db()
    assert content.reminder == second


def test_deleting_the_content_cancels_its_reminder(member, content):
    # given
    client = client_for(member)
    client.post(url(content), {"publish_at": (NOW + dt.timedelta(days=1)).isoformat()})

    # when
    response = client.delete(f"/api/v1/coaching/tools/content/{content.pk}")

    # then
    assert response.status_code == 204
    reminder = ScheduledNotification.objects.get()
    assert (reminder.status, reminder.cancel_reason) == ("cancelled", "artifact deleted")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"publish_at": "tomorrow"},
        {"publish_at": NOW.isoformat()},
        {"publish_at": "2030-04-30T08:00:00Z"},
    ],
)
def test_a_missing_bad_or_past_publish_at_is_a_400(body, member, content):
    # when
    response = client_for(member).post(url(content), body)

    # then
    assert response.status_code == 400
    assert [error["attr"] for error in errors_of(response)] == ["publish_at"]
    assert not ScheduledNotification.objects.exists()


def test_a_pending_content_is_a_409(member):
    # given
    artifact = ArtifactFactory(user=member, kind="content", content=None, status="pending")

    # when
    response = client_for(member).post(
        url(artifact), {"publish_at": (NOW + dt.timedelta(days=1)).isoformat()}
    )

    # then
    assert response.status_code == 409
    assert errors_of(response) == [{"code": "not_ready", "attr": None}]


def test_only_content_is_scheduled(member):
    # given
    roadmap = ArtifactFactory(user=member)

    # when
    response = client_for(member).post(
        url(roadmap), {"publish_at": (NOW + dt.timedelta(days=1)).isoformat()}
    )

    # then
    assert response.status_code == 404


def test_another_members_content_is_a_404(member, other_member):
    # given
    artifact = ArtifactFactory(user=other_member, kind="content", content=dict(CONTENT))

    # when
    response = client_for(member).post(
        url(artifact), {"publish_at": (NOW + dt.timedelta(days=1)).isoformat()}
    )

    # then
    assert response.status_code == 404
    assert Artifact.objects.get(pk=artifact.pk).reminder is None


def test_scheduling_needs_authentication(api, content):
    assert api.post(url(content), {"publish_at": "2030-06-01T00:00:00Z"}).status_code == 401
