"""The AI coach: threads of questions and answers on the same pipeline as practice (a thread
is a ``Conversation`` of kind ``coach``: no scenario, character, practice quota or score).

A thread's title is generated after its first reply (``conversations.coach_title``), queued
once that reply is stored so it never delays it; its ``on_finish`` writes the title only
while ``title_source`` is ``auto``, so a member's rename always wins.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ai import selectors as ai_selectors
from ai import services as ai_services
from ai.quotas import QuotaExceeded
from analytics.services import track
from core import realtime

from .. import frames
from ..ai_features import COACH_TITLE
from ..models import Conversation, Message
from .turns import Turn, message_send

if TYPE_CHECKING:
    from accounts.models import User
    from ai.models import Generation

NEW_THREAD_TITLE = ""
TITLE_INPUT_MAX = 1500


def thread_create(*, user: User) -> Conversation:
    now = timezone.now()
    return Conversation.objects.create(
        user=user,
        kind=Conversation.Kind.COACH,
        status=Conversation.Status.ACTIVE,
        canary=secrets.token_hex(8),
        started_at=now,
        last_message_at=now,
    )


def coach_ask(
    *, user: User, content: str, thread: Conversation | None = None, client_id: str = ""
) -> tuple[Conversation, Turn]:
    """Ask the coach in ``thread``, or in a new thread when it is None. A resent
    ``client_id`` in a new thread finds the thread that stored it."""
    if thread is None and client_id:
        stored = (
            Message.objects.filter(
                conversation__user=user,
                conversation__kind=Conversation.Kind.COACH,
                client_id=client_id,
                role=Message.Role.MEMBER,
            )
            .select_related("conversation")
            .first()
        )
        if stored is not None:
            thread = stored.conversation
    created = thread is None
    if created:
        thread = thread_create(user=user)
    try:
        turn = message_send(user=user, conversation=thread, content=content, client_id=client_id)
    except Exception:
        if created:
            thread.delete()
        raise
    if not turn.duplicate:
        track(
            "coach_question_asked",
            user,
            conversation_id=str(thread.pk),
            new_thread=created,
            length=len(content),
        )
    return thread, turn


@transaction.atomic
def thread_rename(*, thread: Conversation, title: str) -> Conversation:
    thread.title = title
    thread.title_source = Conversation.TitleSource.MEMBER
    thread.save(update_fields=["title", "title_source", "updated_at"])
    realtime.send_to_user(thread.user_id, frames.conversation_updated(thread))
    return thread


def title_request(*, conversation: Conversation, reply: Message) -> None:
    """Queue the thread's title after its first complete reply; later replies, a title the
    member gave, or a day without units leave it as it is."""
    if conversation.title_source != Conversation.TitleSource.AUTO or conversation.title:
        return
    # The first complete answer (an earlier one may have failed) and the question it answers.
    answers = Message.objects.filter(
        conversation=conversation, role=Message.Role.PARTNER, status=Message.Status.COMPLETE
    ).order_by("created_at", "id")
    first = answers.values_list("pk", "content", "created_at").first()
    if first is None or first[0] != reply.pk:
        return
    question = (
        Message.objects.filter(
            conversation=conversation, role=Message.Role.MEMBER, created_at__lte=first[2]
        )
        .order_by("-created_at", "-id")
        .values_list("content", flat=True)
        .first()
    )
    if question is None:
        return
    pairs = [(Message.Role.MEMBER, question), (Message.Role.PARTNER, first[1])]
    try:
        ai_services.generate(
            user=conversation.user,
            feature=COACH_TITLE.name,
            inputs={
                "conversation_id": str(conversation.pk),
                "question": pairs[0][1][:TITLE_INPUT_MAX],
                "answer": pairs[1][1][:TITLE_INPUT_MAX],
            },
        )
    except QuotaExceeded:
        return


def title_finished(*, generation: Generation) -> None:
    """``on_finish`` of ``conversations.coach_title``: write the title unless the member
    has named the thread meanwhile, and tell their sockets."""
    if generation.status != ai_selectors.SUCCEEDED or not generation.output:
        return
    conversation_id = (generation.input or {}).get("conversation_id")
    if not conversation_id:
        return
    title = generation.output["title"].strip()
    updated = Conversation.objects.filter(
        pk=conversation_id,
        user_id=generation.user_id,
        title_source=Conversation.TitleSource.AUTO,
    ).update(title=title, updated_at=timezone.now())
    if updated:
        conversation = Conversation.objects.get(pk=conversation_id)
        realtime.send_to_user(conversation.user_id, frames.conversation_updated(conversation))
