"""Blocks: a member stops another from messaging them (and stops messaging them too).

Both writes are idempotent: blocking twice keeps one row (the unique constraint decides a
race), unblocking someone not blocked changes nothing. Either way the cached answer that
typing indicators use (``selectors.messages.messaging_refusal_cached``) is cleared for
both directions once the change commits, so a block takes effect at once.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction

from analytics.services import track
from community.models import Block
from community.selectors.messages import parse_id, permission_cache_key
from core.exceptions import DomainError, NotFound


def _member(user_id):
    parsed = parse_id(user_id)
    member = None
    if parsed is not None:
        member = get_user_model().objects.filter(pk=parsed).only("pk").first()
    if member is None:
        raise NotFound("No member with this id.", attr="user_id")
    return member


def _forget_permissions(a_id, b_id) -> None:
    keys = [permission_cache_key(a_id, b_id), permission_cache_key(b_id, a_id)]
    transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


@transaction.atomic
def block_create(*, blocker, blocked_id) -> tuple[Block, bool]:
    """Block member ``blocked_id``. Returns (block, created); an existing block is
    returned unchanged. Blocking yourself is a 400 and an unknown member a 404, both on
    ``user_id``."""
    if str(blocked_id) == str(blocker.pk):
        raise DomainError("You cannot block yourself.", code="invalid", attr="user_id")
    blocked = _member(blocked_id)
    existing = Block.objects.filter(blocker=blocker, blocked=blocked).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            block = Block.objects.create(blocker=blocker, blocked=blocked)
    except IntegrityError:
        # A concurrent request blocked the same member first.
        return Block.objects.get(blocker=blocker, blocked=blocked), False
    _forget_permissions(blocker.pk, blocked.pk)
    track("member_blocked", blocker)
    return block, True


@transaction.atomic
def block_delete(*, blocker, blocked_id) -> bool:
    """Unblock member ``blocked_id``; returns whether a block was removed. An unknown
    member is a 404 on ``user_id``."""
    blocked = _member(blocked_id)
    deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    if deleted:
        _forget_permissions(blocker.pk, blocked.pk)
    return bool(deleted)
