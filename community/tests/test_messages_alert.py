"""1:1 messages: the alert of an unread message."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.tests.helpers import client_for
from notifications.models import Notification, ScheduledNotification
from notifications.services import dispatch_due

from .messages_helpers import SEND, read_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("messaging_members")]


def test_one_alert_per_unread_streak(member_api, member, other_member):
    # given
    body = {"recipient": str(other_member.pk)}
    first = member_api.post(SEND, {**body, "content": "One"}).json()
    member_api.post(SEND, {**body, "content": "Two"})
    assert ScheduledNotification.objects.count() == 1

    # when: the recipient catches up, and a new message arrives
    client_for(other_member).put(read_url(first["id"]))
    assert ScheduledNotification.objects.count() == 1  # "Two" is still unread
    last = member_api.post(SEND, {**body, "content": "Three"}).json()
    client_for(other_member).put(read_url(last["id"]))
    member_api.post(SEND, {**body, "content": "Four"})

    # then
    assert ScheduledNotification.objects.count() == 2


def test_an_alert_due_while_messages_are_unread_is_sent(member_api, member, other_member):
    # given
    member_api.post(SEND, {"recipient": str(other_member.pk), "content": "Are you there?"})

    # when
    report = dispatch_due(now=timezone.now() + dt.timedelta(days=1))

    # then
    assert report.as_dict() == {"sent": 1, "cancelled": 0, "failed": 0, "postponed": 0}
    notification = Notification.objects.get()
    assert (notification.user, notification.kind, notification.title) == (
        other_member,
        "community_message",
        f"New message from {member.profile.display_name}",
    )
    assert "Are you there?" not in notification.body


@pytest.mark.parametrize("then", ["read", "blocked"])
def test_an_alert_is_skipped_once_read_or_the_sender_blocked(
    member_api, member, other_member, then
):
    # given
    sent = member_api.post(SEND, {"recipient": str(other_member.pk), "content": "Hi"}).json()
    if then == "read":
        client_for(other_member).put(read_url(sent["id"]))
    else:
        client_for(other_member).post(f"/api/v1/community/blocks/{member.pk}")

    # when
    report = dispatch_due(now=timezone.now() + dt.timedelta(days=1))

    # then
    assert report.as_dict() == {"sent": 0, "cancelled": 1, "failed": 0, "postponed": 0}
    assert Notification.objects.count() == 0
    reason = ScheduledNotification.objects.get().cancel_reason
    assert (
        reason
        == {
            "read": "The messages were read (or are gone) before the alert was due.",
            "blocked": "The sender was blocked before the alert was due.",
        }[then]
    )
