"""Server -> client frames of 1:1 messaging (docs/API.md, the paragraph after "community").
The client -> server frames, and the errors they may get, are in ``events.py``.

``{"type": "message.new", "message": {"id", "conversation_id", "sender_id",
"recipient_id", "content", "client_id", "created_at", "status": "sent",
"delivered_at": null, "read_at": null}}``
    To every socket of the recipient and of the sender, but the socket that sent it. A
    socket of the recipient that receives it marks it delivered (``events.py``).

``{"type": "message.ack", "client_id": "c-1", "id": "<uuid>", "conversation_id": "<uuid>",
"created_at": "2025-01-01T12:00:00.123456Z", "status": "sent", "duplicate": false}``
    To the socket that sent ``message.send`` only; ``duplicate`` is true when that
    ``client_id`` was already stored (the ack carries the stored message's id, and its
    status now: a resend may find it delivered or read).

``{"type": "message.delivered", "id": "<message uuid>", "ids": ["<message uuid>", ...],
"conversation_id": "<uuid>", "recipient_id": "<uuid>", "sender_id": "<uuid>",
"delivered_at": "<iso>", "count": 1}``
    To every socket of the sender; each message is named in exactly one: the messages
    ``ids`` (newest first; ``id`` is the first, ``count`` how many) of the conversation
    reached ``recipient_id`` at ``delivered_at``. One frame for a message a socket of the
    recipient received, one for all of a page they fetched. It may come before the ack of
    the socket that sent the message (the two leave from different places). A message
    read before it was delivered gets no receipt of its own: its ``message.read`` says
    both.

``{"type": "message.read", "id": "<message uuid>", "conversation_id": "<uuid>",
"reader_id": "<uuid>", "sender_id": "<uuid>"|null, "read_at": "<iso>", "count": 3}``
    Every message of the conversation addressed to ``reader_id`` up to and including
    ``id`` is read; ``count`` is how many this read marked.

``{"type": "typing", "from": "<user uuid>", "expires_in": 6}``
    ``from`` is typing to you; hide the indicator after ``expires_in`` seconds
    (``COMMUNITY_TYPING_TTL_SECONDS``) unless another one comes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from community.models import Message
from community.serializers.messages import message_data, timestamp


def message_new(message: Message) -> dict[str, Any]:
    return {"type": "message.new", "message": message_data(message)}


def message_ack(message: Message, *, client_id: str | int, duplicate: bool) -> dict[str, Any]:
    return {
        "type": "message.ack",
        "client_id": client_id,
        "id": str(message.pk),
        "conversation_id": str(message.conversation_id),
        "created_at": timestamp(message.created_at),
        "status": str(message.status),
        "duplicate": duplicate,
    }


def message_delivered(
    *, ids: list, conversation_id, recipient_id, sender_id, delivered_at: dt.datetime
) -> dict[str, Any]:
    return {
        "type": "message.delivered",
        "id": str(ids[0]),
        "ids": [str(message_id) for message_id in ids],
        "conversation_id": str(conversation_id),
        "recipient_id": str(recipient_id),
        "sender_id": str(sender_id),
        "delivered_at": timestamp(delivered_at),
        "count": len(ids),
    }


def message_read(
    message: Message, *, reader_id, read_at: dt.datetime, count: int
) -> dict[str, Any]:
    return {
        "type": "message.read",
        "id": str(message.pk),
        "conversation_id": str(message.conversation_id),
        "reader_id": str(reader_id),
        "sender_id": None if message.sender_id is None else str(message.sender_id),
        "read_at": timestamp(read_at),
        "count": count,
    }


def typing(*, from_id) -> dict[str, Any]:
    return {
        "type": "typing",
        "from": str(from_id),
        "expires_in": settings.COMMUNITY_TYPING_TTL_SECONDS,
    }
