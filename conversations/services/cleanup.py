"""Deleting conversations and threads, and clearing what their generations carried.

Deleting stops a reply that is still streaming first (LibreChat and Open WebUI keep
generating into a deleted chat), then removes the conversation with its transcript. The
gateway's generations of the conversation keep their usage numbers, but their content
(the history, the context, the text written) is cleared, as at the end of retention.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from ai import selectors as ai_selectors
from ai import services as ai_services

from .. import replay
from ..models import Conversation, Message
from .replies import cancel_request


def clear_generations_of_messages(messages: QuerySet[Message]) -> int:
    ids = [pk for pk in messages.exclude(generation=None).values_list("generation_id", flat=True)]
    # A coach thread's title generation holds its first question and answer as its input.
    threads = {
        str(pk)
        for pk in messages.filter(conversation__kind=Conversation.Kind.COACH)
        .values_list("conversation_id", flat=True)
        .distinct()
    }
    if threads:
        ids += (
            ai_selectors.generations()
            .filter(feature="conversations.coach_title", input__conversation_id__in=threads)
            .values_list("pk", flat=True)
        )
    return ai_services.generations_clear_content(ids=ids)


@transaction.atomic
def conversation_delete(*, conversation: Conversation) -> None:
    in_flight = list(
        Message.objects.filter(conversation=conversation, status__in=Message.IN_FLIGHT).values_list(
            "pk", flat=True
        )
    )
    for message_id in in_flight:
        cancel_request(message_id)
    generation_ids = set(
        Message.objects.filter(conversation=conversation)
        .exclude(generation=None)
        .values_list("generation_id", flat=True)
    )
    if conversation.character_generation_id:
        generation_ids.add(conversation.character_generation_id)
    if conversation.kind == Conversation.Kind.COACH:
        # The title's generation names the thread in its input.
        generation_ids.update(
            ai_selectors.generations()
            .filter(
                user_id=conversation.user_id,
                feature="conversations.coach_title",
                input__conversation_id=str(conversation.pk),
            )
            .values_list("pk", flat=True)
        )
    feedback = getattr(conversation, "feedback", None)
    if feedback is not None and feedback.generation_id:
        generation_ids.add(feedback.generation_id)
    ai_services.generations_clear_content(ids=generation_ids)
    message_ids = list(
        Message.objects.filter(conversation=conversation).values_list("pk", flat=True)
    )
    conversation.delete()
    transaction.on_commit(lambda: [replay.forget(pk) for pk in message_ids])
