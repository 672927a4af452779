"""GET /messages/threads: one row per counterpart, most recently active first; the last
messages it hands the caller are delivered."""

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for
from community.models import Conversation, Message
from community.serializers.messages import timestamp

from .factories import BlockFactory, MessageFactory
from .messages_helpers import THREADS

pytestmark = pytest.mark.django_db


def last_message_of(message: Message) -> dict:
    return {
        "id": str(message.pk),
        "content": message.content,
        "sender_id": None if message.sender_id is None else str(message.sender_id),
        "created_at": timestamp(message.created_at),
        "status": message.status,
        "delivered_at": None if message.delivered_at is None else timestamp(message.delivered_at),
        "read_at": None if message.read_at is None else timestamp(message.read_at),
    }


def test_one_row_per_counterpart_newest_first(member_api, member, other_member):
    # given
    third = UserFactory()
    MessageFactory(sender=other_member, recipient=member)
    MessageFactory(sender=other_member, recipient=member)
    with_third = MessageFactory(sender=member, recipient=third, read_at=timezone.now())
    latest = MessageFactory(sender=other_member, recipient=member)
    MessageFactory(sender=other_member, recipient=third)  # not the caller's

    # when
    response = member_api.get(THREADS)

    # then: the last message to the caller is delivered by this read
    assert response.status_code == 200
    latest.refresh_from_db()
    assert (latest.status, with_third.status) == ("delivered", "read")
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [
            {
                "conversation_id": str(latest.conversation_id),
                "counterpart": {
                    "id": str(other_member.pk),
                    "display_name": other_member.profile.display_name,
                },
                "last_message": last_message_of(latest),
                "last_message_at": timestamp(latest.created_at),
                "unread_count": 3,
                "blocked_by_me": False,
            },
            {
                "conversation_id": str(with_third.conversation_id),
                "counterpart": {"id": str(third.pk), "display_name": third.profile.display_name},
                "last_message": last_message_of(with_third),
                "last_message_at": timestamp(with_third.created_at),
                "unread_count": 0,
                "blocked_by_me": False,
            },
        ],
    }


def test_unread_counts_only_the_callers_unread_messages(member_api, member, other_member):
    # given
    MessageFactory(sender=other_member, recipient=member)
    MessageFactory(sender=other_member, recipient=member, read_at=timezone.now())
    MessageFactory(sender=member, recipient=other_member)  # unread by the other side

    # when
    response = member_api.get(THREADS)

    # then
    [row] = response.json()["results"]
    assert row["unread_count"] == 1


def test_a_blocked_counterpart_is_flagged(member_api, member, other_member):
    # given
    MessageFactory(sender=other_member, recipient=member)
    BlockFactory(blocker=member, blocked=other_member)
    BlockFactory(blocker=other_member, blocked=member)  # their block is not shown

    # when
    [row] = member_api.get(THREADS).json()["results"]

    # then
    assert row["blocked_by_me"] is True


def test_an_erased_counterpart_shows_as_a_deleted_member(member_api, member, other_member):
    # given
    message = MessageFactory(sender=other_member, recipient=member)
    side = "user_low" if message.conversation.user_low_id == other_member.pk else "user_high"
    Conversation.objects.update(**{side: None})
    Message.objects.update(sender=None)

    # when
    [row] = member_api.get(THREADS).json()["results"]

    # then
    assert row["counterpart"] == {"id": None, "display_name": "Deleted member"}
    assert row["last_message"]["sender_id"] is None
    assert row["unread_count"] == 1


def test_a_conversation_without_messages_is_not_listed(member_api, member, other_member):
    # given
    low, high = sorted([member.pk, other_member.pk], key=str)
    Conversation.objects.create(user_low_id=low, user_high_id=high)

    # when
    response = member_api.get(THREADS)

    # then
    assert response.json()["results"] == []


def test_threads_are_cursor_paginated(member_api, member):
    # given
    messages = [MessageFactory(sender=UserFactory(), recipient=member) for _ in range(3)]

    # when
    page_1 = member_api.get(THREADS, {"page_size": 2}).json()
    page_2 = member_api.get(page_1["next"]).json()

    # then
    ids = [row["conversation_id"] for page in (page_1, page_2) for row in page["results"]]
    assert ids == [str(m.conversation_id) for m in reversed(messages)]
    assert page_2["next"] is None


def test_threads_need_authentication(api):
    # when
    response = api.get(THREADS)

    # then
    assert response.status_code == 401


def test_only_the_last_messages_addressed_to_the_caller_are_delivered(
    member, other_member, django_capture_on_commit_callbacks
):
    # given: a thread ending with a message to member, another ending with one of theirs
    third = UserFactory()
    earlier = MessageFactory(sender=other_member, recipient=member)
    last_in = MessageFactory(sender=other_member, recipient=member)
    to_third = MessageFactory(sender=third, recipient=member)
    last_out = MessageFactory(sender=member, recipient=third)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(member).get(THREADS)

    # then: only what the list handed over; one receipt to other_member
    for message in (earlier, last_in, to_third, last_out):
        message.refresh_from_db()
    assert [m.status for m in (earlier, last_in, to_third, last_out)] == [
        "sent",
        "delivered",
        "sent",
        "sent",
    ]
    assert [row["last_message"] for row in response.json()["results"]] == [
        last_message_of(last_out),
        last_message_of(last_in),
    ]
    assert len(callbacks) == 1


def test_threads_cost_the_same_queries_however_many(member_api, member, django_assert_num_queries):
    # given: every last message is to the caller and waits for delivery
    MessageFactory(sender=UserFactory(), recipient=member)
    with django_assert_num_queries(3):  # the caller, the page, its delivery
        member_api.get(THREADS)
    for _ in range(25):
        counterpart = UserFactory()
        MessageFactory(sender=member, recipient=counterpart)
        MessageFactory.create_batch(2, sender=counterpart, recipient=member)

    # when / then
    with django_assert_num_queries(3):
        response = member_api.get(THREADS)
    rows = response.json()["results"]
    assert [row["last_message"]["status"] for row in rows] == ["delivered"] * 20
    # and with nothing left to deliver, no UPDATE
    with django_assert_num_queries(2):
        member_api.get(THREADS)
