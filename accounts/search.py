"""The member search over profiles: display name, company and position.

The one definition of the full-text expression. On PostgreSQL the GIN index
``accounts_profile_search`` (migration 0003) is built from it, and the planner only uses
that index when a query's expression compiles to exactly the index's. The migration keeps
its own frozen copy, as migrations must (a migration that imported this module would
silently build something else the day the expression changes, on databases already
migrated and on new ones alike); ``accounts/tests/test_search.py`` fails when the two
differ, so a change here comes with a new migration that rebuilds the index.

On PostgreSQL a search is ranked (configuration ``simple``, each word a prefix, the name
weighted above the company above the position); elsewhere every word is a
case-insensitive substring of one of the fields.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower

if TYPE_CHECKING:
    from django.contrib.postgres.search import CombinedSearchVector

    from .models import User

SEARCH_MAX_LENGTH = 100
# More words than this add nothing to a directory search but cost.
SEARCH_MAX_WORDS = 8
CONFIG = "simple"
# The profile's fields, most weighty first.
WEIGHTED_FIELDS = (("display_name", "A"), ("company", "B"), ("position", "C"))
INDEX_NAME = "accounts_profile_search"


def search_vector(prefix: str = "") -> CombinedSearchVector:
    """The weighted document of a profile; ``prefix`` is the path to the profile from the
    queried model (``"profile__"`` from the user, ``""`` on the profile itself)."""
    from django.contrib.postgres.search import SearchVector

    vectors = [
        SearchVector(f"{prefix}{field}", weight=weight, config=CONFIG)
        for field, weight in WEIGHTED_FIELDS
    ]
    vector = vectors[0]
    for other in vectors[1:]:
        vector = vector + other
    return vector


def search_words(text: str) -> list[str]:
    """The words of a search: letters and digits only, so nothing the user types can be
    read as full-text query syntax."""
    return re.findall(r"[^\W_]+", text)[:SEARCH_MAX_WORDS]


def users_matching(queryset: QuerySet[User], text: str) -> QuerySet[User]:
    """``queryset`` (of users) narrowed to those whose profile matches every word of
    ``text``; on PostgreSQL ordered by rank (best first), then by display name."""
    words = search_words(text)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        return _full_text(queryset, words)
    for word in words:
        matches = Q()
        for field, _weight in WEIGHTED_FIELDS:
            matches |= Q(**{f"profile__{field}__icontains": word})
        queryset = queryset.filter(matches)
    return queryset


def _full_text(queryset: QuerySet[User], words: list[str]) -> QuerySet[User]:
    from django.contrib.postgres.search import SearchQuery, SearchRank

    # Words are letters and digits only (search_words), so the raw query is safe: every
    # word must match, as a prefix ("ada" finds "Ada", "lov" finds "Lovelace").
    query = SearchQuery(" & ".join(f"{word}:*" for word in words), config=CONFIG, search_type="raw")
    return (
        queryset.annotate(document=search_vector("profile__"))
        .filter(document=query)
        .annotate(rank=SearchRank(F("document"), query))
        .order_by("-rank", Lower("profile__display_name"), "id")
    )


def users_matching_name_or_email(queryset: QuerySet[User], text: str) -> QuerySet[User]:
    """``queryset`` (of users) narrowed to those whose display name or email holds every
    word of ``text`` (case-insensitive substrings): staff's member search, where an email
    is looked for in part. Unordered; no index serves it, which a staff tool can afford."""
    for word in search_words(text):
        queryset = queryset.filter(
            Q(profile__display_name__icontains=word) | Q(email__icontains=word)
        )
    return queryset
