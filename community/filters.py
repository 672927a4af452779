"""Query-string filters of the community's lists."""

import django_filters
from django.contrib.auth import get_user_model
from django.core.validators import validate_slug

from accounts import search

from .selectors import directory


class MemberFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=search.SEARCH_MAX_LENGTH,
        help_text="Words to find in display name, company or position; every word must "
        "match (as a word prefix on PostgreSQL, a substring elsewhere). Results are then "
        "ordered by relevance on PostgreSQL.",
    )
    tier = django_filters.CharFilter(
        field_name="membership__tier__slug",
        max_length=60,
        validators=[validate_slug],
        help_text="Only members of the tier with this slug (an unknown slug lists nobody).",
    )

    class Meta:
        model = get_user_model()
        fields = ["search", "tier"]

    def filter_search(self, queryset, name, value):
        return directory.members_matching(queryset, value)
