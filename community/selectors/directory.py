"""Reads of the member directory and of tiers.

The directory lists active members whose profile's ``directory_visibility`` is
``members``; the caller is listed too when their own profile allows it, so the directory
reads the same for everyone. Search covers display name, company and position: on
PostgreSQL a ranked full-text search (configuration ``simple``, each word a prefix, the
name weighted above the company above the position), elsewhere a case-insensitive
substring match of every word.
"""

import re

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower

from accounts.choices import DirectoryVisibility
from accounts.models import User

from ..models import Tier

SEARCH_MAX_LENGTH = 100
# More words than this add nothing to a directory search but cost.
SEARCH_MAX_WORDS = 8
SEARCH_FIELDS = ("profile__display_name", "profile__company", "profile__position")


def related(user, name: str):
    """``user.<name>`` for a one-to-one that may be missing (``None`` then: a bare
    superuser has no profile, a member without a tier no membership)."""
    try:
        return getattr(user, name)
    except ObjectDoesNotExist:
        return None


def profile_of(user):
    return related(user, "profile")


def tier_of(user) -> Tier | None:
    membership = related(user, "membership")
    return membership.tier if membership is not None else None


def listed_members() -> QuerySet[User]:
    """Every member the directory shows, with what a row needs, by display name."""
    return (
        User.objects.filter(
            is_active=True, profile__directory_visibility=DirectoryVisibility.MEMBERS
        )
        .select_related("profile", "membership__tier")
        .order_by(Lower("profile__display_name"), "id")
    )


def search_words(text: str) -> list[str]:
    """The words of a search: letters and digits only, so nothing the user types can be
    read as full-text query syntax."""
    return re.findall(r"[^\W_]+", text)[:SEARCH_MAX_WORDS]


def members_matching(queryset: QuerySet[User], text: str) -> QuerySet[User]:
    """``queryset`` narrowed to the members matching every word of ``text``; on PostgreSQL
    ordered by rank (best first), then by display name."""
    words = search_words(text)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        return _full_text(queryset, words)
    for word in words:
        queryset = queryset.filter(
            Q(profile__display_name__icontains=word)
            | Q(profile__company__icontains=word)
            | Q(profile__position__icontains=word)
        )
    return queryset


def _full_text(queryset: QuerySet[User], words: list[str]) -> QuerySet[User]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = (
        SearchVector("profile__display_name", weight="A", config="simple")
        + SearchVector("profile__company", weight="B", config="simple")
        + SearchVector("profile__position", weight="C", config="simple")
    )
    # Words are letters and digits only (search_words), so the raw query is safe: every
    # word must match, as a prefix ("ada" finds "Ada", "lov" finds "Lovelace").
    query = SearchQuery(
        " & ".join(f"{word}:*" for word in words), config="simple", search_type="raw"
    )
    return (
        queryset.annotate(document=vector)
        .filter(document=query)
        .annotate(rank=SearchRank(F("document"), query))
        .order_by("-rank", Lower("profile__display_name"), "id")
    )


def member_card(member_id) -> User | None:
    """One listed member, or ``None`` when there is no such member or they are not listed
    (hidden, inactive): the two are not told apart."""
    return listed_members().filter(pk=member_id).first()


def tiers() -> QuerySet[Tier]:
    return Tier.objects.order_by("-rank", "name")
