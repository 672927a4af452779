"""The one WebSocket consumer: every client's live events travel over ``/ws/`` (docs/API.md).

A consumer is a view for sockets: it authenticates the handshake, joins the user's group,
checks each client frame and hands it to the handler an app registered in its
``events.py`` (:func:`core.realtime.frame_handler`). Server -> client frames arrive
through the user's group (:func:`core.realtime.send_to_user`).

A bad frame never closes the socket: the client gets an ``error`` frame and may go on.

The socket itself never ends without a close frame. When the channel layer (Redis) fails
under an open socket, or during a handshake, the client gets
``realtime.CLOSE_TRY_AGAIN_LATER`` (1013) and should reconnect with backoff; any other
failure of the consumer closes with ``realtime.CLOSE_INTERNAL_ERROR`` (1011). Either way
the socket leaves the user's group when the layer still answers (else the membership
expires after ``CHANNELS_GROUP_EXPIRY``).

A handler may hold back some of the socket's outgoing group frames for a while
(:meth:`PlatformConsumer.hold_frames`), to send something of its own first: a resumed
stream sends what the client missed, then the live frames that arrived meanwhile, with no
gap and no duplicate. Frames are dispatched to a consumer one at a time, so the hold only
catches frames while the handler's work runs beside the socket (``consumer.spawn``). A
held frame is neither sent nor handed to its sent-handler: the holder sends what it wants
of them. ``hold.take()`` gives the frames held so far (the hold stands); send them and take
again until nothing comes, then ``consumer.release(hold)`` with no ``await`` in between, and
the live frames after it follow in order.

A handler may also join the socket to a named group beside the user's
(:meth:`PlatformConsumer.join_group`), for frames about a topic rather than a person
(watchers of one calendar); frames sent to it as ``{"type": "user.frame", "frame": ...}``
arrive like the user's. The socket leaves its named groups when it closes; it may hold at
most ``WS_MAX_NAMED_GROUPS`` (default 20) at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from core import frames, parsers, realtime, ws_auth
from core.cache import UNAVAILABLE
from core.exceptions import DomainError
from core.outages import Outage

logger = logging.getLogger(__name__)

# What the channel layer (channels-redis) and the ticket store raise when Redis is away.
LAYER_UNAVAILABLE = (*UNAVAILABLE, OSError, TimeoutError)
# Leaving the group on the way out must not hold a dying socket for long.
GROUP_DISCARD_TIMEOUT_SECONDS = 2.0
# Sockets closed for want of the layer: logged once per outage, not once per socket.
_layer_outage = Outage("Redis for sockets (channel layer, tickets)", logger=logger)

DEFAULT_MAX_FRAME_BYTES = 64 * 1024
DEFAULT_MAX_FRAMES_PER_SECOND = 20
# How long a closing socket waits for its spawned tasks to unwind after cancelling them.
TASK_CANCEL_GRACE_SECONDS = 1.0
MAX_CLIENT_ID_LENGTH = 128
DEFAULT_MAX_NAMED_GROUPS = 20


class FrameRateLimiter:
    """At most ``limit`` frames in any one-second window (a sliding window, so a burst
    cannot straddle two fixed windows). A limit of 0 or less turns the check off."""

    def __init__(self, limit: int):
        self.limit = limit
        self._times: deque[float] = deque(maxlen=max(limit, 1))

    def allow(self) -> bool:
        if self.limit <= 0:
            return True
        now = time.monotonic()
        if len(self._times) == self.limit and now - self._times[0] < 1.0:
            return False
        self._times.append(now)
        return True


class FrameHold:
    """Group frames matching ``predicate`` held back from one socket, in arrival order."""

    def __init__(self, predicate: Callable[[dict[str, Any]], bool]):
        self.predicate = predicate
        self._frames: list[dict[str, Any]] = []

    def catch(self, frame: dict[str, Any]) -> bool:
        """Hold ``frame`` when it matches; whether it did."""
        if not self.predicate(frame):
            return False
        self._frames.append(frame)
        return True

    def take(self) -> list[dict[str, Any]]:
        """The frames held so far, oldest first; the hold stays and starts empty again."""
        frames, self._frames = self._frames, []
        return frames


def _client_id(frame: dict[str, Any]) -> str | int | None:
    """The client's correlation id, echoed in error frames when it is a short str or int."""
    value = frame.get("client_id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if (
        isinstance(value, str)
        and len(value) <= MAX_CLIENT_ID_LENGTH
        and not parsers.FORBIDDEN_CHARACTERS.search(value)
    ):
        return value
    return None


class PlatformConsumer(AsyncWebsocketConsumer):
    """One socket per client, authenticated as one user, in that user's group."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = None
        self.group_name: str | None = None
        self._closing = False
        self._accepted = False
        self._disconnected = False
        self._tasks: set[asyncio.Task] = set()
        self._holds: list[FrameHold] = []
        self._named_groups: set[str] = set()
        self._max_frame_bytes = int(
            getattr(settings, "WS_MAX_FRAME_BYTES", DEFAULT_MAX_FRAME_BYTES)
        )
        self._rate = FrameRateLimiter(
            int(getattr(settings, "WS_MAX_FRAMES_PER_SECOND", DEFAULT_MAX_FRAMES_PER_SECOND))
        )

    # --- lifecycle ------------------------------------------------------------------------

    async def __call__(self, scope, receive, send):
        # Channels lets an exception from the layer's receive loop, or from a handler such
        # as connect(), end the consumer: the server then drops the TCP connection with no
        # close frame, or answers a handshake with an HTTP 500. Close properly instead.
        try:
            await super().__call__(scope, receive, send)
        except Exception as exc:
            await self._fail(exc)

    async def connect(self) -> None:
        auth = await ws_auth.authenticate(self.scope)
        if auth.user is None:
            # Accept, then close with 4401. A close sent before accepting becomes an HTTP
            # 403 on the handshake, which browsers hide from scripts (they only see 1006),
            # so the client could not tell "log in again" from "the network dropped".
            await self.accept(auth.subprotocol)
            await self.close(code=realtime.CLOSE_UNAUTHORIZED)
            return
        self.user = auth.user
        self.scope["user"] = auth.user
        self.group_name = realtime.group_for(auth.user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        _layer_outage.succeeded()
        await self.accept(auth.subprotocol)

    async def disconnect(self, code) -> None:
        self._disconnected = True
        await self._wind_down()

    async def accept(self, subprotocol=None, headers=None) -> None:
        await super().accept(subprotocol=subprotocol, headers=headers)
        self._accepted = True

    async def close(self, code=None, reason=None) -> None:
        # Nothing more may be sent once the close frame is on its way.
        self._closing = True
        await super().close(code=code, reason=reason)

    async def _fail(self, exc: Exception) -> None:
        """The consumer failed: close with 1013 when the layer (Redis) is away, 1011 for
        anything else, accepting first during a handshake (a close before accepting is an
        HTTP 403 the client cannot read), then leave the group if the layer lets us."""
        if isinstance(exc, LAYER_UNAVAILABLE):
            _layer_outage.failed(exc)
            code = realtime.CLOSE_TRY_AGAIN_LATER
        else:
            logger.error(
                "WebSocket consumer failed for user %s",
                getattr(self.user, "pk", None),
                exc_info=exc,
            )
            code = realtime.CLOSE_INTERNAL_ERROR
        if not (self._disconnected or self._closing) and hasattr(self, "base_send"):
            try:
                if not self._accepted:
                    await self.accept(self._offered_subprotocol())
                await self.close(code=code)
            except Exception:
                # The client is gone already; there is nobody left to tell.
                logger.debug("Could not send the close frame", exc_info=True)
        await self._wind_down()

    def _offered_subprotocol(self) -> str | None:
        # A browser that offered subprotocols fails a handshake that picks none.
        offered = [str(p) for p in self.scope.get("subprotocols") or []]
        return ws_auth.BEARER_SUBPROTOCOL if ws_auth.BEARER_SUBPROTOCOL in offered else None

    async def _wind_down(self) -> None:
        """Cancel the socket's spawned tasks and leave the user's group (once)."""
        self._closing = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=TASK_CANCEL_GRACE_SECONDS)
        if self.group_name is None:
            return
        group, self.group_name = self.group_name, None
        named, self._named_groups = self._named_groups, set()
        try:
            async with asyncio.timeout(GROUP_DISCARD_TIMEOUT_SECONDS):
                for name in (group, *sorted(named)):
                    await self.channel_layer.group_discard(name, self.channel_name)
        except LAYER_UNAVAILABLE as exc:
            # The membership expires on its own (CHANNELS_GROUP_EXPIRY); until then pushes
            # to it land in a channel nobody reads, which the layer expires within a minute.
            _layer_outage.failed(exc)

    # --- client -> server -----------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        # Whatever a frame does, the socket lives on: an exception escaping here would end
        # the consumer without a close frame and without leaving the user's group.
        try:
            await self._receive(text_data, bytes_data)
        except Exception as exc:
            await self._report_failure(exc, frame_type=None, client_id=None)

    async def _receive(self, text_data: str | None, bytes_data: bytes | None) -> None:
        if self.user is None or self._closing:
            return
        # Counted before anything else so floods of bad frames are limited too.
        within_rate = self._rate.allow()

        if text_data is None:
            await self.send_error("invalid_frame", "Frames must be JSON text, not binary.")
            return
        if (
            len(text_data) > self._max_frame_bytes
            or len(text_data.encode("utf-8")) > self._max_frame_bytes
        ):
            await self.send_error(
                "frame_too_large", f"Frames are limited to {self._max_frame_bytes} bytes."
            )
            return
        try:
            frame = parsers.loads(text_data)
        except parsers.JSONRejected as exc:
            if exc.code == parsers.PARSE_ERROR:
                await self.send_error("invalid_frame", "A frame must be a JSON object.")
            else:
                # Too deep, or a NUL or lone surrogate in a string: refused like REST
                # refuses the same body, naming the field.
                client_id = _client_id(exc.document) if isinstance(exc.document, dict) else None
                await self.send_error(exc.code, exc.detail, attr=exc.attr, client_id=client_id)
            return
        if not isinstance(frame, dict):
            await self.send_error("invalid_frame", "A frame must be a JSON object.")
            return

        client_id = _client_id(frame)
        if not within_rate:
            await self.send_error(
                "rate_limited",
                f"More than {self._rate.limit} frames in a second; this one was dropped.",
                client_id=client_id,
            )
            return
        frame_type = frame.get("type")
        if not isinstance(frame_type, str) or not frame_type:
            await self.send_error(
                "invalid_frame", "A frame needs a string 'type'.", client_id=client_id
            )
            return
        handler = realtime.handler_for(frame_type)
        if handler is None:
            await self.send_error(
                "unknown_type", f"Unknown frame type {frame_type[:100]!r}.", client_id=client_id
            )
            return
        missing = [field for field in handler.required if frame.get(field) is None]
        if missing:
            await self.send_error(
                "invalid_frame",
                f"Missing required field(s) for {frame_type!r}: {', '.join(missing)}.",
                client_id=client_id,
            )
            return
        try:
            await handler.handler(self, frame)
        except Exception as exc:
            await self._report_failure(exc, frame_type=frame_type, client_id=client_id)

    # --- for handlers ---------------------------------------------------------------------

    async def send_frame(self, frame: dict[str, Any]) -> None:
        """Send one JSON frame to this socket (dropped once the socket is closing)."""
        if self._closing:
            return
        await self.send(text_data=json.dumps(frame, cls=DjangoJSONEncoder))

    async def send_error(
        self,
        code: str,
        detail: str,
        *,
        attr: str | None = None,
        client_id: str | int | None = None,
        **extra: Any,
    ) -> None:
        await self.send_frame(
            frames.error(code=code, detail=detail, attr=attr, client_id=client_id, **extra)
        )

    async def join_group(self, name: str) -> None:
        """Join the named group ``name`` (joining it again changes nothing) until
        :meth:`leave_group` or the socket closes. Over ``WS_MAX_NAMED_GROUPS`` groups: a
        ``DomainError`` ``too_many_groups``, reported to the client like any refusal."""
        if name in self._named_groups:
            return
        limit = int(getattr(settings, "WS_MAX_NAMED_GROUPS", DEFAULT_MAX_NAMED_GROUPS))
        if len(self._named_groups) >= limit:
            raise DomainError(
                f"A socket may follow at most {limit} topics at once.", code="too_many_groups"
            )
        await self.channel_layer.group_add(name, self.channel_name)
        self._named_groups.add(name)

    async def leave_group(self, name: str) -> None:
        """Leave the named group ``name``; not a member of it: nothing happens."""
        if name not in self._named_groups:
            return
        self._named_groups.discard(name)
        await self.channel_layer.group_discard(name, self.channel_name)

    def spawn(
        self, coro: Coroutine[Any, Any, Any], *, client_id: str | int | None = None
    ) -> asyncio.Task | None:
        """Run ``coro`` beside the receive loop, for work that must not hold up the next
        frame (waiting on a stream, a slow query). It is cancelled when the socket closes;
        a failure is reported to the client like a handler's, echoing ``client_id``."""
        if self._closing:
            coro.close()
            return None
        task = asyncio.get_running_loop().create_task(self._run_spawned(coro, client_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def hold_frames(self, predicate: Callable[[dict[str, Any]], bool]) -> FrameHold:
        """Hold back this socket's group frames that match ``predicate`` (not sent, no
        sent-handler run) until :meth:`release`; see the module docstring."""
        hold = FrameHold(predicate)
        self._holds.append(hold)
        return hold

    def release(self, hold: FrameHold) -> list[dict[str, Any]]:
        """End ``hold``: the frames it still held, oldest first, for the caller to send or
        drop; the frames after it are sent as usual."""
        if hold in self._holds:
            self._holds.remove(hold)
        return hold.take()

    async def _run_spawned(self, coro, client_id) -> None:
        try:
            await coro
        except Exception as exc:
            await self._report_failure(exc, frame_type=None, client_id=client_id)

    async def _report_failure(self, exc: Exception, *, frame_type: str | None, client_id):
        if isinstance(exc, DomainError):
            extra = {"fields": exc.fields} if exc.fields else {}
            await self.send_error(exc.code, exc.detail, attr=exc.attr, client_id=client_id, **extra)
            return
        logger.error(
            "WebSocket frame %r failed for user %s",
            frame_type,
            getattr(self.user, "pk", None),
            exc_info=exc,
        )
        await self.send_error(
            "server_error", "Something went wrong on our side.", client_id=client_id
        )

    # --- server -> client (group events from core.realtime) -------------------------------

    async def user_frame(self, event: dict[str, Any]) -> None:
        if event.get("except_channel") == self.channel_name:
            return
        frame = event["frame"]
        if any(hold.catch(frame) for hold in self._holds):
            return
        await self.send_frame(frame)
        after = realtime.sent_handler_for(frame.get("type"))
        if after is not None:
            self.spawn(after(self, frame))

    async def user_close(self, event: dict[str, Any]) -> None:
        if not self._closing:
            await self.close(code=event.get("code", realtime.CLOSE_REVOKED))
