"""WebSocket frames of AI conversation practice and the AI coach (docs/API.md, the
conversations frame table).

Client -> server
----------------

``{"type": "conversation.message", "conversation_id": "<uuid>", "content": "text", "client_id": "c-1"}``
    A member's turn in one of their practice conversations or coach threads, as
    ``POST /conversations/{id}/messages`` (or ``.../coach/threads/{id}/messages``) takes
    it: the message and a ``queued`` reply are stored, the reply starts, and the sending
    socket gets ``conversation.message.ack`` (``frames.ack``). The same ``client_id``
    again (a resend after a dropped socket) acks the stored message with ``duplicate``
    true and starts no second reply. The reply then streams to every socket of the
    member: ``ai.token`` frames (``seq`` 1, 2, 3...), then one ``ai.message``.

    Sends run on the event loop's thread pool, not channels' one database thread (see
    ``community/events.py``), and spend the member's ``THROTTLE_RATES["ai"]`` budget,
    shared with the REST endpoints.

``{"type": "conversation.resume", "conversation_id": "<uuid>", "message_id": "<uuid>", "last_seq": 3}``
    After a dropped socket: every ``ai.token`` of the reply after ``last_seq`` (from the
    replay log, ``conversations.replay``), in order, then the live frames that came
    meanwhile with none repeated, then ``ai.message`` once the reply is finished. A
    finished reply (its log expired or not) gets ``ai.message`` at once. The live frames
    of that reply are held back from this socket while the log is read
    (``consumer.hold_frames``), so nothing falls between the log and the live stream.
    (A live ``ai.token`` that reached this socket before its resume frame was handled
    may come again from the log: clients drop a ``seq`` already applied, docs/API.md.)

``{"type": "conversation.cancel", "conversation_id": "<uuid>", "message_id": "<uuid>"}``
    Stops a queued or streaming reply within a second (``reply_cancel``); no answer of
    its own: ``ai.message`` with status ``cancelled`` (and the text so far) reaches every
    socket of the member. A finished reply is left as it is.

Server -> client
----------------

``conversation.message.ack``, ``ai.token``, ``ai.message``, ``ai.retract``,
``conversation.updated``, ``conversation.message.blocked`` and ``safety.resources``: their
shapes are in ``frames.py``, which builds them.

Errors
------

A refused frame gets ``{"type": "error", "code", "detail", "attr", "client_id"?}`` and the
socket stays open:

- ``not_found`` (``attr`` ``conversation_id`` or ``message_id``): not a conversation or
  message of the caller (or not a UUID).
- ``age_restricted``: a practice turn of a member who has not passed onboarding's age
  check, or whose age is under review. Coach threads are not gated.
- ``blank`` / ``max_length`` / ``invalid`` on ``content`` (1-2000 characters) and
  ``client_id`` (a string of at most 64 characters); ``invalid`` on ``last_seq`` (an
  integer, 0 or more).
- From the turn itself, as over REST: ``conversation_not_active``, ``reply_in_progress``,
  ``turn_limit``, ``client_id_reused``, ``moderation_blocked``, ``quota_exceeded`` and
  ``throttled``.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from types import SimpleNamespace
from typing import Any

from channels.db import database_sync_to_async
from django.core.serializers.json import DjangoJSONEncoder

from core.exceptions import DomainError, NotFound, TooManyRequests
from core.realtime import frame_handler
from core.throttles import AIThrottle

from . import frames, replay
from .models import Conversation, Message
from .services import coach_ask, message_send, practice_allowed, reply_cancel
from .services.turns import CONTENT_MAX

CLIENT_ID_MAX = 64
# After a resume sent ``ai.message`` from the database, how long the live copy of it (on
# its way through the group) is waited for, to be dropped rather than sent twice.
FINAL_GRACE_SECONDS = 2.0
FINAL_POLL_SECONDS = 0.05

REPLY_FRAMES = ("ai.token", "ai.message", "ai.retract")


def _uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _conversation_of(user, conversation_id) -> Conversation:
    pk = _uuid(conversation_id)
    conversation = (
        Conversation.objects.filter(
            pk=pk,
            user=user,
            kind__in=(Conversation.Kind.PRACTICE, Conversation.Kind.COACH),
        ).first()
        if pk is not None
        else None
    )
    if conversation is None:
        raise NotFound("No such conversation.", attr="conversation_id")
    return conversation


def _message_of(user, conversation_id, message_id) -> Message:
    conversation_pk, message_pk = _uuid(conversation_id), _uuid(message_id)
    message = (
        Message.objects.filter(
            pk=message_pk, conversation_id=conversation_pk, conversation__user=user
        )
        .select_related("generation", "conversation")
        .first()
        if conversation_pk is not None and message_pk is not None
        else None
    )
    if message is None:
        raise NotFound("No such message.", attr="message_id")
    return message


_find_message = database_sync_to_async(_message_of, thread_sensitive=False)


def _content(value: Any) -> str:
    """The turn's text as ``MessageCreateSerializer`` takes it (trimmed, 1-2000)."""
    if not isinstance(value, str):
        raise DomainError("Not a valid string.", code="invalid", attr="content")
    content = value.strip()
    if not content:
        raise DomainError("This field may not be blank.", code="blank", attr="content")
    if len(content) > CONTENT_MAX:
        raise DomainError(
            f"Ensure this field has no more than {CONTENT_MAX} characters.",
            code="max_length",
            attr="content",
        )
    return content


def _client_id(value: Any) -> str:
    if not isinstance(value, str):
        raise DomainError("Not a valid string.", code="invalid", attr="client_id")
    client_id = value.strip()
    if len(client_id) > CLIENT_ID_MAX:
        raise DomainError(
            f"Ensure this field has no more than {CLIENT_ID_MAX} characters.",
            code="max_length",
            attr="client_id",
        )
    return client_id


def _within_ai_rate(user) -> None:
    """The per-member budget of the REST AI endpoints (``AIThrottle``, the same cache
    key), spent by socket turns too."""
    throttle = AIThrottle()
    if not throttle.allow_request(SimpleNamespace(user=user), None):
        wait = throttle.wait()
        raise TooManyRequests(
            f"Too many AI requests; try again in {round(wait or 1)} s.", code="throttled", wait=wait
        )


def _send_now(user, frame):
    conversation = _conversation_of(user, frame["conversation_id"])
    if conversation.is_practice:
        practice_allowed(user=user)
    content = _content(frame["content"])
    client_id = _client_id(frame["client_id"])
    # Refusals above spend none of the budget, as in community/events.py.
    _within_ai_rate(user)
    if conversation.kind == Conversation.Kind.COACH:
        _, turn = coach_ask(user=user, content=content, thread=conversation, client_id=client_id)
    else:
        turn = message_send(
            user=user, conversation=conversation, content=content, client_id=client_id
        )
    return turn


# On the loop's thread pool, not channels' one database thread: see ``community/events.py``.
_send = database_sync_to_async(_send_now, thread_sensitive=False)


@frame_handler("conversation.message", required=("conversation_id", "content", "client_id"))
async def conversation_message(consumer, frame):
    turn = await _send(consumer.user, frame)
    await consumer.send_frame(
        frames.ack(member=turn.member, reply=turn.reply, duplicate=turn.duplicate)
    )


# --- resume --------------------------------------------------------------------------------


def _last_seq(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DomainError(
            "last_seq must be an integer, 0 or more.", code="invalid", attr="last_seq"
        )
    return value


def _normal(frame: dict[str, Any]) -> Any:
    """A frame as the client would read it, to tell two copies of one frame apart."""
    return json.loads(json.dumps(frame, cls=DjangoJSONEncoder))


def _catch_up(message_id, after: int) -> tuple[list[tuple[int, str]], dict | None]:
    """The logged deltas after ``after`` and, once the reply is finished (by its log or
    the database), its ``ai.message``. The log is read first: a reply that ends between
    the two reads is seen finished by the second, so no token is left out."""
    logged = replay.read(message_id, after)
    message = Message.objects.select_related("generation").filter(pk=message_id).first()
    tokens = logged.frames if logged is not None else []
    if message is None:
        return tokens, None
    if message.status in Message.IN_FLIGHT:
        return tokens, None
    return tokens, frames.message_final(message)


_read = database_sync_to_async(_catch_up, thread_sensitive=False)


def _reply_frame(message_id: str):
    return lambda f: f.get("type") in REPLY_FRAMES and f.get("message_id") == message_id


async def _resume(consumer, hold, message: Message, after: int) -> None:
    """Send the logged tokens after ``after``, the live ones the hold caught past them, and
    the final (from the database when the reply is finished, else live); release."""
    message_id = str(message.pk)
    last_sent = after
    # The final read from the database, as the client reads it; its live copy is dropped.
    stored_final = None
    live_final_seen = False

    async def forward(held: list[dict[str, Any]]) -> None:
        nonlocal last_sent, live_final_seen
        for frame in held:
            if frame.get("type") == "ai.token":
                seq = frame.get("seq")
                if isinstance(seq, int) and seq > last_sent:
                    await consumer.send_frame(frame)
                    last_sent = seq
            elif stored_final is not None and _normal(frame) == stored_final:
                live_final_seen = True
            else:
                await consumer.send_frame(frame)

    try:
        tokens, final = await _read(message.pk, after)
        stored_final = _normal(final) if final is not None else None
        generation_id = str(message.generation_id) if message.generation_id else None
        for seq, delta in tokens:
            await consumer.send_frame(
                frames.token(
                    generation_id=generation_id,
                    conversation_id=str(message.conversation_id),
                    message_id=message_id,
                    seq=seq,
                    delta=delta,
                )
            )
            last_sent = seq
        # Live tokens that came while the log was read go before the final, which follows
        # every token of its reply.
        await forward(hold.take())
        if final is not None:
            await consumer.send_frame(final)
        deadline = time.monotonic() + FINAL_GRACE_SECONDS
        while True:
            held = hold.take()
            if held:
                await forward(held)
                continue
            # The final was sent from the database: its live copy may still be on its way
            # (pushed after the commit); it is dropped when it comes within the grace.
            if stored_final is None or live_final_seen or time.monotonic() >= deadline:
                break
            await asyncio.sleep(FINAL_POLL_SECONDS)
    finally:
        # No ``await`` between the last empty take() and the release: nothing slips past.
        # (After a failure, what was held still goes out.)
        await forward(consumer.release(hold))


@frame_handler("conversation.resume", required=("conversation_id", "message_id", "last_seq"))
async def conversation_resume(consumer, frame):
    after = _last_seq(frame["last_seq"])
    message = await _find_message(consumer.user, frame["conversation_id"], frame["message_id"])
    # Held from now: the frames pushed while this handler awaited are dispatched after it
    # returns, so they are caught too. The catching up runs beside the socket, which goes
    # on dispatching (and holding) live frames meanwhile.
    hold = consumer.hold_frames(_reply_frame(str(message.pk)))
    if consumer.spawn(_resume(consumer, hold, message, after), client_id=None) is None:
        consumer.release(hold)


# --- cancel --------------------------------------------------------------------------------

_cancel = database_sync_to_async(reply_cancel, thread_sensitive=False)


@frame_handler("conversation.cancel", required=("conversation_id", "message_id"))
async def conversation_cancel(consumer, frame):
    message = await _find_message(consumer.user, frame["conversation_id"], frame["message_id"])
    # reply_cancel waits (up to a second and a half) for the run to stop: beside the
    # socket, so its frames, the ``ai.message`` among them, are not held up meanwhile.
    consumer.spawn(_cancel(message))
