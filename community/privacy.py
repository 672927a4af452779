"""Export and erasure of the community's rows.

A member's posts, comments, likes, reports, blocks, applied recommendations and tier go
with them. Messages follow ``COMMUNITY_KEEP_MESSAGES``: on (the default), the other party
keeps the conversation and the erased member's side becomes ``NULL``, shown as a deleted
member; off, every conversation the member was part of is deleted for both sides. A conversation whose two
members are both gone is deleted either way.
"""

from django.conf import settings
from django.db.models import Q

from core import privacy

from .models import (
    AppliedRecommendation,
    Block,
    Comment,
    Conversation,
    Like,
    Membership,
    Message,
    Post,
    Report,
)


def _erase_messages(rows, user) -> int:
    if not settings.COMMUNITY_KEEP_MESSAGES:
        count = rows.count()
        Conversation.objects.filter(Q(user_low=user) | Q(user_high=user)).delete()
        return count
    sent = rows.filter(sender=user).update(sender=None)
    received = rows.filter(recipient=user).update(recipient=None)
    Message.objects.filter(sender__isnull=True, recipient__isnull=True).delete()
    return sent + received


def _erase_conversations(rows, user) -> int:
    count = rows.filter(user_low=user).update(user_low=None)
    count += rows.filter(user_high=user).update(user_high=None)
    Conversation.objects.filter(user_low__isnull=True, user_high__isnull=True).delete()
    return count


def _erase_reports(rows, user) -> int:
    deleted, _ = rows.filter(reporter=user).delete()
    return deleted + Report.objects.filter(resolved_by=user).update(resolved_by=None)


def _erase_blocks(rows, user) -> int:
    # Blocks against the member go too; they are never exported to the member they name.
    deleted, _ = Block.objects.filter(Q(blocker=user) | Q(blocked=user)).delete()
    return deleted


def _erase_applied_recommendations(rows, user) -> int:
    # Other members' notes of having applied the member go too; like blocks, they are never
    # exported to the member they name.
    deleted, _ = AppliedRecommendation.objects.filter(Q(viewer=user) | Q(member=user)).delete()
    return deleted


privacy.register(Membership, export_fields=("tier__name", "tier_changed_at", "created_at"))
privacy.register(
    Post,
    user_field="author",
    export_fields=("id", "title", "content", "created_at", "edited_at", "hidden_reason"),
)
privacy.register(
    Comment,
    user_field="author",
    export_fields=("id", "post_id", "content", "created_at", "edited_at"),
)
privacy.register(Like, export_fields=("post_id", "created_at"))
privacy.register(
    Report,
    user_field=("reporter", "resolved_by"),
    export_fields=("post_id", "reason", "note", "resolution", "created_at", "resolved_at"),
    erase=_erase_reports,
)
privacy.register(
    Block, user_field="blocker", export_fields=("blocked_id", "created_at"), erase=_erase_blocks
)
privacy.register(
    AppliedRecommendation,
    user_field="viewer",
    export_fields=("member_id", "applied_at"),
    erase=_erase_applied_recommendations,
)
privacy.register(
    Message,
    user_field=("sender", "recipient"),
    export_fields=(
        "id",
        "conversation_id",
        "sender_id",
        "recipient_id",
        "content",
        "created_at",
        "delivered_at",
        "read_at",
    ),
    erase=_erase_messages,
)
privacy.register(
    Conversation,
    user_field=("user_low", "user_high"),
    export_fields=("id", "user_low_id", "user_high_id", "created_at", "last_message_at"),
    erase=_erase_conversations,
)
# What other members wrote may name the member: their messages, posts, comments and
# reports keep their words, with the member's name, email and id rewritten.
privacy.register_mentions(Message, fields=("content",))
privacy.register_mentions(Post, fields=("title", "content", "hidden_reason"))
privacy.register_mentions(Comment, fields=("content",))
privacy.register_mentions(Report, fields=("note", "resolution"))
