"""Real-time delivery to a user's open sockets, and the registry of client frame handlers.

Every socket of a user joins the group ``user.<uuid>``. Anything that changes for a user is
stored first and then pushed with :func:`send_to_user`, which waits for the transaction to
commit so a client never hears of a row that does not exist (yet, or ever). A frame that
names nothing stored (a typing indicator) goes out at once with :func:`asend_now`.

Each app keeps its socket frames in two modules, the same names in every app:

- ``<app>/events.py``: client -> server, the handlers (:func:`frame_handler`).
- ``<app>/frames.py``: server -> client, one pure function per frame type that builds it
  and documents its shape (``community.frames.message_new(message) -> dict``). Nothing
  else builds a frame, so each type has one shape wherever it is sent from: a service
  calls ``realtime.send_to_user(user_id, frames.message_new(message))``, a handler
  ``consumer.send_frame(frames.message_ack(...))``. Frames hold plain JSON types only
  (channels-redis packs them with msgpack). The socket's own ``pong`` and ``error`` are
  in :mod:`core.frames`.

An app that accepts client frames registers a handler in its ``events.py``::

    from core.realtime import frame_handler

    @frame_handler("message.send", required=("recipient", "content", "client_id"))
    async def message_send(consumer, frame):
        message = await database_sync_to_async(services.message_send)(...)
        await consumer.send_frame(frames.message_ack(message, ...))

Handlers run on the socket's receive loop, so they must be quick: a database write is
fine, anything that calls the network or takes long goes to a Celery task (or
``consumer.spawn``), and its result comes back through ``send_to_user``.

A frame pushed to a user's group may need an answer from the server once it is on one of
their sockets (a delivery receipt): :func:`frame_sent_handler` registers a handler that
the consumer runs after writing a frame of that type, beside the socket
(``consumer.spawn``), so it holds up neither the next frame to the client nor theirs.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework_simplejwt.utils import get_md5_hash_password

from .cache import UNAVAILABLE, strict_cache
from .exceptions import ServiceUnavailable
from .outages import Outage

logger = logging.getLogger(__name__)

# Close codes sent to clients (docs/API.md): bad or missing credentials, and credentials revoked
# while the socket was open (password change, logout everywhere, erasure).
CLOSE_UNAUTHORIZED = 4401
CLOSE_REVOKED = 4403
# RFC 6455 1013 "Try Again Later": the server cannot serve sockets for now (its channel
# layer, Redis, is unreachable). Sent on an open socket when the layer fails under it, and
# right after accepting a handshake that came while it was down. The client should
# reconnect with backoff (1 s doubling to 30 s or so, with jitter); its REST calls keep
# working meanwhile, and it catches up on missed events through them.
CLOSE_TRY_AGAIN_LATER = 1013
# Any other failure of the server under an open socket: RFC 6455 1011 "Internal Error".
CLOSE_INTERNAL_ERROR = 1011

# Seconds a client is asked to wait (Retry-After) when a ticket cannot be issued.
UNAVAILABLE_RETRY_AFTER = 5

TICKET_PREFIX = "ws-ticket:"

Handler = Callable[[Any, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class FrameHandler:
    type: str
    handler: Handler
    required: tuple[str, ...]


_handlers: dict[str, FrameHandler] = {}


def frame_handler(frame_type: str, *, required: tuple[str, ...] = ()):
    """Register ``handler(consumer, frame)`` for client frames of ``frame_type``."""

    def decorator(handler: Handler) -> Handler:
        if frame_type in _handlers:
            raise ValueError(f"A handler for {frame_type!r} frames is already registered.")
        _handlers[frame_type] = FrameHandler(frame_type, handler, tuple(required))
        return handler

    return decorator


def handler_for(frame_type: str) -> FrameHandler | None:
    return _handlers.get(frame_type)


_sent_handlers: dict[str, Handler] = {}


def frame_sent_handler(frame_type: str):
    """Register ``handler(consumer, frame)``, run on each socket that was sent a
    ``frame_type`` frame through the user's group (:func:`send_to_user`), after it was
    sent. A failure is reported to that socket like a spawned task's."""

    def decorator(handler: Handler) -> Handler:
        if frame_type in _sent_handlers:
            raise ValueError(f"A sent handler for {frame_type!r} frames is already registered.")
        _sent_handlers[frame_type] = handler
        return handler

    return decorator


def sent_handler_for(frame_type: str) -> Handler | None:
    return _sent_handlers.get(frame_type)


def registered_frame_types() -> list[str]:
    return sorted(_handlers)


def group_for(user_id) -> str:
    return f"user.{user_id}"


class _Sender:
    """Pushes from sync code (WSGI workers, Celery tasks, commands) through a channel layer
    that holds network connections.

    ``async_to_sync`` would run each push on a new event loop, and channels-redis opens a
    connection per loop, so every push paid for a Redis connection (about 3.3 ms of CPU,
    against 0.45 ms on a loop that lives on; bench/README.md). So each process keeps one
    loop on a daemon thread, started on first use and again after a fork, and a layer
    instance of its own: channels-redis ties pools to loops, and another instance's
    ``close_pools()`` (or ours) must never reach into a pool of a foreign loop.

    A push is best effort: it runs after the change was committed, and a client that missed
    it catches up over REST. So when the layer is unreachable the push is dropped rather than
    holding up the request: once it runs it waits at most ``TIMEOUT`` (a blackholed Redis; a
    refused connection fails at once), and for ``RETRY_AFTER`` seconds after a failure
    pushes are dropped without trying. The outage is logged once (:mod:`core.outages`). A
    push waiting behind the loop's other pushes (a worker streaming many replies) is not an
    outage: the pushing thread waits its turn, which slows it to what the layer delivers.
    """

    # Above the layer's connect timeout (settings: two attempts of 1 s each).
    TIMEOUT = 2.5
    RETRY_AFTER = 1.0
    # How long a push may wait behind the loop's other pushes before it starts.
    QUEUE_TIMEOUT = 30.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._layer = None
        self._config: str | None = None
        self._outage = Outage(
            "The channel layer (pushes from sync code)", logger=logger, retry_after=self.RETRY_AFTER
        )

    def group_send(self, group: str, message: dict[str, Any]) -> None:
        if self._outage.skip():
            return
        with self._lock:
            loop, layer = self._current()
        started = threading.Event()

        async def push() -> None:
            started.set()
            await layer.group_send(group, message)

        future = asyncio.run_coroutine_threadsafe(push(), loop)
        try:
            # Pushes queued on a busy loop (many threads streaming at once) wait their
            # turn: that is back-pressure on the pushing thread, not an outage, so the
            # time limit counts from when the push starts.
            started.wait(self.QUEUE_TIMEOUT)
            future.result(timeout=self.TIMEOUT)
        except (*UNAVAILABLE, TimeoutError) as error:
            future.cancel()
            self._outage.failed(error)
            return
        self._outage.succeeded()

    def _current(self):
        if self._loop is None or self._pid != os.getpid():
            self._pid, self._layer = os.getpid(), None
            self._loop = asyncio.new_event_loop()
            threading.Thread(
                target=self._loop.run_forever, name="realtime-sender", daemon=True
            ).start()
        config = repr(settings.CHANNEL_LAYERS.get(DEFAULT_CHANNEL_LAYER))
        if self._layer is None or config != self._config:
            previous, self._config = self._layer, config
            self._layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
            if previous is not None and hasattr(previous, "close_pools"):
                asyncio.run_coroutine_threadsafe(previous.close_pools(), self._loop)
        return self._loop, self._layer


_sender = _Sender()


def _group_send(user_id, message: dict[str, Any]) -> None:
    _send(group_for(user_id), message)


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer):
        # Its queues belong to the loop its consumers run on, which async_to_sync finds
        # under ASGI (and which is the only one in tests and eager Celery).
        async_to_sync(layer.group_send)(group, message)
        return
    _sender.group_send(group, message)


def send_to_group(group: str, frame: dict[str, Any]) -> None:
    """Push ``frame`` to every socket that joined the named ``group`` (a consumer's
    ``join_group``), once the current transaction commits; best effort, like
    :func:`send_to_user`."""
    message: dict[str, Any] = {"type": "user.frame", "frame": frame}
    transaction.on_commit(lambda: _send(group, message), robust=True)


def send_to_user(user_id, frame: dict[str, Any], *, except_channel: str | None = None) -> None:
    """Push ``frame`` (a JSON object with a ``type``) to every open socket of the user,
    once the current transaction commits. ``except_channel`` (a consumer's
    ``channel_name``) leaves out the socket the change came from, when it is told otherwise
    (a sent message is acknowledged to the socket that sent it)."""
    message: dict[str, Any] = {"type": "user.frame", "frame": frame}
    if except_channel:
        message["except_channel"] = except_channel
    transaction.on_commit(lambda: _group_send(user_id, message), robust=True)


async def asend_now(user_id, frame: dict[str, Any]) -> None:
    """Push ``frame`` to every open socket of the user at once, from async code (a frame
    handler), with no transaction to wait for: for frames that name nothing stored
    (``typing``). A layer that fails raises, as it would for the handler's own socket."""
    layer = get_channel_layer()
    if layer is None:
        return
    await layer.group_send(group_for(user_id), {"type": "user.frame", "frame": frame})


def close_user_sockets(user_id, code: int = CLOSE_REVOKED) -> None:
    """Close every open socket of the user after commit (their credentials were revoked)."""
    transaction.on_commit(
        lambda: _group_send(user_id, {"type": "user.close", "code": code}), robust=True
    )


def _password_fingerprint(user) -> str:
    # The same fingerprint access tokens carry (CHECK_REVOKE_TOKEN): a password change
    # voids tickets issued before it, as it voids tokens.
    return get_md5_hash_password(user.password)


def issue_ws_ticket(user) -> tuple[str, int]:
    """A one-time ticket that opens one socket as ``user`` within ``WS_TICKET_TTL`` seconds.

    Tickets live in the strict cache: when Redis is down this is a 503
    ``realtime_unavailable`` (sockets cannot work then anyway), never a ticket that was
    silently not stored and then refuses the socket as if the client's credentials were bad."""
    ticket = secrets.token_urlsafe(32)
    try:
        strict_cache().set(
            f"{TICKET_PREFIX}{ticket}",
            {"user_id": str(user.pk), "password": _password_fingerprint(user)},
            timeout=settings.WS_TICKET_TTL,
        )
    except UNAVAILABLE as error:
        raise ServiceUnavailable(
            "Real-time connections are unavailable right now; try again shortly.",
            code="realtime_unavailable",
            wait=UNAVAILABLE_RETRY_AFTER,
        ) from error
    return ticket, settings.WS_TICKET_TTL


def redeem_ws_ticket(ticket: str):
    """The active user the ticket was issued to, or None. A ticket works once: of two
    sockets racing with the same ticket, only the one whose delete removed the key gets
    in. It also fails once the user's password has changed since it was issued.

    An unreachable Redis raises (``core.cache.UNAVAILABLE``) rather than answering None:
    the socket is then closed with ``CLOSE_TRY_AGAIN_LATER``, not refused as unauthorised."""
    if not ticket or len(ticket) > 128:
        return None
    key = f"{TICKET_PREFIX}{ticket}"
    cache = strict_cache()
    issued = cache.get(key)
    if issued is None or not cache.delete(key):
        return None
    try:
        user = get_user_model().objects.filter(pk=issued["user_id"], is_active=True).first()
    except ValidationError:
        return None
    if user is None or _password_fingerprint(user) != issued["password"]:
        return None
    return user
