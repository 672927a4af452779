"""Server -> client frames of 1:1 messaging (docs/API.md, the paragraph after "community").
The client -> server frames, and the errors they may get, are in ``events.py``.

``{"type": "message.new", "message": {"id", "conversation_id", "sender_id",
"recipient_id", "content", "client_id", "created_at", "read_at": null}}``
    To every socket of the recipient and of the sender, but the socket that sent it.

``{"type": "message.ack", "client_id": "c-1", "id": "<uuid>", "conversation_id": "<uuid>",
"created_at": "2025-01-01T12:00:00.123456Z", "duplicate": false}``
    To the socket that sent ``message.send`` only; ``duplicate`` is true when that
    ``client_id`` was already stored (the ack carries the stored message's id).

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
        "duplicate": duplicate,
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
