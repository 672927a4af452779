"""Reads of the member directory and of tiers.

The directory lists active members whose profile's ``directory_visibility`` is
``members``; the caller is listed too when their own profile allows it, so the directory
reads the same for everyone. Search covers display name, company and position: on
PostgreSQL a ranked full-text search (configuration ``simple``, each word a prefix, the
name weighted above the company above the position), elsewhere a case-insensitive
substring match of every word. Users and profiles are accounts' tables, read through
``accounts.selectors`` and ``accounts.search``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.db.models.functions import Lower

from accounts import search
from accounts import selectors as account_selectors

from ..models import Tier

if TYPE_CHECKING:
    from accounts.models import User


def related(user: User, name: str):
    """``user.<name>`` for a one-to-one that may be missing (``None`` then: a bare
    superuser has no profile, a member without a tier no membership)."""
    try:
        return getattr(user, name)
    except ObjectDoesNotExist:
        return None


def profile_of(user: User):
    return related(user, "profile")


def tier_of(user: User) -> Tier | None:
    membership = related(user, "membership")
    return membership.tier if membership is not None else None


def listed_members() -> QuerySet[User]:
    """Every member the directory shows, with what a row needs, by display name."""
    return (
        account_selectors.listed_users()
        .select_related("membership__tier")
        .order_by(Lower("profile__display_name"), "id")
    )


def members_matching(queryset: QuerySet[User], text: str) -> QuerySet[User]:
    """``queryset`` narrowed to the members matching every word of ``text``; on PostgreSQL
    ordered by rank (best first), then by display name."""
    return search.users_matching(queryset, text)


def member_card(member_id) -> User | None:
    """One listed member, or ``None`` when there is no such member or they are not listed
    (hidden, inactive): the two are not told apart."""
    return listed_members().filter(pk=member_id).first()


def tiers() -> QuerySet[Tier]:
    return Tier.objects.order_by("-rank", "name")
