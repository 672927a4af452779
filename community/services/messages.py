"""1:1 messages: sending, delivery, reading, and the alert for a recipient who does not
read them.

Both doorways (``POST /messages`` and the ``message.send`` socket frame) call
:func:`message_send`; both ``PUT /messages/{id}/read`` and ``message.read`` call
:func:`message_read`. Each stores first and fans out after commit
(``core.realtime.send_to_user``), so nobody hears of a message that was rolled back.

**The plan.** Sending needs ``MESSAGING_FEATURE`` in the sender's plan
(``accounts.entitlements``); both doorways check it before anything else, as the plan is
the caller's, not the message's. Everything else here is open on every plan: a member
whose plan lapsed still receives, reads and marks read what they were sent.

**Sending.** The message goes to the recipient's group *and* the sender's group as
``message.new``, so the sender's other devices show it too. A socket that sent it
(``origin_channel``) hears of it through its ``message.ack`` only; a message sent over
REST reaches every socket of the sender. Clients still dedupe by ``id`` (or their own
``client_id``), since a REST send and a socket may belong to the same device.

**Resending.** ``client_id`` is the sender's own id for a message; the unique constraint
(sender, client_id) makes a resend (after a dropped socket, a retried request) return the
stored message, even when two copies race. Nothing is looked up before the insert: the
constraint refuses the copy (inside a savepoint, taken only when there is a ``client_id``)
and the stored message is read then; a send that would be refused looks for it too before
it raises. A duplicate is acknowledged again but fanned out and alerted never again; it is
answered from what is stored even if a block came in between (the message was delivered
already). Reusing a ``client_id`` for another recipient is a 409.

**Who may message whom.** Not yourself, not an unknown or deactivated member (400 on
``recipient``), not someone you blocked (403 ``messaging_blocked``), not someone who
blocked you or accepts messages from nobody (403 ``messages_not_accepted``: the two read
the same, so a block is not revealed to the member blocked).

**Reading.** Reading a message marks every earlier unread message of that conversation
addressed to the reader read too (clients show a thread read up to a point). The sender
hears ``message.read`` (the read receipt), and so do the reader's devices, to clear badges.
Reading again changes nothing and sends nothing.

**Delivery.** A message is delivered when the recipient first has it: one of their
sockets received its ``message.new`` (:func:`message_deliver`, from community/events.py),
or they fetched it over REST, in their history or as a thread's last message
(:func:`message_deliver_fetched`). One conditional UPDATE marks a whole batch and returns
the rows it changed, so of several sockets or requests racing for one message exactly one
marks it, and the sender's sockets get one ``message.delivered`` per message. Reading
implies delivery: :func:`message_read` sets ``delivered_at`` too when it was empty (that
message's ``message.read`` is its receipt).

**Alerts** (``community_message``, community/notification_kinds.py). A member who does not
read a message within ``COMMUNITY_MESSAGE_ALERT_DELAY_SECONDS`` is notified (in the app and
by email, per their preferences) once per *unread streak*: the message that finds the
conversation with nothing unread for the recipient schedules one alert; the messages after
it, while that one is unread, add nothing. When the alert is due, it is skipped if the
recipient has read what the sender wrote meanwhile (or blocked the sender, or the sender
was erased), so a member chatting live is never alerted. The next alert comes only after
the recipient caught up and a new message arrives. Sends to the same conversation are
serialised by the conversation's row lock, so two concurrent first messages cannot both
schedule one. The unread check is its own statement after the lock, not a subquery of the
locking ``SELECT ... FOR UPDATE``: on PostgreSQL a statement that waited for the lock still
reads other tables as they were when it started, so it would miss the message the lock
holder just stored.

**Cost.** The hot path's reads (the recipient with both blocks, the conversation's lock,
the unread check) are plain SQL, since compiling the equivalent querysets cost more CPU
than the database spent answering them (bench/README.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics.services import track
from community import frames
from community.models import CLIENT_ID_MAX_LENGTH, MESSAGE_MAX_LENGTH, Conversation, Message
from community.selectors import messages as selectors
from core import realtime
from core.exceptions import Conflict, DomainError, NotFound
from notifications import services as notifications

if TYPE_CHECKING:
    from accounts.models import User

ALERT_KIND = "community_message"
# The plan feature that sending needs (settings.BILLING_PLANS).
MESSAGING_FEATURE = "community.messaging"


class MessagingRefused(DomainError):
    """403: the sender may not message this recipient (a block, or their setting)."""

    status_code = 403
    code = "messages_not_accepted"


def raise_refusal(refusal: selectors.Refusal):
    """Raise ``refusal`` as the error both doorways report: 400 or 403, on ``recipient``."""
    error = DomainError if refusal.status == 400 else MessagingRefused
    raise error(refusal.detail, code=refusal.code, attr="recipient")


def _clean_content(content: Any) -> str:
    if not isinstance(content, str):
        raise DomainError("Must be text.", code="invalid", attr="content")
    content = content.strip()
    if not content:
        raise DomainError("This field may not be blank.", code="blank", attr="content")
    if len(content) > MESSAGE_MAX_LENGTH:
        raise DomainError(
            f"Ensure this field has no more than {MESSAGE_MAX_LENGTH} characters.",
            code="max_length",
            attr="content",
        )
    return content


def _clean_client_id(client_id: Any) -> str:
    if client_id is None:
        return ""
    if isinstance(client_id, int) and not isinstance(client_id, bool):
        client_id = str(client_id)
    if not isinstance(client_id, str):
        raise DomainError("Must be a string.", code="invalid", attr="client_id")
    if len(client_id) > CLIENT_ID_MAX_LENGTH:
        raise DomainError(
            f"Ensure this field has no more than {CLIENT_ID_MAX_LENGTH} characters.",
            code="max_length",
            attr="client_id",
        )
    return client_id


def _resent(message: Message, recipient_id) -> tuple[Message, bool]:
    if str(message.recipient_id) != str(recipient_id):
        raise Conflict(
            "This client_id was already used for a message to another member.",
            code="client_id_reused",
            attr="client_id",
        )
    return message, False


def _ordered(a_id, b_id) -> tuple:
    return (a_id, b_id) if str(a_id) < str(b_id) else (b_id, a_id)


# The pair's row, locked (SELECT ... FOR UPDATE where the database has it); plain SQL for
# the same reason as community.selectors.messages.RECIPIENT_SQL.
LOCK_SQL = """
    SELECT id FROM community_conversation
     WHERE user_low_id = %(low)s AND user_high_id = %(high)s
"""


def _conversation_locked(a_id, b_id) -> Conversation:
    """The pair's conversation, created if need be, locked until the transaction ends so
    sends to one conversation follow each other (last_message, alert scheduling). Only its
    id is loaded: the send writes its last message and reads nothing else of it."""
    low, high = _ordered(a_id, b_id)
    pk = Conversation._meta.pk
    sql = LOCK_SQL + (" FOR UPDATE" if connection.features.has_select_for_update else "")
    params = {
        "low": pk.get_db_prep_value(low, connection),
        "high": pk.get_db_prep_value(high, connection),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is not None:
        return Conversation.from_db(connection.alias, [pk.attname], [pk.to_python(row[0])])
    try:
        with transaction.atomic():
            return Conversation.objects.create(user_low_id=low, user_high_id=high)
    except IntegrityError:
        # Both members wrote first at once: the other one's row won.
        return Conversation.objects.select_for_update().get(user_low_id=low, user_high_id=high)


def _stored(sender, client_id: str) -> Message | None:
    """The sender's message with ``client_id``, if one was stored."""
    if not client_id:
        return None
    return Message.objects.filter(sender=sender, client_id=client_id).first()


@transaction.atomic
def message_send(
    *, sender, recipient_id, content, client_id="", origin_channel: str | None = None
) -> tuple[Message, bool]:
    """Send ``content`` from ``sender`` to member ``recipient_id``. Returns (message,
    created): a resend with a ``client_id`` already used returns the stored message and
    False, without fanning it out again. ``origin_channel``, the channel name of the socket
    that sent it, is left out of the sender's copy. Raises ``DomainError`` (400 on ``content``,
    ``client_id`` or ``recipient``), ``MessagingRefused`` (403) or ``Conflict`` (409).

    A resend is found by the unique constraint (sender, client_id), not by a look-up first:
    the insert fails, and only then is the stored message read. A send that is refused
    (a block since, a deactivated recipient, another recipient) looks for it too before
    it raises, so a resend is answered from what is stored whatever changed meanwhile."""
    content = _clean_content(content)
    client_id = _clean_client_id(client_id)
    parsed = selectors.parse_id(recipient_id)
    if parsed is None:
        raise_refusal(selectors.NOT_A_UUID)
    recipient = None
    if str(parsed) != str(sender.pk):
        recipient = selectors.recipient_for(sender_id=sender.pk, recipient_id=parsed)
    refusal = selectors.messaging_refusal(
        sender_id=sender.pk, recipient_id=parsed, recipient=recipient
    )
    if refusal is not None:
        stored = _stored(sender, client_id)
        if stored is not None:
            return _resent(stored, parsed)
        raise_refusal(refusal)

    conversation = _conversation_locked(sender.pk, recipient.pk)
    starts_unread_streak = not selectors.has_unread_from(
        conversation_id=conversation.pk, recipient_id=recipient.pk, sender_id=sender.pk
    )
    message = Message(
        conversation=conversation,
        sender=sender,
        recipient_id=recipient.pk,
        content=content,
        client_id=client_id,
    )
    if not client_id:
        # No client_id, no unique constraint to trip over: no savepoint needed.
        message.save(force_insert=True)
    else:
        try:
            with transaction.atomic():
                message.save(force_insert=True)
        except IntegrityError:
            stored = _stored(sender, client_id)
            if stored is None:
                raise
            # A resend (or the same client_id sent twice at once): already stored.
            return _resent(stored, parsed)

    conversation.last_message = message
    conversation.last_message_at = message.created_at
    conversation.save(update_fields=["last_message", "last_message_at", "updated_at"])
    if starts_unread_streak:
        _schedule_alert(message, sender=sender, recipient=recipient)
    frame = frames.message_new(message)
    realtime.send_to_user(recipient.pk, frame)
    realtime.send_to_user(sender.pk, frame, except_channel=origin_channel)
    track("message_sent", sender, conversation_id=str(conversation.pk))
    return message, True


def _schedule_alert(message: Message, *, sender, recipient) -> None:
    name = getattr(getattr(sender, "profile", None), "display_name", "") or "A member"
    delay = dt.timedelta(seconds=settings.COMMUNITY_MESSAGE_ALERT_DELAY_SECONDS)
    notifications.schedule(
        user=recipient,
        kind=ALERT_KIND,
        when=message.created_at + delay,
        title=f"New message from {name}",
        # The content stays out of the alert (and its email): it may be private.
        body="You have unread messages. Open the conversation to read them.",
        data={
            "url": f"{settings.FRONTEND_URL}/messages/{message.sender_id}",
            "conversation_id": str(message.conversation_id),
            "sender_id": str(message.sender_id),
        },
    )


def alert_skip_reason(*, user: User, data: dict[str, Any]) -> str | None:
    """Why a ``community_message`` alert is no longer worth sending to ``user``, or None."""
    conversation_id, sender_id = data.get("conversation_id"), data.get("sender_id")
    if not conversation_id or not sender_id:
        return "The alert names no conversation."
    if not selectors.has_unread_from(
        conversation_id=conversation_id, recipient_id=user.pk, sender_id=sender_id
    ):
        return "The messages were read (or are gone) before the alert was due."
    if selectors.blocks_of(user=user).filter(blocked_id=sender_id).exists():
        return "The sender was blocked before the alert was due."
    return None


@transaction.atomic
def message_read(*, reader, message_id) -> Message:
    """Mark message ``message_id`` read by its recipient, with every earlier unread message
    to them in that conversation (and delivered, those that were not: they have them).
    Another member's message (or an unknown id) is a 404. Idempotent: reading again
    changes and sends nothing."""
    parsed = selectors.parse_id(message_id)
    message = None
    if parsed is not None:
        message = Message.objects.filter(pk=parsed, recipient=reader).first()
    if message is None:
        raise NotFound("No such message.")
    now = timezone.now()
    up_to_it = Q(created_at__lt=message.created_at) | Q(
        created_at=message.created_at, pk__lte=message.pk
    )
    marked = (
        Message.objects.filter(
            conversation_id=message.conversation_id, recipient=reader, read_at__isnull=True
        )
        .filter(up_to_it)
        .update(read_at=now, delivered_at=Coalesce(F("delivered_at"), Value(now)), updated_at=now)
    )
    if not marked:
        return message
    if message.read_at is None:
        message.read_at = now
        message.delivered_at = message.delivered_at or now
    frame = frames.message_read(message, reader_id=reader.pk, read_at=now, count=marked)
    if message.sender_id is not None:
        realtime.send_to_user(message.sender_id, frame)
    realtime.send_to_user(reader.pk, frame)
    return message


# The rows it changed come back with it (RETURNING, on PostgreSQL and SQLite alike), so
# the receipts name exactly what this statement marked: a socket or request that lost the
# race for a message sends nothing for it. Plain SQL, as Django's update() returns a count.
DELIVER_SQL = """
    UPDATE community_message SET delivered_at = %(now)s, updated_at = %(now)s
     WHERE recipient_id = %(recipient)s AND delivered_at IS NULL AND id IN ({ids})
    RETURNING id, conversation_id, sender_id
"""


def message_deliver(*, recipient_id, message_ids: Sequence) -> tuple[set, dt.datetime]:
    """Mark the messages ``message_ids`` delivered to ``recipient_id``, those addressed to
    them and not delivered yet, in one UPDATE; returns (the ids it marked, the time). The
    sender's sockets get one ``message.delivered`` per conversation, listing its messages
    in the order of ``message_ids`` (newest first, as the callers pass them).

    No transaction of its own: the one statement is atomic, and the receipts go out after
    the caller's transaction commits, if it has one."""
    ids = [parsed for parsed in map(selectors.parse_id, message_ids) if parsed is not None]
    now = timezone.now()
    if not ids:
        return set(), now
    pk = Message._meta.pk
    params = {
        "now": Message._meta.get_field("delivered_at").get_db_prep_value(now, connection),
        "recipient": pk.get_db_prep_value(recipient_id, connection),
    }
    placeholders = []
    for n, message_id in enumerate(ids):
        params[f"id{n}"] = pk.get_db_prep_value(message_id, connection)
        placeholders.append(f"%(id{n})s")
    with connection.cursor() as cursor:
        cursor.execute(DELIVER_SQL.format(ids=", ".join(placeholders)), params)
        rows = cursor.fetchall()
    sender_pk = Message._meta.get_field("sender").target_field
    marked: dict[tuple, list] = {}
    for message_id, conversation_id, sender_id in rows:
        key = (pk.to_python(conversation_id), sender_pk.to_python(sender_id))
        marked.setdefault(key, []).append(pk.to_python(message_id))
    position = {message_id: n for n, message_id in enumerate(ids)}
    for (conversation_id, sender_id), delivered in marked.items():
        if sender_id is None:
            continue  # the sender was erased: nobody to tell
        delivered.sort(key=position.__getitem__)
        realtime.send_to_user(
            sender_id,
            frames.message_delivered(
                ids=delivered,
                conversation_id=conversation_id,
                recipient_id=recipient_id,
                sender_id=sender_id,
                delivered_at=now,
            ),
        )
    return {message_id for delivered in marked.values() for message_id in delivered}, now


def message_deliver_fetched(*, recipient: User, messages: Iterable[Message | None]) -> None:
    """``recipient`` fetched ``messages`` over REST (a page of history, the last messages
    of a page of threads): those addressed to them and not delivered yet become delivered,
    in one UPDATE (none when there is nothing to mark), and so do the objects themselves,
    so the response shows what is stored."""
    waiting = [
        message
        for message in messages
        if message is not None
        and message.delivered_at is None
        and message.recipient_id == recipient.pk
    ]
    if not waiting:
        return
    marked, now = message_deliver(
        recipient_id=recipient.pk, message_ids=[message.pk for message in waiting]
    )
    for message in waiting:
        if message.pk in marked:
            message.delivered_at = message.updated_at = now
