"""WebSocket frames of 1:1 messaging (docs/API.md, the paragraph after "community").

Client -> server
----------------

``{"type": "message.send", "recipient": "<user uuid>", "content": "text", "client_id": "c-1"}``
    All three fields are required (``client_id`` is a string of at most 64 characters,
    or an integer; ``""`` turns resend detection off). The message is stored, then:

    - the sending socket gets ``message.ack`` (``frames.py``); ``duplicate`` is true (and
      nothing is fanned out again) when that ``client_id`` was already stored: the ack
      carries the stored message's id.
    - every socket of the recipient, and every *other* socket of the sender, gets
      ``message.new``. The sending socket hears of its message through the ack
      only. (A message sent over ``POST /messages`` reaches every socket of both.)

    A socket's frames are handled one after the other, so its acks come in the order it
    sent; the sends of different sockets are stored side by side (on a thread pool, not
    channels' one database thread: see ``_send``).

    Sending needs the ``community.messaging`` feature in the sender's plan, checked on
    every frame (the plan is cached, and a change of plan drops it, so an upgrade or a
    downgrade applies to an open socket at its next frame).

``{"type": "message.read", "id": "<message uuid>"}``
    The recipient marks the message, and every earlier unread one of that conversation
    addressed to them, read. No reply of its own: the reader's sockets (this one
    included) and the sender's get ``message.read`` when something changed.

``{"type": "typing", "recipient": "<user uuid>"}``
    Nothing is stored; the recipient's sockets get ``typing``. Send it again every few
    seconds while the member types.

Server -> client
----------------

``message.new``, ``message.ack``, ``message.delivered``, ``message.read`` and ``typing``:
their shapes are in ``frames.py``, which builds them.

Delivery
--------

When a ``message.new`` has been written to one of the recipient's sockets, that socket
marks the message delivered (:func:`message_new_sent`): after the frame is sent, beside
the socket's loop and on a thread of the pool, so neither the next frame to the client nor
the client's own frames wait for the database. Of several sockets of the recipient, the
first to mark it wins; the sender's sockets get one ``message.delivered``.

Errors
------

A refused frame gets ``{"type": "error", "code", "detail", "attr", "client_id"?}`` (the
``client_id`` of the frame echoed when it had one) and the socket stays open:

- ``invalid_frame`` (not JSON, no type, a required field missing), ``unknown_type``,
  ``frame_too_large``, ``rate_limited`` (more frames a second than the socket allows):
  from the consumer, core/consumers.py.
- ``blank`` / ``max_length`` / ``invalid`` with ``attr`` ``content``, ``client_id`` or
  ``recipient`` (not a UUID, yourself); ``does_not_exist`` on ``recipient`` (unknown or
  deactivated member).
- ``messaging_blocked`` (you blocked the recipient), ``messages_not_accepted`` (they
  blocked you or accept messages from nobody; the two are not told apart), on
  ``recipient``; for ``typing`` as for ``message.send``.
- ``client_id_reused`` (409 over REST): the ``client_id`` was used for another recipient.
- ``plan_required`` (``attr`` null) for ``message.send`` when the sender's plan does not
  include messaging; the detail names the plan that does. Nothing is stored.
- ``throttled``: more messages than ``THROTTLE_RATES["messaging"]`` allows; the budget
  is the sender's, shared with ``POST /messages``.
- ``not_found`` for ``message.read`` of a message that is not addressed to you.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

from channels.db import database_sync_to_async
from django.db import DatabaseError

from accounts import entitlements
from community import frames
from community.selectors import messages as selectors
from community.services import messages as services
from core import realtime
from core.exceptions import DomainError, TooManyRequests
from core.realtime import frame_handler, frame_sent_handler
from core.throttles import MessagingThrottle

logger = logging.getLogger(__name__)


def _within_plan(user) -> None:
    """``entitlements.require`` for the socket: its refusal (DRF's 403) becomes a
    ``DomainError`` with the same code and detail, which the consumer answers with an
    ``error`` frame (anything else would be reported as a server error)."""
    try:
        entitlements.require(user, services.MESSAGING_FEATURE)
    except entitlements.PlanRequired as refusal:
        raise DomainError(str(refusal.detail), code=entitlements.PLAN_REQUIRED) from None


def _within_messaging_rate(user) -> None:
    """The per-sender budget of ``POST /messages`` (``MessagingThrottle``, the same cache
    key), spent by socket sends too, so switching doorways buys no extra messages."""
    throttle = MessagingThrottle()
    if not throttle.allow_request(SimpleNamespace(user=user), None):
        wait = throttle.wait()
        raise TooManyRequests(
            f"Too many messages; try again in {round(wait or 1)} s.", code="throttled", wait=wait
        )


def _send_now(user, frame, origin_channel):
    # The plan before the budget, as REST checks permissions before throttles: a refused
    # frame spends none of it.
    _within_plan(user)
    _within_messaging_rate(user)
    return services.message_send(
        sender=user,
        recipient_id=frame["recipient"],
        content=frame["content"],
        client_id=frame["client_id"],
        origin_channel=origin_channel,
    )


# Not on channels' one shared database thread (``thread_sensitive=True``, where every
# socket of the process would queue behind every other's send) but on the event loop's
# thread pool, so sends of different sockets overlap their database round trips. Safe:
# - Django's connections are per thread: each pool thread uses its own, never shared, and
#   ``database_sync_to_async`` closes it before and after the call when it is broken or
#   older than CONN_MAX_AGE (with persistent connections, one per pool thread stays open:
#   min(32, CPUs + 4) at most per process).
# - The whole send is one call, so its transaction starts and commits on one thread; the
#   after-commit pushes run there too (``core.realtime`` is thread-safe, and the in-memory
#   layer is reached through the event loop by ``async_to_sync``).
# - Order is kept where it matters: a socket awaits each frame's handler before the next
#   frame, and sends to one conversation are serialised by its row lock (services).
# - The throttle's counter is shared as it is between server processes (the cache); two
#   sockets of one member sending at the same instant may both see the budget unspent,
#   as they could on two processes.
_send = database_sync_to_async(_send_now, thread_sensitive=False)


@frame_handler("message.send", required=("recipient", "content", "client_id"))
async def message_send(consumer, frame):
    message, created = await _send(consumer.user, frame, consumer.channel_name)
    await consumer.send_frame(
        frames.message_ack(message, client_id=frame["client_id"], duplicate=not created)
    )


@frame_handler("message.read", required=("id",))
async def message_read(consumer, frame):
    await database_sync_to_async(services.message_read)(
        reader=consumer.user, message_id=frame["id"]
    )


@database_sync_to_async
def _typing_refusal(user, recipient):
    return selectors.messaging_refusal_cached(sender_id=user.pk, recipient_id=recipient)


@frame_handler("typing", required=("recipient",))
async def typing(consumer, frame):
    refusal = await _typing_refusal(consumer.user, frame["recipient"])
    if refusal is not None:
        services.raise_refusal(refusal)
    recipient = selectors.parse_id(frame["recipient"])
    # Not stored and not tied to a transaction: straight to the recipient's sockets.
    await realtime.asend_now(recipient, frames.typing(from_id=consumer.user.pk))


# Off channels' one database thread for the reason ``_send`` is: every socket of the
# process receiving messages would otherwise queue its receipts behind the others' work.
_deliver = database_sync_to_async(services.message_deliver, thread_sensitive=False)


@frame_sent_handler("message.new")
async def message_new_sent(consumer, frame):
    """A ``message.new`` reached one of this member's sockets: when they are its recipient
    and it was not delivered yet, it is now. The sender's own copies mark nothing."""
    message = frame["message"]
    if message.get("recipient_id") != str(consumer.user.pk) or message.get("delivered_at"):
        return
    try:
        await _deliver(recipient_id=consumer.user.pk, message_ids=[message["id"]])
    except DatabaseError:
        # The client has the message and needs nothing from us; the receipt is what is
        # lost, and it follows when the recipient next fetches the conversation.
        logger.warning("Could not mark message %s delivered", message["id"], exc_info=True)
