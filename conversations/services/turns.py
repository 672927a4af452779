"""A member's turn, over REST or the socket: one function, :func:`message_send`.

It stores the member's message and a ``queued`` reply in one transaction, then starts the
reply after commit (:func:`reply_start`) and returns at once; the reply streams to the
member's sockets from wherever it runs. A ``client_id`` already stored in the conversation
returns the stored pair (``duplicate``) and starts nothing, which is what makes a resend
after a dropped socket safe; the unique constraint on (conversation, client_id) settles a
race between two sends of one id, and the partial unique index on replies in flight
settles two sends racing for the next turn (409 ``reply_in_progress``).

Cheap local moderation runs here, before anything is stored (400 ``moderation_blocked``
naming ``content``); the provider's moderation runs in the reply, before the model call.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from asgiref.sync import SyncToAsync, sync_to_async
from django.conf import settings
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.utils import timezone

from ai.services.moderation import SELF_HARM, moderate_locally
from analytics.services import track
from core.exceptions import Conflict, DomainError
from core.tasks import enqueue

from ..models import Conversation, Message, SafetyEvent
from . import safety

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

CONTENT_MAX = 2000


class ModerationBlocked(DomainError):
    code = "moderation_blocked"


@dataclass(frozen=True)
class Turn:
    member: Message
    reply: Message | None
    duplicate: bool


def max_turns(conversation: Conversation) -> int:
    if conversation.kind == Conversation.Kind.COACH:
        return settings.CONVERSATIONS_COACH_MAX_TURNS
    return settings.CONVERSATIONS_MAX_TURNS


def message_send(
    *, user: User, conversation: Conversation, content: str, client_id: str = ""
) -> Turn:
    """Store ``content`` as the member's next turn and start the reply. Raises
    ``Conflict`` (``conversation_not_active``, ``reply_in_progress``, ``turn_limit``,
    ``client_id_reused``) and ``ModerationBlocked``."""
    content = content.strip()
    if client_id:
        stored = _stored_turn(conversation, client_id, content)
        if stored is not None:
            return stored
    verdict = moderate_locally(content)
    if verdict.flagged and SELF_HARM not in verdict.categories:
        safety.record(
            user=user,
            conversation=conversation,
            direction=SafetyEvent.Direction.INPUT,
            categories=verdict.categories,
            action=SafetyEvent.Action.BLOCKED,
            source="local",
        )
        raise ModerationBlocked(
            "This message can't be sent: it breaks the community rules.", attr="content"
        )
    try:
        with transaction.atomic():
            turn = _store_turn(
                user=user, conversation=conversation, content=content, client_id=client_id
            )
    except IntegrityError:
        if client_id:
            stored = _stored_turn(conversation, client_id, content)
            if stored is not None:
                return stored
        raise Conflict(
            "The partner is still answering your last message.", code="reply_in_progress"
        ) from None
    track(
        "conversation_message_sent",
        user,
        conversation_id=str(conversation.pk),
        kind=conversation.kind,
        turn=turn.member_turn_number,
        length=len(content),
    )
    return Turn(member=turn.member, reply=turn.reply, duplicate=False)


@dataclass(frozen=True)
class _Stored:
    member: Message
    reply: Message
    member_turn_number: int


def _store_turn(*, user, conversation: Conversation, content: str, client_id: str) -> _Stored:
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if locked.status != Conversation.Status.ACTIVE:
        raise Conflict(
            f"The conversation is {locked.status}; it takes no more messages.",
            code="conversation_not_active",
        )
    if locked.member_turns >= max_turns(locked):
        raise Conflict(
            f"The conversation has reached its {max_turns(locked)} turns: end it and start "
            "another.",
            code="turn_limit",
        )
    if Message.objects.filter(conversation=locked, status__in=Message.IN_FLIGHT).exists():
        raise Conflict(
            "The partner is still answering your last message.", code="reply_in_progress"
        )
    now = timezone.now()
    member = Message.objects.create(
        conversation=locked,
        role=Message.Role.MEMBER,
        content=content,
        status=Message.Status.COMPLETE,
        client_id=client_id,
        finished_at=now,
    )
    reply = Message.objects.create(
        conversation=locked, role=Message.Role.PARTNER, status=Message.Status.QUEUED
    )
    locked.member_turns += 1
    locked.last_message_at = now
    locked.save(update_fields=["member_turns", "last_message_at", "updated_at"])
    conversation.member_turns = locked.member_turns
    conversation.last_message_at = now
    transaction.on_commit(lambda: reply_start(reply.pk))
    return _Stored(member=member, reply=reply, member_turn_number=locked.member_turns)


def _stored_turn(conversation: Conversation, client_id: str, content: str) -> Turn | None:
    member = Message.objects.filter(
        conversation=conversation, client_id=client_id, role=Message.Role.MEMBER
    ).first()
    if member is None:
        return None
    if member.content != content:
        raise Conflict(
            "This client_id was already used for another message.",
            code="client_id_reused",
            attr="client_id",
        )
    reply = (
        Message.objects.filter(
            conversation=conversation, role=Message.Role.PARTNER, created_at__gte=member.created_at
        )
        .order_by("created_at", "id")
        .first()
    )
    return Turn(member=member, reply=reply, duplicate=True)


# --- running replies -----------------------------------------------------------------------


def reply_start(message_id) -> None:
    """Run the reply ``message_id`` where ``CONVERSATIONS_REPLY_RUNNER`` says: a Celery
    worker (its own queue, ``CONVERSATIONS_REPLY_QUEUE``), a thread of this process, or
    inline. With eager Celery (a laptop) "celery" means a thread: ``.delay()`` would run
    the whole reply inside the frame handler that sent the message, and that socket could
    not receive its own stop until the reply ended."""
    runner = settings.CONVERSATIONS_REPLY_RUNNER
    if runner == "celery" and settings.CELERY_TASK_ALWAYS_EAGER:
        runner = "thread"
    if runner == "inline":
        from .replies import reply_run

        reply_run(message_id)
    elif runner == "thread":
        loop = _main_event_loop()
        if loop is None:
            threading.Thread(
                target=_run_in_thread, args=(message_id,), name=f"reply-{message_id}", daemon=True
            ).start()
        else:
            # Called from async code's sync thread (a socket's frame handler under ASGI, or
            # a test): the reply runs as that loop's sync code, so its pushes reach the
            # loop the consumers run on (the in-memory layer's queues live there; a plain
            # thread would push through a loop of its own that no consumer listens to).
            run = sync_to_async(_run_in_thread, thread_sensitive=False, executor=_executor())
            asyncio.run_coroutine_threadsafe(run(message_id), loop)
    else:
        from ..tasks import run_reply

        enqueue(run_reply.s(str(message_id)).set(queue=settings.CONVERSATIONS_REPLY_QUEUE))


_reply_executor: tuple[int, ThreadPoolExecutor] | None = None
_executor_lock = threading.Lock()
REPLY_THREADS = 32


def _executor() -> ThreadPoolExecutor:
    """Threads of their own for replies: a reply holds one for its whole stream, and must
    not take the loop's default pool that frame handlers' database calls run on."""
    global _reply_executor
    with _executor_lock:
        # Made again after a fork: a pool's threads do not cross into the child.
        if _reply_executor is None or _reply_executor[0] != os.getpid():
            pool = ThreadPoolExecutor(REPLY_THREADS, thread_name_prefix="reply")
            _reply_executor = (os.getpid(), pool)
        return _reply_executor[1]


def _main_event_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop whose ``sync_to_async`` called this thread, if any."""
    threadlocal = SyncToAsync.threadlocal
    if getattr(threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(threadlocal, "main_event_loop", None)
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    return loop


def _run_in_thread(message_id) -> None:
    from .replies import reply_run

    close_old_connections()
    try:
        reply_run(message_id)
    except Exception:
        logger.exception("Reply %s failed", message_id)
    finally:
        connections.close_all()
