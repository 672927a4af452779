"""1:1 messages over REST: PUT /messages/{id}/read and GET /messages/unread."""

import uuid

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from community.models import Message

from .factories import MessageFactory, conversation_between
from .messages_helpers import UNREAD, body_of, read_url

pytestmark = pytest.mark.django_db


def test_reading_a_message_marks_it_and_the_earlier_ones_read(
    member, other_member, django_capture_on_commit_callbacks
):
    # given
    older = MessageFactory(sender=other_member, recipient=member)
    mine = MessageFactory(sender=member, recipient=other_member)
    read = MessageFactory(sender=other_member, recipient=member)
    newer = MessageFactory(sender=other_member, recipient=member)
    elsewhere = MessageFactory(sender=UserFactory(), recipient=member)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(member).put(read_url(read.pk))

    # then
    assert response.status_code == 200
    read.refresh_from_db()
    assert response.json() == body_of(read)
    assert read.read_at is not None
    assert Message.objects.filter(read_at=read.read_at).count() == 2
    older.refresh_from_db()
    assert older.read_at == read.read_at
    for untouched in (mine, newer, elsewhere):
        untouched.refresh_from_db()
        assert untouched.read_at is None
    assert len(callbacks) == 2  # the receipt to the sender, the news to the reader's devices


def test_reading_delivers_what_was_not_delivered_and_keeps_earlier_deliveries(
    member_api, member, other_member
):
    # given
    delivered_at = timezone.now()
    delivered = MessageFactory(sender=other_member, recipient=member, delivered_at=delivered_at)
    never_delivered = MessageFactory(sender=other_member, recipient=member)

    # when
    response = member_api.put(read_url(never_delivered.pk))

    # then
    delivered.refresh_from_db()
    never_delivered.refresh_from_db()
    assert (delivered.status, never_delivered.status) == ("read", "read")
    assert delivered.delivered_at == delivered_at
    assert never_delivered.delivered_at == never_delivered.read_at == delivered.read_at
    assert response.json() == body_of(never_delivered)


def test_reading_again_changes_and_sends_nothing(
    member, other_member, django_capture_on_commit_callbacks
):
    # given
    message = MessageFactory(sender=other_member, recipient=member)
    api = client_for(member)
    first = api.put(read_url(message.pk))

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        again = api.put(read_url(message.pk))

    # then
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert callbacks == []


@pytest.mark.parametrize("whose", ["sent_by_me", "between_others", "unknown"])
def test_only_the_recipient_may_mark_a_message_read(member_api, member, other_member, whose):
    # given
    message_id = {
        "sent_by_me": lambda: MessageFactory(sender=member, recipient=other_member).pk,
        "between_others": lambda: MessageFactory(sender=other_member).pk,
        "unknown": lambda: uuid.uuid4(),
    }[whose]()

    # when
    response = member_api.put(read_url(message_id))

    # then
    assert response.status_code == 404
    assert errors_of(response) == [{"code": "not_found", "attr": None}]
    assert Message.objects.exclude(read_at=None).count() == 0


def test_reading_costs_the_same_queries_however_many_are_marked(
    member, other_member, django_assert_num_queries
):
    # given
    api = client_for(member)
    few = MessageFactory.create_batch(2, sender=other_member, recipient=member)
    # the caller, savepoint, the message, the update, release
    with django_assert_num_queries(5):
        api.put(read_url(few[-1].pk))
    many = MessageFactory.create_batch(30, sender=other_member, recipient=member)

    # when / then
    with django_assert_num_queries(5):
        response = api.put(read_url(many[-1].pk))
    assert response.status_code == 200
    assert Message.objects.filter(read_at=None).count() == 0


def test_a_malformed_message_id_is_a_404(member_api):
    # when
    response = member_api.put("/api/v1/messages/not-a-uuid/read")

    # then
    assert response.status_code == 404


def test_marking_read_needs_authentication(api, member, other_member):
    # given
    message = MessageFactory(sender=other_member, recipient=member)

    # when
    response = api.put(read_url(message.pk))

    # then
    assert response.status_code == 401
    message.refresh_from_db()
    assert message.read_at is None


# --- GET /messages/unread ----------------------------------------------------------------


def test_unread_counts_in_all_and_per_sender(member_api, member, other_member):
    # given
    third = UserFactory()
    MessageFactory.create_batch(2, sender=other_member, recipient=member)
    MessageFactory(sender=third, recipient=member)
    MessageFactory(sender=third, recipient=member, read_at=timezone.now())
    MessageFactory(sender=member, recipient=other_member)
    MessageFactory(sender=other_member, recipient=third)
    with_other, with_third = (
        conversation_between(member, other_member),
        conversation_between(member, third),
    )

    # when
    response = member_api.get(UNREAD)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "total": 3,
        "by_user": {str(other_member.pk): 2, str(third.pk): 1},
        "by_conversation": {str(with_other.pk): 2, str(with_third.pk): 1},
    }


def test_no_unread_messages(member_api):
    # when
    response = member_api.get(UNREAD)

    # then
    assert response.json() == {"total": 0, "by_user": {}, "by_conversation": {}}


def test_unread_counts_cost_one_query_however_many(member_api, member, django_assert_num_queries):
    # given
    MessageFactory(recipient=member)
    with django_assert_num_queries(2):  # the caller, the counts
        member_api.get(UNREAD)
    for _ in range(10):
        MessageFactory.create_batch(3, sender=UserFactory(), recipient=member)

    # when / then
    with django_assert_num_queries(2):
        response = member_api.get(UNREAD)
    assert response.json()["total"] == 31


def test_unread_counts_need_authentication(api):
    # when
    response = api.get(UNREAD)

    # then
    assert response.status_code == 401
