"""1:1 messages over REST: POST /messages, PUT /messages/{id}/read, GET /messages/unread,
GET /messages/conversation/{user_id}, and the alert of an unread message."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from accounts.choices import MessagesFrom
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from community.models import MESSAGE_MAX_LENGTH, Conversation, Message
from community.serializers.messages import timestamp
from notifications.models import Notification, ScheduledNotification
from notifications.services import dispatch_due

from .factories import BlockFactory, MessageFactory, conversation_between

pytestmark = pytest.mark.django_db

SEND = "/api/v1/messages"
UNREAD = "/api/v1/messages/unread"


def read_url(message_id) -> str:
    return f"/api/v1/messages/{message_id}/read"


def history_url(user_id) -> str:
    return f"/api/v1/messages/conversation/{user_id}"


def body_of(message: Message) -> dict:
    return {
        "id": str(message.id),
        "conversation_id": str(message.conversation_id),
        "sender_id": None if message.sender_id is None else str(message.sender_id),
        "recipient_id": None if message.recipient_id is None else str(message.recipient_id),
        "content": message.content,
        "client_id": message.client_id,
        "created_at": timestamp(message.created_at),
        "read_at": None if message.read_at is None else timestamp(message.read_at),
    }


# --- POST /messages ----------------------------------------------------------------------


def test_a_member_sends_a_message(member_api, member, other_member, settings):
    # given
    settings.COMMUNITY_MESSAGE_ALERT_DELAY_SECONDS = 300

    # when
    response = member_api.post(
        SEND, {"recipient": str(other_member.pk), "content": "  Hello there  ", "client_id": "c1"}
    )

    # then
    assert response.status_code == 201
    message = Message.objects.get()
    assert response.json() == body_of(message)
    assert (message.sender, message.recipient, message.content, message.client_id) == (
        member,
        other_member,
        "Hello there",
        "c1",
    )
    conversation = Conversation.objects.get()
    assert sorted([conversation.user_low_id, conversation.user_high_id], key=str) == sorted(
        [member.pk, other_member.pk], key=str
    )
    assert str(conversation.user_low_id) < str(conversation.user_high_id)
    assert (conversation.last_message, conversation.last_message_at) == (
        message,
        message.created_at,
    )
    alert = ScheduledNotification.objects.get()
    assert (alert.user, alert.kind, alert.send_at, alert.status) == (
        other_member,
        "community_message",
        message.created_at + dt.timedelta(seconds=300),
        "pending",
    )
    assert alert.payload["data"] == {
        "url": f"{settings.FRONTEND_URL}/messages/{member.pk}",
        "conversation_id": str(conversation.pk),
        "sender_id": str(member.pk),
    }
    assert alert.payload["title"] == f"New message from {member.profile.display_name}"


def test_both_directions_share_one_conversation(member_api, member, other_member):
    # given
    member_api.post(SEND, {"recipient": str(other_member.pk), "content": "Hi"})

    # when
    response = client_for(other_member).post(SEND, {"recipient": str(member.pk), "content": "Yo"})

    # then
    assert response.status_code == 201
    conversation = Conversation.objects.get()
    assert conversation.last_message_id == uuid.UUID(response.json()["id"])
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_a_resend_with_the_same_client_id_returns_the_stored_message(
    member_api, other_member, django_capture_on_commit_callbacks
):
    # given
    body = {"recipient": str(other_member.pk), "content": "Once", "client_id": "same"}
    first = member_api.post(SEND, body)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        again = member_api.post(SEND, {**body, "content": "Once, retried"})

    # then
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Message.objects.count() == 1
    assert ScheduledNotification.objects.count() == 1
    assert callbacks == []  # nothing fanned out (nor tracked) again


def test_a_client_id_reused_for_another_recipient_is_a_conflict(member_api, other_member):
    # given
    third = UserFactory()
    member_api.post(SEND, {"recipient": str(other_member.pk), "content": "A", "client_id": "x"})

    # when
    response = member_api.post(SEND, {"recipient": str(third.pk), "content": "B", "client_id": "x"})

    # then
    assert response.status_code == 409
    assert errors_of(response) == [{"code": "client_id_reused", "attr": None}]
    assert Message.objects.count() == 1


def test_an_empty_client_id_never_deduplicates(member_api, other_member):
    # when
    for _ in range(2):
        response = member_api.post(
            SEND, {"recipient": str(other_member.pk), "content": "Same", "client_id": ""}
        )
        assert response.status_code == 201

    # then
    assert Message.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [{"code": "required", "attr": "recipient"}, {"code": "required", "attr": "content"}]),
        ({"content": "Hi"}, [{"code": "required", "attr": "recipient"}]),
        ({"recipient": "not-a-uuid", "content": "Hi"}, [{"code": "invalid", "attr": "recipient"}]),
        ({"recipient": "RECIPIENT", "content": "   "}, [{"code": "blank", "attr": "content"}]),
        ({"recipient": "RECIPIENT", "content": ""}, [{"code": "blank", "attr": "content"}]),
        (
            {"recipient": "RECIPIENT", "content": "x" * (MESSAGE_MAX_LENGTH + 1)},
            [{"code": "max_length", "attr": "content"}],
        ),
        (
            {"recipient": "RECIPIENT", "content": "Hi", "client_id": "c" * 65},
            [{"code": "max_length", "attr": "client_id"}],
        ),
        ({"recipient": "RECIPIENT", "content": ["Hi"]}, [{"code": "invalid", "attr": "content"}]),
    ],
)
def test_bad_input_is_a_400_naming_the_field(member_api, other_member, body, errors):
    # given
    if body.get("recipient") == "RECIPIENT":
        body = {**body, "recipient": str(other_member.pk)}

    # when
    response = member_api.post(SEND, body)

    # then
    assert response.status_code == 400
    assert errors_of(response) == errors
    assert Message.objects.count() == Conversation.objects.count() == 0


def test_the_longest_message_is_accepted(member_api, other_member):
    # when
    response = member_api.post(
        SEND, {"recipient": str(other_member.pk), "content": "x" * MESSAGE_MAX_LENGTH}
    )

    # then
    assert response.status_code == 201


@pytest.mark.parametrize("who", ["unknown", "inactive", "self"])
def test_a_recipient_that_cannot_be_written_to_is_a_400_on_recipient(member_api, member, who):
    # given
    recipient = {
        "unknown": lambda: uuid.uuid4(),
        "inactive": lambda: UserFactory(is_active=False).pk,
        "self": lambda: member.pk,
    }[who]()

    # when
    response = member_api.post(SEND, {"recipient": str(recipient), "content": "Hi"})

    # then
    assert response.status_code == 400
    code = "invalid" if who == "self" else "does_not_exist"
    assert errors_of(response) == [{"code": code, "attr": "recipient"}]
    assert Message.objects.count() == Conversation.objects.count() == 0


@pytest.mark.parametrize(
    ("refusal", "code"),
    [
        ("sender_blocked_recipient", "messaging_blocked"),
        ("recipient_blocked_sender", "messages_not_accepted"),
        ("recipient_accepts_nobody", "messages_not_accepted"),
    ],
)
def test_blocks_and_the_recipients_setting_refuse_the_message(
    member_api, member, other_member, refusal, code
):
    # given
    if refusal == "sender_blocked_recipient":
        BlockFactory(blocker=member, blocked=other_member)
    elif refusal == "recipient_blocked_sender":
        BlockFactory(blocker=other_member, blocked=member)
    else:
        other_member.profile.allow_messages_from = MessagesFrom.NOBODY
        other_member.profile.save()

    # when
    response = member_api.post(SEND, {"recipient": str(other_member.pk), "content": "Hi"})

    # then
    assert response.status_code == 403
    assert errors_of(response) == [{"code": code, "attr": None}]
    assert Message.objects.count() == Conversation.objects.count() == 0
    assert ScheduledNotification.objects.count() == 0


def test_sending_needs_authentication(api, other_member):
    # when
    response = api.post(SEND, {"recipient": str(other_member.pk), "content": "Hi"})

    # then
    assert response.status_code == 401
    assert Message.objects.count() == 0


def test_sending_is_throttled_per_sender(member_api, other_member, settings):
    # given
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "messaging": "2/min",
        },
    }
    body = {"recipient": str(other_member.pk), "content": "Hi"}
    assert member_api.post(SEND, body).status_code == 201
    assert member_api.post(SEND, body).status_code == 201

    # when
    response = member_api.post(SEND, body)

    # then
    assert response.status_code == 429
    assert errors_of(response) == [{"code": "throttled", "attr": None}]
    assert int(response["Retry-After"]) > 0
    assert Message.objects.count() == 2
    # another sender has a budget of their own
    assert (
        client_for(other_member)
        .post(SEND, {**body, "recipient": str(UserFactory().pk)})
        .status_code
        == 201
    )


def test_a_send_costs_a_constant_number_of_queries(
    member_api, member, other_member, django_assert_num_queries
):
    # given: a conversation that already exists, with history
    MessageFactory.create_batch(3, sender=member, recipient=other_member)
    body = {"recipient": str(other_member.pk), "content": "Hi"}

    # when / then: the caller; the transaction's savepoint; the recipient with both
    # blocks; the conversation's lock; the unread check; savepoint, insert and release of
    # the message; the last message; the release; the same with more history
    with django_assert_num_queries(10):
        assert member_api.post(SEND, {**body, "client_id": "a"}).status_code == 201
    MessageFactory.create_batch(20, sender=member, recipient=other_member)
    with django_assert_num_queries(10):
        assert member_api.post(SEND, {**body, "client_id": "b"}).status_code == 201


# --- the alert of an unread message ------------------------------------------------------


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


# --- PUT /messages/{id}/read ---------------------------------------------------------------


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


# --- GET /messages/conversation/{user_id} -----------------------------------------------


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
