"""Reads of 1:1 messages and blocks, each a constant number of queries however many
threads or messages a member has.

- :func:`threads_for`: one row per conversation, with the counterpart, the last message and
  the caller's unread count, in one query.
- :func:`history_for`: one conversation's messages (the caller's only), newest first.
- :func:`unread_summary`: the caller's unread messages per counterpart, in one query.
- :func:`recipient_for`: who a message would go to, with both directions of blocks and
  their messaging setting, in one query; :func:`messaging_refusal` says what stands in the
  way, and :func:`messaging_refusal_cached` remembers it briefly for typing indicators.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts import selectors as account_selectors
from accounts.choices import MessagesFrom
from community.models import Block, Conversation, Message

if TYPE_CHECKING:
    from accounts.models import User

# How long a typing indicator remembers whether sender may reach recipient. Blocking and
# unblocking clear it at once (services.blocks); a change of the recipient's messaging
# setting takes up to this long to reach typing indicators (messages are always checked).
TYPING_PERMISSION_CACHE_SECONDS = 30

DELETED_MEMBER = "Deleted member"


# --- who may message whom ---------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why a message (or typing indicator) cannot go from sender to recipient."""

    code: str
    detail: str
    status: int  # 400: the recipient field is wrong; 403: not allowed


NO_SUCH_MEMBER = Refusal("does_not_exist", "No member with this id.", 400)
NOT_A_UUID = Refusal("invalid", "Must be a valid member id (a UUID).", 400)
SELF = Refusal("invalid", "You cannot message yourself.", 400)
# The sender's own block: they know, and unblocking is up to them.
BLOCKED_BY_SENDER = Refusal(
    "messaging_blocked", "You have blocked this member; unblock them to message them.", 403
)
# The recipient's block and their "nobody" setting read the same, so a member cannot tell
# that someone blocked them.
NOT_ACCEPTED = Refusal("messages_not_accepted", "This member does not accept your messages.", 403)


def parse_id(value: Any) -> uuid.UUID | None:
    """``value`` as a UUID, or None when it is not one (of any type)."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _db_uuid(value):
    """A UUID (or its text) as the database takes it in raw SQL."""
    return Message._meta.pk.get_db_prep_value(value, connection)


# The hot path's reads are plain SQL: compiling the equivalent annotated querysets cost more
# CPU than the database spent answering them (about 2 ms a message; bench/README.md). The
# recipient's row comes from accounts' own SQL (its ``%(user)s`` is the recipient), as a
# derived table that the database folds into this one query. Only constants are joined
# here; every value is a parameter.
RECIPIENT_SQL = (
    """
    SELECT EXISTS (SELECT 1 FROM community_block b
                   WHERE b.blocker_id = %(sender)s AND b.blocked_id = u.id),
           EXISTS (SELECT 1 FROM community_block b
                   WHERE b.blocker_id = u.id AND b.blocked_id = %(sender)s),
           u.allow_messages_from
      FROM ("""  # noqa: S608
    + account_selectors.MESSAGING_SETTING_SQL
    + ") u"
)

UNREAD_SQL = """
    SELECT 1 FROM community_message
     WHERE conversation_id = %(conversation)s AND recipient_id = %(recipient)s
       AND sender_id = %(sender)s AND read_at IS NULL
     LIMIT 1
"""


def recipient_for(*, sender_id, recipient_id):
    """The active user ``recipient_id`` (or None), annotated with ``blocked_by_sender``,
    ``blocks_sender`` and ``accepts_from`` (their ``allow_messages_from``): one query. Only
    the primary key is loaded (the other fields load on access, as with ``.only("pk")``)."""
    User = get_user_model()
    pk = User._meta.pk.to_python(recipient_id)
    sender = _db_uuid(sender_id)
    with connection.cursor() as cursor:
        cursor.execute(RECIPIENT_SQL, {"sender": sender, "user": _db_uuid(pk)})
        row = cursor.fetchone()
    if row is None:
        return None
    recipient = User.from_db(connection.alias, [User._meta.pk.attname], [pk])
    recipient.blocked_by_sender = bool(row[0])
    recipient.blocks_sender = bool(row[1])
    recipient.accepts_from = row[2]
    return recipient


def messaging_refusal(*, sender_id, recipient_id, recipient=None) -> Refusal | None:
    """What stops ``sender_id`` from messaging ``recipient_id`` now, or None. Pass the row
    of :func:`recipient_for` as ``recipient`` when it is already at hand."""
    parsed = parse_id(recipient_id)
    if parsed is None:
        return NOT_A_UUID
    if str(parsed) == str(sender_id):
        return SELF
    if recipient is None:
        recipient = recipient_for(sender_id=sender_id, recipient_id=parsed)
    if recipient is None:
        return NO_SUCH_MEMBER
    if recipient.blocked_by_sender:
        return BLOCKED_BY_SENDER
    if recipient.blocks_sender or recipient.accepts_from == MessagesFrom.NOBODY:
        return NOT_ACCEPTED
    return None


def permission_cache_key(sender_id, recipient_id) -> str:
    return f"community:may-message:{sender_id}:{recipient_id}"


# What the cache holds for each answer ("" for "allowed").
_CACHED = {
    "missing": NO_SUCH_MEMBER,
    "self": SELF,
    "blocked": BLOCKED_BY_SENDER,
    "refused": NOT_ACCEPTED,
}
_CACHE_NAMES = {id(refusal): name for name, refusal in _CACHED.items()}


def messaging_refusal_cached(*, sender_id, recipient_id) -> Refusal | None:
    """:func:`messaging_refusal` remembered for ``TYPING_PERMISSION_CACHE_SECONDS`` per
    pair, so a stream of typing frames costs one query per pair and half-minute."""
    parsed = parse_id(recipient_id)
    if parsed is None:
        return NOT_A_UUID
    key = permission_cache_key(sender_id, parsed)
    cached = cache.get(key)
    if cached is None:
        refusal = messaging_refusal(sender_id=sender_id, recipient_id=parsed)
        cached = "" if refusal is None else _CACHE_NAMES[id(refusal)]
        cache.set(key, cached, TYPING_PERMISSION_CACHE_SECONDS)
    return _CACHED.get(cached) if cached else None


# --- threads, history, unread ----------------------------------------------------------


def _unread_in(conversation_ref, user) -> Subquery:
    counted = (
        Message.objects.filter(conversation=conversation_ref, recipient=user, read_at__isnull=True)
        .order_by()
        .values("conversation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def threads_for(*, user: User) -> QuerySet[Conversation]:
    """The caller's conversations that have a message, annotated with ``counterpart_id``,
    ``counterpart_name`` (None when the counterpart was erased), ``unread_count`` and
    ``blocked_by_me``, with ``last_message`` joined: one query for a page."""
    low_is_me = Q(user_low=user)
    return (
        Conversation.objects.filter(Q(user_low=user) | Q(user_high=user))
        .filter(last_message_at__isnull=False)
        .select_related("last_message")
        .annotate(
            counterpart_id=Case(When(low_is_me, then=F("user_high_id")), default=F("user_low_id")),
            counterpart_name=Case(
                When(low_is_me, then=F("user_high__profile__display_name")),
                default=F("user_low__profile__display_name"),
            ),
            unread_count=_unread_in(OuterRef("pk"), user),
            blocked_by_me=Exists(
                Block.objects.filter(blocker=user).filter(
                    Q(blocked_id=OuterRef("user_low_id")) | Q(blocked_id=OuterRef("user_high_id"))
                )
            ),
        )
    )


def history_for(*, user: User, other_id) -> QuerySet[Message]:
    """The messages of the caller's conversation with ``other_id``, newest first (the
    ``Message`` ordering). ``other_id`` is the counterpart's user id or, for a thread whose
    counterpart was erased, the conversation's id. Nobody else's messages, ever."""
    if str(other_id) == str(user.pk):
        return Message.objects.none()
    mine = Q(user_low=user) | Q(user_high=user)
    with_other = Q(user_low_id=other_id) | Q(user_high_id=other_id) | Q(pk=other_id)
    conversation = Conversation.objects.filter(mine & with_other).values("pk")
    return Message.objects.filter(conversation__in=conversation)


def unread_summary(*, user: User) -> dict[str, Any]:
    """``{total, by_user: {sender_id: n}, by_conversation: {conversation_id: n}}`` of the
    caller's unread messages, in one query. Messages of an erased sender count in ``total``
    and ``by_conversation`` only."""
    rows = (
        Message.objects.filter(recipient=user, read_at__isnull=True)
        .order_by()
        .values("conversation_id", "sender_id")
        .annotate(n=Count("pk"))
    )
    total, by_user, by_conversation = 0, {}, {}
    for row in rows:
        total += row["n"]
        conversation = str(row["conversation_id"])
        by_conversation[conversation] = by_conversation.get(conversation, 0) + row["n"]
        if row["sender_id"] is not None:
            sender = str(row["sender_id"])
            by_user[sender] = by_user.get(sender, 0) + row["n"]
    return {"total": total, "by_user": by_user, "by_conversation": by_conversation}


def has_unread_from(*, conversation_id, recipient_id, sender_id) -> bool:
    """Whether ``recipient_id`` still has unread messages from ``sender_id`` in the
    conversation (the message alert's reason to be). One query, on every message sent."""
    params = {
        "conversation": _db_uuid(conversation_id),
        "recipient": _db_uuid(recipient_id),
        "sender": _db_uuid(sender_id),
    }
    with connection.cursor() as cursor:
        cursor.execute(UNREAD_SQL, params)
        return cursor.fetchone() is not None


# --- blocks -----------------------------------------------------------------------------


def blocks_of(*, user: User) -> QuerySet[Block]:
    """The members the caller blocked, newest first, with ``blocked_name``."""
    return (
        Block.objects.filter(blocker=user)
        .annotate(blocked_name=F("blocked__profile__display_name"))
        .order_by("-created_at", "-id")
    )
