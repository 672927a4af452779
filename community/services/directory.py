"""Writes of the directory: a member's tier, which only staff change (API or admin)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from core.audit import Action, audit_record

from ..models import Membership, Tier

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def membership_set_tier(
    *, user: User, tier: Tier | None, actor, request=None, via: str
) -> Membership:
    """Give ``user`` the ``tier`` (``None``: no tier), creating their membership when they
    have none. A change sets ``tier_changed_at`` and is written to the audit log (the
    field's name only, as every audit entry); setting the tier they already have changes
    nothing and records nothing. ``via`` says where the change came from (``api``,
    ``admin``)."""
    membership, _ = Membership.objects.select_for_update().get_or_create(user=user)
    if membership.tier_id == (tier.pk if tier else None):
        return membership
    membership.tier = tier
    membership.tier_changed_at = timezone.now()
    membership.save(update_fields=["tier", "tier_changed_at", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.CHANGE,
        target=membership,
        subject_id=user.pk,
        changes={"fields": ["tier"]},
        reason=f"tier set via {via}",
        request=request,
    )
    return membership
