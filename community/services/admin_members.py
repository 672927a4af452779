"""Staff's work on members over the API: what they looked at, and the changes they make
(tier, open or closed account). Every read and every change is written to the audit log
(``core.audit``), as the admin does for its pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from accounts import services as account_services
from core.audit import Action, audit_record, audit_record_many
from core.exceptions import DomainError

from .directory import membership_set_tier

if TYPE_CHECKING:
    from accounts.models import User

    from ..models import Tier

# ``tier`` not given to ``member_update``: leave it as it is (None takes the tier away).
UNCHANGED = object()


def members_listed(*, actor: User, members: Iterable[User], request=None) -> None:
    """Record that ``actor`` was shown ``members`` (one page of the list): one entry each."""
    audit_record_many(
        actor=actor, action=Action.VIEW, targets=members, reason="listed via api", request=request
    )


def member_viewed(*, actor: User, member: User, request=None) -> None:
    audit_record(
        actor=actor,
        action=Action.VIEW,
        target=member,
        subject_id=member.pk,
        reason="viewed via api",
        request=request,
    )


@transaction.atomic
def member_update(
    *,
    member: User,
    actor: User,
    tier: Tier | None | object = UNCHANGED,
    is_active: bool | None = None,
    request=None,
) -> None:
    """Set ``member``'s tier (``membership_set_tier``, audited there) and open or close
    their account (``accounts.services.user_set_active``: closing it ends their sessions
    and closes their sockets), all or nothing. Staff may not close their own account: they
    would lock themselves out mid-task, so it is refused naming ``is_active``."""
    if is_active is False and member.pk == actor.pk:
        raise DomainError(
            "You cannot deactivate your own account.",
            code="cannot_deactivate_self",
            attr="is_active",
        )
    if tier is not UNCHANGED:
        membership_set_tier(user=member, tier=tier, actor=actor, request=request, via="api")
    if is_active is not None and is_active != member.is_active:
        account_services.user_set_active(user=member, is_active=is_active)
        audit_record(
            actor=actor,
            action=Action.CHANGE,
            target=member,
            subject_id=member.pk,
            changes={"fields": ["is_active"]},
            reason="reactivated via api" if is_active else "deactivated via api",
            request=request,
        )
