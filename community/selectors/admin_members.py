"""Staff's reads of members: every account, with its tier, found by what staff know of it.

Accounts owns the user tables and their search (``accounts.selectors.users_for_staff``:
name or email, status, dates, ``last_seen``, ordering); the tier is the community's and is
joined here."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from accounts import selectors as account_selectors

if TYPE_CHECKING:
    from accounts.models import User

    from ..models import Tier

ACTIVE = "active"
INACTIVE = "inactive"
STATUSES = (ACTIVE, INACTIVE)
ORDERINGS = tuple(account_selectors.STAFF_ORDERINGS)
DEFAULT_ORDERING = "-date_joined"


def members_for_staff(
    *,
    search: str = "",
    tier: Tier | None = None,
    status: str | None = None,
    joined_after: dt.date | None = None,
    joined_before: dt.date | None = None,
    last_seen_after: dt.date | None = None,
    last_seen_before: dt.date | None = None,
    ordering: str = DEFAULT_ORDERING,
) -> QuerySet[User]:
    """The accounts staff asked for, each with its profile, tier, ``email_verified`` and
    ``last_seen``: one query per page, whatever its size."""
    queryset = account_selectors.users_for_staff(
        search_text=search,
        is_active=None if status is None else status == ACTIVE,
        joined_after=joined_after,
        joined_before=joined_before,
        last_seen_after=last_seen_after,
        last_seen_before=last_seen_before,
        ordering=ordering,
    ).select_related("membership__tier")
    if tier is not None:
        queryset = queryset.filter(membership__tier=tier)
    return queryset


def member_for_staff(member_id) -> User | None:
    """One account as staff's list shows it, or None when there is none."""
    return members_for_staff().filter(pk=member_id).first()
