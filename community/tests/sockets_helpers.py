"""Helpers of the messaging socket tests: frames sent and received, and messages as
frames show them."""

from channels.db import database_sync_to_async

from community.models import Message
from community.serializers.messages import timestamp


async def receive(socket) -> dict:
    return await socket.receive_json_from(timeout=1)


async def assert_nothing_more(socket) -> None:
    """Nothing is waiting on the socket but the answer to a ping (it is open, too)."""
    await socket.send_json_to({"type": "ping"})
    assert await receive(socket) == {"type": "pong"}


def send_frame(recipient, content="Hello", client_id="c-1") -> dict:
    return {
        "type": "message.send",
        "recipient": str(getattr(recipient, "pk", recipient)),
        "content": content,
        "client_id": client_id,
    }


def message_body(message: Message) -> dict:
    return {
        "id": str(message.pk),
        "conversation_id": str(message.conversation_id),
        "sender_id": str(message.sender_id),
        "recipient_id": str(message.recipient_id),
        "content": message.content,
        "client_id": message.client_id,
        "created_at": timestamp(message.created_at),
        "read_at": None if message.read_at is None else timestamp(message.read_at),
    }


stored = database_sync_to_async(lambda: list(Message.objects.order_by("created_at")))
