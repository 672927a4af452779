"""Helpers of the messaging socket tests: frames sent and received, and messages as
frames show them."""

from channels.db import database_sync_to_async

from community.models import Message
from community.serializers.messages import timestamp


async def receive(socket) -> dict:
    return await socket.receive_json_from(timeout=1)


async def receive_each(socket, *frame_types: str) -> dict[str, dict]:
    """The next frames, one of each type, whatever order they come in: frames that two
    sources push independently (an ack and a receipt) have no order between them."""
    frames = [await receive(socket) for _ in frame_types]
    by_type = {frame["type"]: frame for frame in frames}
    assert sorted(by_type) == sorted(frame_types), frames
    return by_type


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
        "status": message.status,
        "delivered_at": None if message.delivered_at is None else timestamp(message.delivered_at),
        "read_at": None if message.read_at is None else timestamp(message.read_at),
    }


def as_sent(message: Message) -> dict:
    """The message as ``message.new`` shows it: pushed when stored, before any delivery."""
    return {**message_body(message), "status": "sent", "delivered_at": None, "read_at": None}


def delivered_frame(message: Message) -> dict:
    """The ``message.delivered`` receipt of ``message`` alone, as stored now."""
    return {
        "type": "message.delivered",
        "id": str(message.pk),
        "ids": [str(message.pk)],
        "conversation_id": str(message.conversation_id),
        "recipient_id": str(message.recipient_id),
        "sender_id": str(message.sender_id),
        "delivered_at": timestamp(message.delivered_at),
        "count": 1,
    }


async def refreshed(message: Message) -> Message:
    await database_sync_to_async(message.refresh_from_db)()
    return message


stored = database_sync_to_async(lambda: list(Message.objects.order_by("created_at")))
