"""Helpers of the conversations REST tests: start a conversation or send a turn through the
API with the after-commit work (the character's generation, the reply) run."""

from __future__ import annotations

import secrets

from django.utils import timezone

from conversations.models import Conversation, Message

API = "/api/v1/conversations"


def start(client, capture, scenario, difficulty: str = "green", **extra):
    """POST /conversations with the after-commit work run; the response."""
    with capture(execute=True):
        return client.post(
            API, {"scenario": scenario.slug, "difficulty": difficulty, **extra}, format="json"
        )


def send(client, capture, conversation, content: str, client_id: str = ""):
    """POST /conversations/{id}/messages with the reply run inline; the response."""
    body = {"content": content}
    if client_id:
        body["client_id"] = client_id
    with capture(execute=True):
        return client.post(f"{API}/{conversation.pk}/messages", body, format="json")


def ask(client, capture, content: str, thread=None, client_id: str = ""):
    body = {"content": content}
    if thread is not None:
        body["thread"] = str(thread)
    if client_id:
        body["client_id"] = client_id
    with capture(execute=True):
        return client.post(f"{API}/coach/ask", body, format="json")


def active_conversation(user, *, status=Conversation.Status.ACTIVE, **fields) -> Conversation:
    """A practice conversation of ``user`` made through the ORM, with its opener."""
    now = timezone.now()
    fields = {
        "scenario_snapshot": {"slug": "cafe", "title": "Café", "setting": "coffee_shop"},
        "difficulty": "green",
        "character": {"name": "Sam", "opener": "Hi there!"},
        "canary": secrets.token_hex(8),
        "started_at": now,
        "last_message_at": now,
        **fields,
    }
    conversation = Conversation.objects.create(
        user=user, kind=Conversation.Kind.PRACTICE, status=status, **fields
    )
    Message.objects.create(
        conversation=conversation,
        role=Message.Role.PARTNER,
        content="Hi there!",
        status=Message.Status.COMPLETE,
        finished_at=now,
    )
    return conversation


def error_of(response) -> dict:
    return response.json()["errors"][0]
