"""The streamed reply of a practice partner or the AI coach: :func:`reply_run`, the body of
the ``conversations.run_reply`` task (or of a thread; ``turns.reply_start``).

1. Claim the reply (``queued -> streaming``, a conditional UPDATE). A redelivered task that
   finds it ``streaming`` since longer than any reply lasts ends it ``error``
   (``interrupted``) with the text the log holds and never restarts it: the member has
   already seen that prefix. (So does the sweep, ``replies_recover_stale``.)
2. Moderate the member's text with the provider, before any model call: blocked input never
   reaches the model and costs no units; self-harm signals break character
   (``safety.resources``, the conversation paused); "I am under 18" ends practice.
3. Stream from the gateway (``ai.services.stream``). The reading thread only collects the
   pieces; a pump thread beside it sends the text held so far as one ``ai.token`` frame
   with the next ``seq`` every ``CONVERSATIONS_COALESCE_MS``, appended to the replay log
   first (``conversations.replay``), and polls the stop flag
   (``conversations:cancel:<id>``), cutting the provider's stream when it is set, so a stop
   takes effect even while the provider is silent. The database connection is handed back
   while the model writes.
4. Check the whole reply (the conversation's canary, then the provider's moderation): a
   flagged reply is retracted (``ai.retract``), stored ``retracted`` without its text, and
   written once more, more strictly, as a new message; flagged twice ends the conversation.
5. Store the final text, status, ``last_seq`` and the generation in one transaction, and
   send ``ai.message`` after it commits: the stored state never waits for a socket.

A provider failure ends the reply ``error`` with the text so far; the conversation stays
``active``, and a practice conversation gives its day's unit back (once) when the provider
failed before any reply of the model was produced.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ai import selectors as ai_selectors
from ai import services as ai_services
from ai.quotas import QuotaExceeded
from ai.services.moderation import SELF_HARM, ModerationUnavailable
from core import realtime

from .. import frames, replay
from ..ai_features import COACH, PARTNER
from ..models import Conversation, Message, SafetyEvent
from . import safety
from .practice import practice_refund

logger = logging.getLogger(__name__)

CANCEL_KEY = "conversations:cancel:{}"
CANCEL_TTL = 3600

INTERRUPTED = "interrupted"
MODERATION_UNAVAILABLE = "moderation_unavailable"
QUOTA_EXCEEDED = "quota_exceeded"

# Errors the member may try again (send the message again) and what to tell them.
ERRORS = {
    "rate_limited": ("The AI provider is busy; try again in a moment.", True),
    "provider_unavailable": ("The AI provider is unavailable; try again shortly.", True),
    "timeout": ("The AI provider took too long to answer; try again.", True),
    "connection_error": ("The connection to the AI provider was lost; try again.", True),
    "incomplete_stream": ("The reply was cut short by the AI provider; try again.", True),
    "provider_error": ("The AI provider could not answer this; try rephrasing.", False),
    "internal_error": ("Something went wrong on our side; try again.", True),
    "refused": ("The AI declined to answer that.", False),
    INTERRUPTED: ("The reply was interrupted; send your message again.", True),
    MODERATION_UNAVAILABLE: ("Moderation is unavailable right now; try again shortly.", True),
    QUOTA_EXCEEDED: ("Today's AI units are used up; they reset at midnight UTC.", False),
    "safety": ("The reply was withdrawn by our safety checks.", False),
}

DIFFICULTY_RULES = {
    "green": "friendly and open: answer warmly, share a little about yourself, and ask a "
    "question back now and then.",
    "yellow": "polite but busy: answer briefly at first and warm up only if the member is "
    "light, specific and respectful of your time.",
    "red": "reserved: give short answers, do not carry the conversation, and open up only "
    "to real curiosity and tact; a pushy approach makes you end the chat.",
}


def error_detail(code: str) -> tuple[str, bool]:
    return ERRORS.get(code, ("The reply failed.", True))


def cancel_request(message_id) -> None:
    """Ask the reply ``message_id`` to stop: its watchdog sees the flag within
    ``CONVERSATIONS_CANCEL_POLL`` seconds, wherever the reply runs."""
    cache.set(CANCEL_KEY.format(message_id), 1, CANCEL_TTL)


def cancel_requested(message_id) -> bool:
    return bool(cache.get(CANCEL_KEY.format(message_id)))


# --- the run -------------------------------------------------------------------------------


def reply_run(message_id) -> str | None:
    """Produce the reply ``message_id``; its final status (None when it was not ours to
    run: unknown, or already finished)."""
    reply = _claim(message_id)
    if reply is None:
        return None
    conversation = reply.conversation
    member = (
        Message.objects.filter(
            conversation=conversation, role=Message.Role.MEMBER, created_at__lte=reply.created_at
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if member is None:
        return _finish(reply, status=Message.Status.ERROR, error_code="internal_error")
    if cancel_requested(reply.pk):
        return _finish(reply, status=Message.Status.CANCELLED)
    checked = _check_input(conversation, member, reply)
    if checked is not None:
        return checked
    return _stream(conversation, reply, strict=False)


def _claim(message_id) -> Message | None:
    claimed = Message.objects.filter(pk=message_id, status=Message.Status.QUEUED).update(
        status=Message.Status.STREAMING, updated_at=timezone.now()
    )
    message = Message.objects.select_related("conversation__user").filter(pk=message_id).first()
    if message is None:
        return None
    if claimed:
        return message
    stale_before = timezone.now() - timedelta(
        seconds=settings.CONVERSATIONS_STALE_STREAMING_SECONDS
    )
    if message.status == Message.Status.STREAMING and message.updated_at < stale_before:
        # A redelivered task whose worker died: never stream the reply a second time. (A
        # recent claim belongs to a run that is still streaming: leave it alone.)
        logged = replay.text(message.pk)
        content, last_seq = logged if logged is not None else ("", message.last_seq)
        _finish(
            message,
            status=Message.Status.ERROR,
            error_code=INTERRUPTED,
            content=content,
            last_seq=last_seq,
        )
    return None


def _check_input(conversation: Conversation, member: Message, reply: Message) -> str | None:
    user = conversation.user
    try:
        verdict = ai_services.moderate(text=member.content, user=user)
    except ModerationUnavailable:
        # Fail closed: what could not be checked does not reach the model.
        return _finish(reply, status=Message.Status.ERROR, error_code=MODERATION_UNAVAILABLE)
    if SELF_HARM in verdict.categories or any(
        c.startswith("self-harm") for c in verdict.categories
    ):
        safety.pause_with_resources(
            conversation=conversation, reply=reply, categories=verdict.categories
        )
        _after_commit_final(reply)
        return reply.status
    if verdict.flagged:
        with transaction.atomic():
            Message.objects.filter(pk=member.pk).update(status=Message.Status.BLOCKED)
            member.status = Message.Status.BLOCKED
            safety.record(
                user=user,
                conversation=conversation,
                message=member,
                direction=SafetyEvent.Direction.INPUT,
                categories=verdict.categories,
                action=SafetyEvent.Action.BLOCKED,
                source=verdict.source,
            )
            reply.status = Message.Status.BLOCKED
            reply.finished_at = timezone.now()
            reply.save(update_fields=["status", "finished_at", "updated_at"])
            category = verdict.categories[0] if verdict.categories else "policy"
            realtime.send_to_user(
                user.pk, frames.blocked(member=member, reply=reply, category=category)
            )
        return reply.status
    if conversation.is_practice and safety.says_underage(member.content):
        safety.end_underage(conversation=conversation, reply=reply, member_message=member)
        _after_commit_final(reply)
        return reply.status
    return None


def history_of(conversation: Conversation, *, before: Message) -> list[dict[str, str]]:
    """The newest complete turns before ``before`` whose text fits
    ``CONVERSATIONS_HISTORY_CHARS``, oldest first, as chat messages; a practice
    conversation's opener is the partner's first turn."""
    budget = settings.CONVERSATIONS_HISTORY_CHARS
    rows = (
        Message.objects.filter(
            conversation=conversation,
            status=Message.Status.COMPLETE,
            created_at__lte=before.created_at,
        )
        .exclude(pk=before.pk)
        .order_by("-created_at", "-id")
        .values_list("role", "content")
    )
    picked: list[dict[str, str]] = []
    used = 0
    for role, content in rows.iterator(chunk_size=50):
        used += len(content)
        if picked and used > budget:
            break
        picked.append(
            {"role": "user" if role == Message.Role.MEMBER else "assistant", "content": content}
        )
    picked.reverse()
    return picked


def _context(conversation: Conversation, *, strict: bool) -> dict:
    if conversation.kind == Conversation.Kind.COACH:
        return {"canary": conversation.canary}
    return {
        "canary": conversation.canary,
        "strict": strict,
        "difficulty": conversation.difficulty,
        "difficulty_rules": DIFFICULTY_RULES.get(conversation.difficulty, ""),
        "scenario": conversation.scenario_snapshot or {},
        "character": conversation.character or {},
    }


class _Frames:
    """The reply's outgoing ``ai.token`` frames. The thread reading the provider only adds
    pieces (:meth:`add`); :class:`_Pump` sends what is held as one frame with the next
    ``seq`` every coalescing interval. So a push that is slow (a busy channel layer) never
    delays reading the provider and never multiplies frames: the text waiting for the next
    frame grows instead."""

    def __init__(self, *, user_id, conversation_id: str, message_id: str, generation_id: str):
        self.user_id = user_id
        self.conversation_id = conversation_id
        self.message_id = message_id
        self.generation_id = generation_id
        self.seq = 0
        self.text: list[str] = []
        self._held: list[str] = []
        self._lock = threading.Lock()
        # One flush at a time, so frames leave in seq order whoever flushes.
        self._sending = threading.Lock()
        self.first = threading.Event()

    def add(self, piece: str) -> None:
        with self._lock:
            self._held.append(piece)
            self.text.append(piece)
        self.first.set()

    def flush(self) -> None:
        with self._sending:
            with self._lock:
                if not self._held:
                    return
                delta = "".join(self._held)
                self._held.clear()
                self.seq += 1
                seq = self.seq
            replay.append(self.message_id, seq, delta)
            realtime.send_to_user(
                self.user_id,
                frames.token(
                    generation_id=self.generation_id,
                    conversation_id=self.conversation_id,
                    message_id=self.message_id,
                    seq=seq,
                    delta=delta,
                ),
            )


class _Pump(threading.Thread):
    """Beside the reading thread while a reply streams: sends the held text every
    ``CONVERSATIONS_COALESCE_MS`` (the first piece at once, for the time to first token),
    and every ``CONVERSATIONS_CANCEL_POLL`` seconds checks the stop flag and cuts the
    provider's stream when it is set, so a stop works even while the provider is silent."""

    def __init__(self, out: _Frames, message_id, stream) -> None:
        super().__init__(name=f"reply-pump-{message_id}", daemon=True)
        self.out = out
        self.message_id = message_id
        self.stream = stream
        self.done = threading.Event()
        # A reply run as an event loop's sync code (the thread runner under ASGI) pushes
        # through that loop, where the in-memory layer's consumers listen: the pump pushes
        # as its creator would, so it takes the creator's loop (asgiref finds it here).
        self._loop = (
            getattr(SyncToAsync.threadlocal, "main_event_loop", None),
            getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None),
        )

    def run(self) -> None:
        loop, pid = self._loop
        if loop is not None:
            SyncToAsync.threadlocal.main_event_loop = loop
            SyncToAsync.threadlocal.main_event_loop_pid = pid
        interval = settings.CONVERSATIONS_COALESCE_MS / 1000
        poll = float(settings.CONVERSATIONS_CANCEL_POLL)
        next_poll = time.monotonic() + poll
        # The first piece goes out as soon as it arrives.
        while not self.done.is_set() and not self.out.first.wait(min(poll, 0.05)):
            next_poll = self._check_stop(next_poll, poll)
        self.out.flush()
        while not self.done.wait(interval):
            self.out.flush()
            next_poll = self._check_stop(next_poll, poll)

    def _check_stop(self, next_poll: float, poll: float) -> float:
        now = time.monotonic()
        if now < next_poll:
            return next_poll
        if not self.stream.cancelled and cancel_requested(self.message_id):
            self.stream.cancel()
        return now + poll

    def finish(self) -> None:
        """Stop pumping and send what is still held (the reading thread, at the end)."""
        self.done.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join()
        self.out.flush()


def _stream(conversation: Conversation, reply: Message, *, strict: bool) -> str:
    user = conversation.user
    feature = COACH if conversation.kind == Conversation.Kind.COACH else PARTNER
    history = history_of(conversation, before=reply)
    try:
        stream = ai_services.stream(
            user=user,
            feature=feature.name,
            messages=history,
            context=_context(conversation, strict=strict),
            input_reference={
                "conversation_id": str(conversation.pk),
                "message_id": str(reply.pk),
                "history_messages": len(history),
            },
        )
    except QuotaExceeded:
        status = _finish(reply, status=Message.Status.ERROR, error_code=QUOTA_EXCEEDED)
        return status
    generation = stream.generation
    Message.objects.filter(pk=reply.pk).update(generation=generation)
    reply.generation = generation
    out = _Frames(
        user_id=user.pk,
        conversation_id=str(conversation.pk),
        message_id=str(reply.pk),
        generation_id=str(generation.pk),
    )
    pump = _Pump(out, reply.pk, stream)
    # The tail goes out before the gateway records the outcome (and announces it).
    stream.before_record = pump.finish
    if not transaction.get_connection().in_atomic_block:
        # Nothing reads the database while the model writes: hand the connection back
        # rather than hold one per streaming reply (it is opened again to record).
        transaction.get_connection().close()
    pump.start()
    try:
        for piece in stream:
            out.add(piece)
    finally:
        pump.finish()
    generation.refresh_from_db()
    text = "".join(out.text)
    if generation.status == ai_selectors.SUCCEEDED:
        leak = conversation.canary and conversation.canary in text
        if leak:
            return _retract(
                conversation, reply, out, reason="prompt_leak", categories=["canary"], strict=strict
            )
        try:
            verdict = ai_services.moderate(text=text, user=user)
        except ModerationUnavailable:
            return _retract(
                conversation, reply, out, reason=MODERATION_UNAVAILABLE, categories=[], strict=True
            )
        if verdict.flagged:
            return _retract(
                conversation,
                reply,
                out,
                reason="safety",
                categories=verdict.categories,
                strict=strict,
            )
        status = _finish(reply, status=Message.Status.COMPLETE, content=text, last_seq=out.seq)
        if conversation.kind == Conversation.Kind.COACH:
            from .coach import title_request

            title_request(conversation=conversation, reply=reply)
        return status
    if generation.error_code == ai_services.CANCELLED:
        return _finish(reply, status=Message.Status.CANCELLED, content=text, last_seq=out.seq)
    status = _finish(
        reply,
        status=Message.Status.ERROR,
        error_code=generation.error_code or "internal_error",
        content=text,
        last_seq=out.seq,
    )
    if conversation.is_practice and not _model_replied(conversation):
        practice_refund(conversation)
    return status


def _model_replied(conversation: Conversation) -> bool:
    """Whether the model has produced a reply in the conversation (the opener aside)."""
    return (
        Message.objects.filter(
            conversation=conversation, role=Message.Role.PARTNER, status=Message.Status.COMPLETE
        )
        .exclude(generation_id=conversation.character_generation_id)
        .exists()
    )


def _retract(
    conversation: Conversation,
    reply: Message,
    out: _Frames,
    *,
    reason: str,
    categories: list[str],
    strict: bool,
) -> str:
    """Withdraw a streamed reply the checks refused: ``ai.retract`` now, the message stored
    ``retracted`` without its text, a safety event; then one stricter attempt as a new
    message, unless this was already one (``strict``: the conversation then ends). A reply
    that could not be checked (moderation unavailable) ends ``error``, with no new attempt."""
    user_id = conversation.user_id
    realtime.send_to_user(
        user_id,
        frames.retract(
            conversation_id=str(conversation.pk), message_id=str(reply.pk), reason=reason
        ),
    )
    safety.record(
        user=conversation.user,
        conversation=conversation,
        message=reply,
        direction=SafetyEvent.Direction.OUTPUT,
        categories=categories,
        action=SafetyEvent.Action.CANARY
        if reason == "prompt_leak"
        else SafetyEvent.Action.RETRACTED,
        source="canary" if reason == "prompt_leak" else "moderation",
    )
    if reason == MODERATION_UNAVAILABLE:
        return _finish(
            reply,
            status=Message.Status.ERROR,
            error_code=MODERATION_UNAVAILABLE,
            last_seq=out.seq,
        )
    status = _finish(reply, status=Message.Status.RETRACTED, error_code="safety", last_seq=out.seq)
    if strict:
        now = timezone.now()
        Conversation.objects.filter(pk=conversation.pk).update(
            status=Conversation.Status.ENDED, ended_at=now, end_reason="safety", updated_at=now
        )
        conversation.status = Conversation.Status.ENDED
        conversation.end_reason = "safety"
        safety.record(
            user=conversation.user,
            conversation=conversation,
            message=reply,
            direction=SafetyEvent.Direction.OUTPUT,
            categories=categories,
            action=SafetyEvent.Action.ENDED,
            source="moderation",
        )
        realtime.send_to_user(user_id, frames.conversation_updated(conversation))
        return status
    replacement = Message.objects.create(
        conversation=conversation,
        role=Message.Role.PARTNER,
        status=Message.Status.STREAMING,
    )
    return _stream(conversation, replacement, strict=True)


def _finish(
    reply: Message,
    *,
    status: str,
    error_code: str = "",
    content: str | None = None,
    last_seq: int | None = None,
) -> str:
    """Store the reply's final state, then (after commit) end its replay log and send
    ``ai.message``. A retracted reply keeps no text."""
    now = timezone.now()
    reply.status = status
    reply.error_code = error_code
    if status == Message.Status.RETRACTED:
        reply.content = ""
    elif content is not None:
        reply.content = content
    if last_seq is not None:
        reply.last_seq = last_seq
    reply.finished_at = now
    with transaction.atomic():
        updated = Message.objects.filter(pk=reply.pk).update(
            status=reply.status,
            error_code=reply.error_code,
            content=reply.content,
            last_seq=reply.last_seq,
            finished_at=now,
            updated_at=now,
        )
        if not updated:
            # Deleted with its conversation while it streamed: nothing left to tell.
            return status
        Conversation.objects.filter(pk=reply.conversation_id).update(last_message_at=now)
        _after_commit_final(reply)
    return status


def _after_commit_final(reply: Message) -> None:
    user_id = reply.conversation.user_id

    def announce() -> None:
        replay.end(reply.pk, reply.status)
        if reply.generation_id is not None:
            reply.generation = ai_selectors.generations().filter(pk=reply.generation_id).first()
        realtime.send_to_user(user_id, frames.message_final(reply))

    transaction.on_commit(announce, robust=True)


# --- stop ----------------------------------------------------------------------------------

CANCEL_WAIT_SECONDS = 1.5


def reply_cancel(message: Message) -> Message:
    """Stop the reply ``message``: a queued one is cancelled here; a streaming one is
    flagged, and its run stops and stores it ``cancelled`` with its text so far, which this
    waits for (at most ``CANCEL_WAIT_SECONDS``). A finished reply is returned unchanged."""
    if message.status not in Message.IN_FLIGHT:
        return message
    cancel_request(message.pk)
    now = timezone.now()
    with transaction.atomic():
        if Message.objects.filter(pk=message.pk, status=Message.Status.QUEUED).update(
            status=Message.Status.CANCELLED, finished_at=now, updated_at=now
        ):
            message.status = Message.Status.CANCELLED
            message.finished_at = now
            _after_commit_final(message)
            return message
    deadline = time.monotonic() + CANCEL_WAIT_SECONDS
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status not in Message.IN_FLIGHT:
            break
        time.sleep(0.05)
    return message


# --- lost replies --------------------------------------------------------------------------


def replies_recover_stale() -> dict[str, int]:
    """Replies whose task was lost (the broker was down when it was enqueued) are started
    again after ``CONVERSATIONS_STALE_QUEUED_SECONDS``; replies whose worker died while
    streaming are ended ``error`` (``interrupted``, the logged text kept) after
    ``CONVERSATIONS_STALE_STREAMING_SECONDS``, so the conversation takes messages again."""
    from .turns import reply_start

    now = timezone.now()
    queued = list(
        Message.objects.filter(
            status=Message.Status.QUEUED,
            updated_at__lt=now - timedelta(seconds=settings.CONVERSATIONS_STALE_QUEUED_SECONDS),
        ).values_list("pk", flat=True)[:500]
    )
    for message_id in queued:
        reply_start(message_id)
    interrupted = 0
    for message in Message.objects.select_related("conversation").filter(
        status=Message.Status.STREAMING,
        updated_at__lt=now - timedelta(seconds=settings.CONVERSATIONS_STALE_STREAMING_SECONDS),
    )[:500]:
        logged = replay.text(message.pk)
        content, last_seq = logged if logged is not None else (message.content, message.last_seq)
        _finish(
            message,
            status=Message.Status.ERROR,
            error_code=INTERRUPTED,
            content=content,
            last_seq=last_seq,
        )
        interrupted += 1
    return {"restarted": len(queued), "interrupted": interrupted}
