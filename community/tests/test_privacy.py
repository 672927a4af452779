"""Export and erasure of a member's messages, conversations and blocks (community/privacy.py),
with COMMUNITY_KEEP_MESSAGES on and off. Messages and conversations name the member from
two sides (a tuple ``user_field``): both sides count."""

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from accounts.services import account_erase
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for
from community.models import Block, Conversation, Message
from core import privacy

from .factories import BlockFactory, MessageFactory

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/me/export"
as_json = DjangoJSONEncoder().default


@pytest.fixture
def chat(member, other_member):
    """member and other_member wrote to each other; other_member also wrote to a third."""
    third = UserFactory()
    sent = MessageFactory(sender=member, recipient=other_member, content="From member")
    received = MessageFactory(
        sender=other_member, recipient=member, content="To member", read_at=timezone.now()
    )
    elsewhere = MessageFactory(sender=other_member, recipient=third, content="Not member's")
    return sent, received, elsewhere


def test_the_export_holds_the_members_messages_from_both_sides(member, chat):
    # given
    sent, received, _ = chat
    BlockFactory(blocker=member)
    BlockFactory(blocked=member)  # someone's block of the member is not theirs to see

    # when
    data = client_for(member).get(EXPORT).json()["data"]

    # then
    def exported(message):
        return {
            "id": str(message.pk),
            "conversation_id": str(message.conversation_id),
            "sender_id": str(message.sender_id),
            "recipient_id": str(message.recipient_id),
            "content": message.content,
            "created_at": as_json(message.created_at),
            "delivered_at": None if message.delivered_at is None else as_json(message.delivered_at),
            "read_at": None if message.read_at is None else as_json(message.read_at),
        }

    assert sorted(data["community.message"], key=lambda row: row["id"]) == sorted(
        [exported(sent), exported(received)], key=lambda row: row["id"]
    )
    [conversation] = data["community.conversation"]
    assert conversation["id"] == str(sent.conversation_id)
    assert len(data["community.block"]) == 1


def test_erasure_keeps_the_messages_for_the_other_party_when_configured(
    member, other_member, chat, settings
):
    # given
    settings.COMMUNITY_KEEP_MESSAGES = True
    sent, received, elsewhere = chat
    BlockFactory(blocker=other_member, blocked=member)

    # when
    account_erase(user=member, source="test")

    # then
    assert privacy.references_to_user(sent.sender_id) == {}
    sent.refresh_from_db()
    received.refresh_from_db()
    assert (sent.sender_id, sent.recipient_id, sent.content) == (
        None,
        other_member.pk,
        "From member",
    )
    assert (received.sender_id, received.recipient_id) == (other_member.pk, None)
    assert Block.objects.count() == 0
    # the other party's thread shows a deleted member and still opens
    api = client_for(other_member)
    threads = api.get("/api/v1/messages/threads").json()["results"]
    assert [t["counterpart"] for t in threads] == [
        {
            "id": str(elsewhere.recipient_id),
            "display_name": elsewhere.recipient.profile.display_name,
        },
        {"id": None, "display_name": "Deleted member"},
    ]
    history = api.get(f"/api/v1/messages/conversation/{sent.conversation_id}").json()
    assert [m["id"] for m in history["results"]] == [str(received.pk), str(sent.pk)]
    assert api.get("/api/v1/messages/unread").json()["by_user"] == {}
    assert Message.objects.filter(pk=elsewhere.pk).exists()


def test_erasure_deletes_the_conversations_for_both_sides_when_configured(
    member, other_member, chat, settings
):
    # given
    settings.COMMUNITY_KEEP_MESSAGES = False
    sent, _, elsewhere = chat

    # when
    account_erase(user=member, source="test")

    # then
    assert privacy.references_to_user(sent.sender_id) == {}
    assert list(Message.objects.all()) == [elsewhere]
    assert list(Conversation.objects.all()) == [elsewhere.conversation]
    threads = client_for(other_member).get("/api/v1/messages/threads").json()["results"]
    assert [t["conversation_id"] for t in threads] == [str(elsewhere.conversation_id)]


def test_a_conversation_goes_once_both_members_are_erased(member, other_member, settings):
    # given
    settings.COMMUNITY_KEEP_MESSAGES = True
    MessageFactory(sender=member, recipient=other_member)
    MessageFactory(sender=other_member, recipient=member)

    # when
    account_erase(user=member, source="test")
    account_erase(user=other_member, source="test")

    # then
    assert Message.objects.count() == Conversation.objects.count() == 0
