"""Streamed text replies: yielded as they arrive, recorded when they end, and pushed to
the user's sockets as ``ai.token`` frames."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.db import DatabaseError, close_old_connections, connections, transaction
from django.utils import timezone

from core import realtime

from .. import features, frames, providers, quotas
from ..context import member_context
from ..features import Feature
from ..models import Generation
from ..providers import Provider, ProviderError, ProviderRequest, ProviderStream
from .outcome import (
    CANCELLED,
    INTERNAL_ERROR,
    REFUSED,
    GenerationFailed,
    Usage,
    logger,
    ms_since,
    record,
)

if TYPE_CHECKING:
    from accounts.models import User


class GenerationStream:
    """A streamed reply: iterate it for the text as it arrives. ``generation`` is committed
    before the first piece. Provider errors do not raise: the iteration ends and
    ``generation`` holds the outcome (succeeded with ``output={"text": ...}``, or failed
    with its error). Iterate to the end or call :meth:`close` (an abandoned stream is
    recorded as failed, ``cancelled``). Another thread stops it with :meth:`cancel`."""

    def __init__(self, generation: Generation, provider: Provider, request: ProviderRequest):
        self.generation = generation
        # Called after the last piece, before the outcome is recorded and announced: how
        # stream_to_user sends text it held back ahead of ``ai.generation.updated``.
        self.before_record: Callable[[], None] | None = None
        self._pieces = _stream_run(self, provider, request)
        self._started = False
        # cancel() runs on another thread than the iteration: the lock orders the two
        # around the start, the event is what the iterating thread checks between pieces,
        # and _reply is the open provider stream cancel() cuts.
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._reply: ProviderStream | None = None

    def __iter__(self) -> GenerationStream:
        return self

    def __next__(self) -> str:
        with self._lock:
            if not self._started and self._cancelled.is_set():
                raise StopIteration
            self._started = True
        return next(self._pieces)

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def close(self) -> None:
        with self._lock:
            record_here = not self._started and not self._cancelled.is_set()
            self._started = True
        if record_here:
            failure = GenerationFailed(
                CANCELLED, "The stream was closed before it started.", refund=True
            )
            record(self.generation, output=None, failure=failure, usage=Usage(), latency_ms=0)
        self._pieces.close()

    def cancel(self) -> None:
        """Stop the reply from any thread: the member asked to stop it, so the quota is
        not refunded (the provider may already have written, and billed, part of it). The
        iterating thread's blocked read ends at once, its iteration stops and it records
        the generation failed with ``cancelled`` and the text so far, whatever the cut
        connection made the read raise. Before the iteration started, it is recorded here.
        Calling it again, or after the reply ended, does nothing."""
        with self._lock:
            if self._cancelled.is_set():
                return
            self._cancelled.set()
            # Not started: __next__ will not start it now, so the generator is ours to end.
            record_here = not self._started
            reply = self._reply
        if record_here:
            failure = GenerationFailed(
                CANCELLED, "The reply was cancelled before it started.", refund=False
            )
            record(self.generation, output=None, failure=failure, usage=Usage(), latency_ms=0)
            self._pieces.close()
        elif reply is not None:
            reply.abort()


def stream(
    *,
    user: User,
    feature: str,
    messages: list[dict[str, str]],
    context: dict[str, Any] | None = None,
    input_reference: dict[str, Any] | None = None,
) -> GenerationStream:
    """Stream a text reply of ``feature`` to ``messages`` (``[{"role": "user" |
    "assistant", "content": str}, ...]``, oldest first). The feature's ``system.txt`` is
    rendered with ``context`` (and the member's context when the feature declares
    ``member_context``) and sent first. Takes the quota at once (raises
    ``QuotaExceeded``); call it outside a transaction, so the generation row is committed
    before anyone hears of it.

    ``Generation.input`` records ``messages`` and ``context``; a caller whose history is
    stored elsewhere (a conversation's messages) passes ``input_reference`` (where to find
    it) instead, and ``input`` records that with the context and the number of messages:
    storing each turn's whole history would grow the log with the square of the
    conversation's length."""
    spec = features.get(feature)
    if spec.structured:
        raise ValueError(f"{feature} has an output schema; queue it with ai.services.generate.")
    _check_messages(messages)
    context = context or {}
    member = member_context(user) if spec.member_context else None
    # Rendered before anything is recorded: a broken template takes no quota.
    system = spec.render_system(context, member)
    provider = providers.get_provider()
    generation = _stream_open(
        user=user,
        spec=spec,
        provider=provider,
        messages=messages,
        context=context,
        member=member,
        input_reference=input_reference,
    )
    request = ProviderRequest(
        model=generation.model,
        messages=[{"role": "system", "content": system}, *messages],
        max_output_tokens=spec.max_output_tokens,
        temperature=spec.temperature,
        member_context=member,
    )
    return GenerationStream(generation, provider, request)


def _check_messages(messages: list[dict[str, str]]) -> None:
    if not messages or not all(
        isinstance(m, dict)
        and m.get("role") in ("user", "assistant")
        and isinstance(m.get("content"), str)
        for m in messages
    ):
        raise ValueError("messages must be a non-empty list of {role: user|assistant, content}.")


@transaction.atomic
def _stream_open(
    *,
    user,
    spec: Feature,
    provider: Provider,
    messages: list,
    context: dict,
    member: dict | None,
    input_reference: dict[str, Any] | None = None,
) -> Generation:
    day = quotas.take(user=user, feature=spec.name, cost=spec.cost)
    if input_reference is not None:
        recorded = {
            "reference": input_reference,
            "messages_count": len(messages),
            "context": context,
        }
    else:
        recorded = {"messages": messages, "context": context}
    return Generation.objects.create(
        user=user,
        feature=spec.name,
        streamed=True,
        status=Generation.Status.RUNNING,
        provider=provider.name,
        model=provider.model_for(spec.model_name()),
        prompt_version=spec.prompt_version(),
        input=recorded,
        member_context=member,
        quota_day=day,
        quota_cost=spec.cost,
        started_at=timezone.now(),
    )


# Characters per token when the provider reports no usage: OpenAI's rule of thumb for
# English text (about four characters a token); a rough count is still a usable one.
CHARACTERS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARACTERS_PER_TOKEN)


def _stream_run(
    owner: GenerationStream, provider: Provider, request: ProviderRequest
) -> Iterator[str]:
    generation = owner.generation
    usage = Usage()
    pieces: list[str] = []
    refusal: list[str] = []
    finish_reason = None
    tokens_in = tokens_out = None
    started = time.monotonic()
    first_piece_at: float | None = None
    failure: GenerationFailed | None = None
    opened = False
    try:
        reply = provider.stream(request)
        opened = True
        usage.attempts = reply.attempts
        with owner._lock:
            owner._reply = reply
            cancelled_while_opening = owner.cancelled
        if cancelled_while_opening:
            reply.abort()
        try:
            for delta in reply:
                if owner.cancelled:
                    break
                if delta.text:
                    if first_piece_at is None:
                        first_piece_at = time.monotonic()
                    pieces.append(delta.text)
                    yield delta.text
                if delta.refusal:
                    refusal.append(delta.refusal)
                finish_reason = delta.finish_reason or finish_reason
                tokens_in = delta.tokens_in if delta.tokens_in is not None else tokens_in
                tokens_out = delta.tokens_out if delta.tokens_out is not None else tokens_out
        finally:
            reply.close()
    except ProviderError as exc:
        usage.attempts = max(usage.attempts, exc.attempts)
        failure = GenerationFailed(exc.code, exc.message, refund=True)
    except GeneratorExit:
        failure = GenerationFailed(
            CANCELLED, "The stream was closed before the reply ended.", refund=False
        )
        _count_usage(usage, request, pieces, tokens_in, tokens_out)
        _record_stream(generation, pieces, failure, usage, started, first_piece_at)
        raise
    except DatabaseError:
        raise
    except Exception:
        if not owner.cancelled:
            logger.exception("AI stream %s failed on our side", generation.pk)
        failure = GenerationFailed(INTERNAL_ERROR, "Something went wrong on our side.", refund=True)
    if owner.cancelled:
        # Whatever the cut connection raised (or an early end), the member stopped it.
        failure = GenerationFailed(
            CANCELLED, "The reply was cancelled.", refund=False, keep_output=True
        )
    if failure is None and refusal and not pieces:
        failure = GenerationFailed(REFUSED, "".join(refusal), refund=False)
    if failure is None and finish_reason == "content_filter":
        failure = GenerationFailed(
            REFUSED, "The provider's content filter stopped the answer.", refund=False
        )
    if opened:
        _count_usage(usage, request, pieces, tokens_in, tokens_out)
    if owner.before_record is not None:
        owner.before_record()
    _record_stream(generation, pieces, failure, usage, started, first_piece_at)


def _count_usage(
    usage: Usage,
    request: ProviderRequest,
    pieces: list[str],
    tokens_in: int | None,
    tokens_out: int | None,
) -> None:
    """For a stream the provider opened: its counts when it sent them (the last chunk,
    asked for with ``include_usage``); otherwise estimates, so cost and quotas still see the reply: the
    prompt's characters for what was read, and for what was written the larger of the
    piece count (a provider's delta is about one token) and its characters (a proxy may
    merge deltas)."""
    usage.estimated = tokens_in is None or tokens_out is None
    if tokens_in is None:
        tokens_in = estimate_tokens("".join(m["content"] for m in request.messages))
    if tokens_out is None:
        tokens_out = max(len(pieces), estimate_tokens("".join(pieces)))
    usage.tokens_in = tokens_in
    usage.tokens_out = tokens_out


def _record_stream(
    generation: Generation,
    pieces: list[str],
    failure: GenerationFailed | None,
    usage: Usage,
    started: float,
    first_piece_at: float | None,
) -> None:
    record(
        generation,
        output={"text": "".join(pieces)},
        failure=failure,
        usage=usage,
        latency_ms=ms_since(started),
        time_to_first_token_ms=(
            round((first_piece_at - started) * 1000) if first_piece_at is not None else None
        ),
    )


def stream_to_user(
    *,
    user: User,
    feature: str,
    messages: list[dict[str, str]],
    context: dict[str, Any] | None = None,
    flush_interval: float = 0.05,
) -> Generation:
    """Stream a reply into the user's sockets: ``{"type": "ai.token", "generation": id,
    "delta": text}`` frames as the text arrives (pieces arriving within ``flush_interval``
    seconds travel in one frame), then ``ai.generation.updated`` once it is recorded.

    It blocks for as long as the model writes: call it from a Celery task (the
    conversations app's ``reply`` task stores the member's message, then calls this), or
    through :func:`astream_to_user` beside a socket's receive loop. Never inside a
    transaction: frames go out at once and must not name a row that is not committed."""
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("stream_to_user must run outside a transaction.")
    reply = stream(user=user, feature=feature, messages=messages, context=context)
    generation_id = str(reply.generation.pk)
    held: list[str] = []
    last_sent = time.monotonic()

    def send_held() -> None:
        nonlocal last_sent
        if held:
            frame = frames.token(generation_id=generation_id, delta="".join(held))
            realtime.send_to_user(user.pk, frame)
            held.clear()
        last_sent = time.monotonic()

    reply.before_record = send_held
    for piece in reply:
        held.append(piece)
        if time.monotonic() - last_sent >= flush_interval:
            send_held()
    return reply.generation


async def astream_to_user(**kwargs: Any) -> Generation:
    """:func:`stream_to_user` for asyncio code, e.g. a socket frame handler::

        consumer.spawn(ai.services.astream_to_user(user=consumer.user, feature=..., messages=...))

    It runs in a thread of its own (not the shared thread of ``database_sync_to_async``,
    which it would hold for the whole reply), so the socket keeps receiving. Cancelling
    the awaiting task does not stop the thread: the reply is still recorded."""
    return await sync_to_async(_stream_to_user_in_own_thread, thread_sensitive=False)(**kwargs)


def _stream_to_user_in_own_thread(**kwargs: Any) -> Generation:
    close_old_connections()
    try:
        return stream_to_user(**kwargs)
    finally:
        connections.close_all()
