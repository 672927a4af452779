"""1:1 messages over REST: GET /messages/conversation/{user_id}, and the delivery of what it
hands the caller."""

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for
from community.models import Conversation, Message
from community.serializers.messages import timestamp

from .factories import MessageFactory
from .messages_helpers import body_of, history_url

pytestmark = pytest.mark.django_db


def test_the_history_is_the_pairs_messages_newest_first(member_api, member, other_member):
    # given
    first = MessageFactory(sender=member, recipient=other_member)
    second = MessageFactory(sender=other_member, recipient=member)
    third = MessageFactory(sender=member, recipient=other_member)
    MessageFactory(sender=member, recipient=UserFactory())
    MessageFactory(sender=other_member, recipient=UserFactory())

    # when
    response = member_api.get(history_url(other_member.pk))

    # then: the message to the caller is delivered by this read; theirs are not
    assert response.status_code == 200
    for message in (first, second, third):
        message.refresh_from_db()
    assert [m.status for m in (third, second, first)] == ["sent", "delivered", "sent"]
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [body_of(third), body_of(second), body_of(first)],
    }


def test_fetching_the_history_delivers_the_pages_messages_to_the_caller(
    member, other_member, django_capture_on_commit_callbacks
):
    # given: five messages to member, one already delivered, one read; one from member
    now = timezone.now()
    waiting = MessageFactory.create_batch(3, sender=other_member, recipient=member)
    delivered = MessageFactory(sender=other_member, recipient=member, delivered_at=now)
    read = MessageFactory(sender=other_member, recipient=member, read_at=now)
    own = MessageFactory(sender=member, recipient=other_member)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(member).get(history_url(other_member.pk))

    # then: the three waiting ones are delivered, at one time, and shown so
    for message in (*waiting, delivered, read, own):
        message.refresh_from_db()
    assert {m.delivered_at for m in waiting} == {waiting[0].delivered_at}
    assert waiting[0].delivered_at > now
    assert [m.status for m in waiting] == ["delivered"] * 3
    assert (delivered.delivered_at, read.delivered_at, own.delivered_at) == (now, now, None)
    results = {m["id"]: m for m in response.json()["results"]}
    for message in (*waiting, delivered, read, own):
        assert results[str(message.pk)] == body_of(message)
    assert results[str(waiting[0].pk)]["delivered_at"] == timestamp(waiting[0].delivered_at)
    assert len(callbacks) == 1  # one receipt for the page, to the sender

    # and fetching again marks and sends nothing
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = client_for(member).get(history_url(other_member.pk))
    assert again.json() == response.json()
    assert callbacks == []


def test_only_the_fetched_page_is_delivered(member_api, member, other_member):
    # given
    messages = MessageFactory.create_batch(5, sender=other_member, recipient=member)

    # when
    response = member_api.get(history_url(other_member.pk), {"page_size": 2})

    # then: the newest two were handed over, the three older ones were not
    assert [m["status"] for m in response.json()["results"]] == ["delivered", "delivered"]
    for message in messages:
        message.refresh_from_db()
    assert [m.status for m in messages] == ["sent", "sent", "sent", "delivered", "delivered"]


def test_a_senders_own_fetch_delivers_nothing(member_api, member, other_member):
    # given
    message = MessageFactory(sender=member, recipient=other_member)

    # when
    response = member_api.get(history_url(other_member.pk))

    # then
    assert response.json()["results"][0]["status"] == "sent"
    message.refresh_from_db()
    assert message.delivered_at is None


def test_the_history_is_cursor_paginated(member_api, member, other_member):
    # given
    messages = [MessageFactory(sender=member, recipient=other_member) for _ in range(5)]

    # when
    page_1 = member_api.get(history_url(other_member.pk), {"page_size": 2}).json()
    page_2 = member_api.get(page_1["next"]).json()
    page_3 = member_api.get(page_2["next"]).json()

    # then
    ids = [m["id"] for page in (page_1, page_2, page_3) for m in page["results"]]
    assert ids == [str(m.pk) for m in reversed(messages)]
    assert page_3["next"] is None


def test_another_pairs_history_is_never_shown(member_api, member, other_member):
    # given: other_member talks with a third member, never with the caller
    third = UserFactory()
    theirs = MessageFactory(sender=other_member, recipient=third)

    # when
    by_member = member_api.get(history_url(other_member.pk))
    by_conversation = member_api.get(history_url(theirs.conversation_id))
    by_self = member_api.get(history_url(member.pk))

    # then: nothing shown, and nothing of theirs delivered
    for response in (by_member, by_conversation, by_self):
        assert response.status_code == 200
        assert response.json() == {"next": None, "previous": None, "results": []}
    theirs.refresh_from_db()
    assert theirs.delivered_at is None


def test_the_history_with_an_erased_member_opens_by_conversation_id(
    member_api, member, other_member
):
    # given
    message = MessageFactory(sender=other_member, recipient=member)
    side = "user_low" if message.conversation.user_low_id == other_member.pk else "user_high"
    Conversation.objects.update(**{side: None})
    Message.objects.update(sender=None)
    message.refresh_from_db()

    # when
    response = member_api.get(history_url(message.conversation_id))

    # then: delivered too, with nobody to tell
    message.refresh_from_db()
    assert message.status == "delivered"
    assert response.json()["results"] == [body_of(message)]


def test_a_malformed_user_id_is_a_404(member_api):
    # when
    response = member_api.get("/api/v1/messages/conversation/12345")

    # then
    assert response.status_code == 404


def test_the_history_needs_authentication(api, other_member):
    # when
    response = api.get(history_url(other_member.pk))

    # then
    assert response.status_code == 401


def test_the_history_costs_the_same_queries_however_long(
    member_api, member, other_member, django_assert_num_queries
):
    # given
    MessageFactory.create_batch(2, sender=member, recipient=other_member)
    with django_assert_num_queries(2):  # the caller, the page
        member_api.get(history_url(other_member.pk))
    MessageFactory.create_batch(40, sender=member, recipient=other_member)

    # when / then
    with django_assert_num_queries(2):
        response = member_api.get(history_url(other_member.pk))
    assert len(response.json()["results"]) == 20


@pytest.mark.parametrize("page_size", [2, 20, 100])
def test_delivering_a_page_costs_one_query_however_large(
    member_api, member, other_member, django_assert_num_queries, page_size
):
    # given: a full page of messages to the caller, none delivered yet
    MessageFactory.create_batch(page_size + 1, sender=other_member, recipient=member)

    # when / then: the caller, the page, one UPDATE for all of its messages
    with django_assert_num_queries(3):
        response = member_api.get(history_url(other_member.pk), {"page_size": page_size})
    assert [m["status"] for m in response.json()["results"]] == ["delivered"] * page_size
    assert Message.objects.filter(delivered_at=None).count() == 1
    # and a page with nothing left to deliver costs no UPDATE
    with django_assert_num_queries(2):
        member_api.get(history_url(other_member.pk), {"page_size": page_size})
