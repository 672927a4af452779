"""1:1 messages over REST: GET /messages/conversation/{user_id}."""

import pytest

from accounts.tests.factories import UserFactory
from community.models import Conversation, Message

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

    # then
    assert response.status_code == 200
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [body_of(third), body_of(second), body_of(first)],
    }


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

    # then
    for response in (by_member, by_conversation, by_self):
        assert response.status_code == 200
        assert response.json() == {"next": None, "previous": None, "results": []}


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

    # then
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
    MessageFactory.create_batch(40, sender=other_member, recipient=member)

    # when / then
    with django_assert_num_queries(2):
        response = member_api.get(history_url(other_member.pk))
    assert len(response.json()["results"]) == 20
