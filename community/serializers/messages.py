"""Shapes of 1:1 messages, threads, unread counts and blocks, and the input of a send.

:class:`MessageSerializer` is also the ``message`` of the ``message.new`` socket frame
(community/events.py), so REST and WebSocket clients see one shape.

Every message shows its ``status`` (``Message.status``: sent, delivered, read), derived
from ``delivered_at`` and ``read_at``, which are shown beside it.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from community.models import CLIENT_ID_MAX_LENGTH, MESSAGE_MAX_LENGTH, Message
from community.selectors.messages import DELETED_MEMBER


class MessageSendSerializer(serializers.Serializer):
    recipient = serializers.UUIDField(help_text="The member to write to.")
    content = serializers.CharField(
        max_length=MESSAGE_MAX_LENGTH, help_text="Plain text; surrounding blanks are trimmed."
    )
    client_id = serializers.CharField(
        max_length=CLIENT_ID_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "The sender's own id for this message: a resend with the same client_id "
            "returns the stored message (200) instead of sending it twice."
        ),
    )


STATUS_HELP = (
    "sent; delivered once the recipient has it (one of their sockets received it, or they "
    "fetched it); read once they read it (read implies delivered)."
)


def _status_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=Message.Status.choices, read_only=True, help_text=STATUS_HELP
    )


class MessageSerializer(serializers.ModelSerializer):
    conversation_id = serializers.UUIDField(read_only=True)
    sender_id = serializers.UUIDField(
        read_only=True, allow_null=True, help_text="null once the sender was erased."
    )
    recipient_id = serializers.UUIDField(
        read_only=True, allow_null=True, help_text="null once the recipient was erased."
    )
    status = _status_field()

    class Meta:
        model = Message
        fields = [
            "id",
            "conversation_id",
            "sender_id",
            "recipient_id",
            "content",
            "client_id",
            "created_at",
            "status",
            "delivered_at",
            "read_at",
        ]
        read_only_fields = fields


_TIMESTAMP = serializers.DateTimeField()


def timestamp(value) -> str:
    """A datetime as the API writes it everywhere (ISO 8601, UTC)."""
    return _TIMESTAMP.to_representation(value)


# One instance, its fields bound once: building a ModelSerializer's fields for every
# message cost more than writing the message out. ``to_representation`` only reads them,
# so threads may share it.
_MESSAGE = MessageSerializer()


def message_data(message: Message) -> dict:
    """The message as plain JSON types, fit for a channel layer (``MessageSerializer``'s
    shape, as REST gives it)."""
    return dict(_MESSAGE.to_representation(message))


class MemberSerializer(serializers.Serializer):
    id = serializers.UUIDField(allow_null=True, help_text="null for a deleted member.")
    display_name = serializers.CharField()


class LastMessageSerializer(serializers.ModelSerializer):
    sender_id = serializers.UUIDField(read_only=True, allow_null=True)
    status = _status_field()

    class Meta:
        model = Message
        fields = ["id", "content", "sender_id", "created_at", "status", "delivered_at", "read_at"]
        read_only_fields = fields


class ThreadSerializer(serializers.Serializer):
    conversation_id = serializers.UUIDField(source="id", read_only=True)
    counterpart = serializers.SerializerMethodField(
        help_text='The other member; {"id": null, "display_name": "Deleted member"} once erased.'
    )
    last_message = LastMessageSerializer(read_only=True)
    last_message_at = serializers.DateTimeField(read_only=True)
    unread_count = serializers.IntegerField(
        read_only=True, help_text="The caller's unread messages in this thread."
    )
    blocked_by_me = serializers.BooleanField(read_only=True)

    @extend_schema_field(MemberSerializer)
    def get_counterpart(self, conversation) -> dict:
        if conversation.counterpart_id is None:
            return {"id": None, "display_name": DELETED_MEMBER}
        return {
            "id": str(conversation.counterpart_id),
            "display_name": conversation.counterpart_name or "",
        }


class UnreadSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_user = serializers.DictField(
        child=serializers.IntegerField(), help_text="Unread messages per sender id."
    )
    by_conversation = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Unread messages per conversation id (erased senders included).",
    )


class BlockSerializer(serializers.Serializer):
    user = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(MemberSerializer)
    def get_user(self, block) -> dict:
        name = getattr(block, "blocked_name", None)
        return {"id": str(block.blocked_id), "display_name": name or ""}
