"""Server -> client frames of the conversations app (docs/API.md, the conversations frame
table). Plain strings, numbers and lists only: channels-redis packs frames with msgpack.

A reply is followed by ``ai.token`` frames numbered ``seq`` 1, 2, 3... (the text that
arrived within ``CONVERSATIONS_COALESCE_MS`` in one frame), then exactly one ``ai.message``
with the stored final text; ``ai.retract`` comes first when a finished reply is withdrawn.
"""

from __future__ import annotations

from typing import Any

from .models import Conversation, Message


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def token(*, generation_id: str, conversation_id: str, message_id: str, seq: int, delta: str):
    return {
        "type": "ai.token",
        "generation": generation_id,
        "conversation_id": conversation_id,
        "message_id": message_id,
        "seq": seq,
        "delta": delta,
    }


def usage_of(message: Message) -> dict[str, Any] | None:
    generation = message.generation
    if generation is None:
        return None
    return {
        "tokens_in": generation.tokens_in,
        "tokens_out": generation.tokens_out,
        "estimated": generation.usage_estimated,
    }


def error_of(message: Message) -> dict[str, Any] | None:
    if message.status != Message.Status.ERROR:
        return None
    from .services.replies import error_detail

    detail, retryable = error_detail(message.error_code)
    return {"code": message.error_code, "detail": detail, "retryable": retryable}


def message_final(message: Message) -> dict[str, Any]:
    """``ai.message``: the reply as stored."""
    return {
        "type": "ai.message",
        "conversation_id": str(message.conversation_id),
        "message_id": str(message.pk),
        "generation": str(message.generation_id) if message.generation_id else None,
        "status": message.status,
        "content": message.content,
        "last_seq": message.last_seq,
        "usage": usage_of(message),
        "error": error_of(message),
    }


def retract(*, conversation_id: str, message_id: str, reason: str) -> dict[str, Any]:
    return {
        "type": "ai.retract",
        "conversation_id": conversation_id,
        "message_id": message_id,
        "reason": reason,
    }


def ack(*, member: Message, reply: Message, duplicate: bool) -> dict[str, Any]:
    return {
        "type": "conversation.message.ack",
        "client_id": member.client_id or None,
        "conversation_id": str(member.conversation_id),
        "message_id": str(member.pk),
        "reply_id": str(reply.pk) if reply is not None else None,
        "created_at": iso(member.created_at),
        "duplicate": duplicate,
    }


def conversation_updated(conversation: Conversation) -> dict[str, Any]:
    feedback = getattr(conversation, "feedback", None) if conversation.pk else None
    return {
        "type": "conversation.updated",
        "conversation": {
            "id": str(conversation.pk),
            "kind": conversation.kind,
            "status": conversation.status,
            "title": conversation.title,
            "character": conversation.character,
            "feedback_status": feedback.status if feedback is not None else None,
        },
    }


def blocked(*, member: Message, reply: Message | None, category: str) -> dict[str, Any]:
    return {
        "type": "conversation.message.blocked",
        "conversation_id": str(member.conversation_id),
        "message_id": str(member.pk),
        "reply_id": str(reply.pk) if reply is not None else None,
        "client_id": member.client_id or None,
        "category": category,
    }


def resources(*, conversation_id: str, locale: str, title: str, lines: list[dict]) -> dict:
    return {
        "type": "safety.resources",
        "conversation_id": conversation_id,
        "locale": locale,
        "title": title,
        "lines": lines,
    }
