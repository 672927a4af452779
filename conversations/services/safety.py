"""Safety of practice conversations and coach threads: the events staff review, what the
partner says when a member signals self-harm, and the member who says they are under 18.

Category scores never reach a member's payload: members see a category name at most (the
``conversation.message.blocked`` frame); staff see the event in the admin.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import realtime

from .. import frames
from ..models import Conversation, Message, SafetyEvent

# "I'm 16", "I am only 17", "im 15 years old", "I'm under 18", "I'm a minor".
UNDERAGE = re.compile(
    r"\bi(?:'m|\s+am|m)\s+(?:only\s+|just\s+)?(?:(?:1[0-7]|[1-9])\b(?!\s*(?:%|percent|"
    r"minutes?|hours?|days?|weeks?|months?|km|miles?|kg|lbs?|cm|ft|\.\d))|under\s*(?:18|"
    r"eighteen|age)\b|a\s+minor\b|underage\b)",
    re.IGNORECASE,
)


def record(
    *,
    user,
    conversation: Conversation | None,
    direction: str,
    categories: list[str],
    action: str,
    source: str,
    message: Message | None = None,
) -> SafetyEvent:
    return SafetyEvent.objects.create(
        user=user,
        conversation=conversation,
        message=message,
        direction=direction,
        categories=list(categories),
        action=action,
        source=source,
    )


def says_underage(text: str) -> bool:
    return bool(UNDERAGE.search(text))


def resources_for(locale: str = "en") -> tuple[str, dict]:
    """The locale's resources (``CONVERSATIONS_SAFETY_RESOURCES``), English otherwise."""
    table = settings.CONVERSATIONS_SAFETY_RESOURCES
    language = (locale or "en").split("-")[0].lower()
    if language not in table:
        language = "en"
    return language, table[language]


@transaction.atomic
def pause_with_resources(*, conversation: Conversation, reply: Message, categories) -> Message:
    """The member signalled self-harm: the partner breaks character with the resources'
    message (stored as the reply, ``complete``), a practice conversation is paused (not
    scored; a coach thread goes on), and the member's sockets get ``safety.resources`` then
    ``ai.message``."""
    locale, resources = resources_for()
    now = timezone.now()
    reply.content = resources["message"]
    reply.status = Message.Status.COMPLETE
    reply.finished_at = now
    reply.save(update_fields=["content", "status", "finished_at", "updated_at"])
    if conversation.is_practice:
        Conversation.objects.filter(pk=conversation.pk).update(
            status=Conversation.Status.PAUSED, updated_at=now
        )
        conversation.status = Conversation.Status.PAUSED
    record(
        user=conversation.user,
        conversation=conversation,
        message=reply,
        direction=SafetyEvent.Direction.INPUT,
        categories=categories,
        action=SafetyEvent.Action.RESOURCES,
        source="moderation",
    )
    frame = frames.resources(
        conversation_id=str(conversation.pk),
        locale=locale,
        title=resources["title"],
        lines=resources["lines"],
    )
    realtime.send_to_user(conversation.user_id, frame)
    realtime.send_to_user(conversation.user_id, frames.conversation_updated(conversation))
    return reply


@transaction.atomic
def end_underage(*, conversation: Conversation, reply: Message, member_message: Message) -> None:
    """The member said they are under 18: the conversation ends unscored, practice is
    blocked until staff review the event (``reviewed_at``), and the reply says why."""
    now = timezone.now()
    reply.content = (
        "This practice is for adults only, so I'm ending this conversation. If you are 18 "
        "or older, our team will review your account and restore practice."
    )
    reply.status = Message.Status.COMPLETE
    reply.finished_at = now
    reply.save(update_fields=["content", "status", "finished_at", "updated_at"])
    Conversation.objects.filter(pk=conversation.pk).update(
        status=Conversation.Status.ENDED, ended_at=now, end_reason="underage", updated_at=now
    )
    conversation.status = Conversation.Status.ENDED
    conversation.end_reason = "underage"
    record(
        user=conversation.user,
        conversation=conversation,
        message=member_message,
        direction=SafetyEvent.Direction.INPUT,
        categories=["age"],
        action=SafetyEvent.Action.UNDERAGE,
        source="local",
    )
    realtime.send_to_user(conversation.user_id, frames.conversation_updated(conversation))
