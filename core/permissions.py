"""Owner scoping: a viewset built on :class:`OwnedQuerysetMixin` cannot list or fetch
another user's rows, so another user's object is a 404 (docs/ARCHITECTURE.md, Security)."""

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from rest_framework.permissions import IsAuthenticated


class OwnedQuerysetMixin:
    """Filters ``queryset`` (or ``get_base_queryset()``) by ``owner_field`` = the caller.

    Subclasses override ``get_base_queryset`` for select_related/annotations, never
    ``get_queryset``: that one is where the owner filter is applied, always.
    """

    owner_field = "user"
    permission_classes = [IsAuthenticated]

    def get_base_queryset(self) -> QuerySet:
        queryset = getattr(self, "queryset", None)
        if queryset is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a queryset.")
        return queryset.all()

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        if not user.is_authenticated:
            return self.get_base_queryset().none()
        return self.get_base_queryset().filter(**{self.owner_field: user})

    def perform_create(self, serializer) -> None:
        serializer.save(**{self.owner_field: self.request.user})


def owned_by(queryset: QuerySet, user, owner_field: str = "user") -> QuerySet:
    """The same scoping for code outside a viewset (consumers, services)."""
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    return queryset.filter(**{owner_field: user})
