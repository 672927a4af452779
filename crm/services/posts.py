"""Scheduled posts to a Facebook Page or Instagram, published once by the beat dispatcher."""

from django.utils import timezone

from ..models import ScheduledPost, SocialAccount

Status = ScheduledPost.Status


def posts_cancel_for_account(*, account: SocialAccount) -> list:
    """Cancel every post still waiting for ``account`` (it is being disconnected or erased);
    call it inside the caller's transaction. Returns the cancelled posts' ids."""
    ids = list(
        ScheduledPost.objects.select_for_update()
        .filter(account=account, status=Status.SCHEDULED)
        .values_list("pk", flat=True)
    )
    if ids:
        ScheduledPost.objects.filter(pk__in=ids, status=Status.SCHEDULED).update(
            status=Status.CANCELLED, updated_at=timezone.now()
        )
    return ids
