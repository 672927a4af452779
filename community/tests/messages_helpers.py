"""Helpers of the 1:1 message tests: the URLs, and a message as the API shows it."""

from community.models import Message
from community.serializers.messages import timestamp

THREADS = "/api/v1/messages/threads"

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
        "status": message.status,
        "delivered_at": None if message.delivered_at is None else timestamp(message.delivered_at),
        "read_at": None if message.read_at is None else timestamp(message.read_at),
    }
