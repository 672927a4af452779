"""1:1 messages over REST: POST /messages."""

import datetime as dt
import uuid

import pytest

from accounts.choices import MessagesFrom
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from community.models import MESSAGE_MAX_LENGTH, Conversation, Message
from notifications.models import ScheduledNotification

from .factories import BlockFactory, MessageFactory
from .messages_helpers import SEND, body_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("messaging_members")]


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
    # given: a conversation that already exists, with history, and the sender's plan
    # looked up once (it is cached until it changes)
    MessageFactory.create_batch(3, sender=member, recipient=other_member)
    body = {"recipient": str(other_member.pk), "content": "Hi"}
    assert member_api.post(SEND, {**body, "client_id": "warm"}).status_code == 201

    # when / then: the caller; the transaction's savepoint; the recipient with both
    # blocks; the conversation's lock; the unread check; savepoint, insert and release of
    # the message; the last message; the release; the same with more history
    with django_assert_num_queries(10):
        assert member_api.post(SEND, {**body, "client_id": "a"}).status_code == 201
    MessageFactory.create_batch(20, sender=member, recipient=other_member)
    with django_assert_num_queries(10):
        assert member_api.post(SEND, {**body, "client_id": "b"}).status_code == 201
