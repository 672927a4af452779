"""Customers as the API lists and shows them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.exceptions import DomainError

from ..contacts import contact_index, normalise_email, normalise_phone
from ..models import Customer, FollowUp, Interaction, Referral, RewardBalance, Tag
from .settings import phone_region_of

if TYPE_CHECKING:
    from accounts.models import User

# ?ordering= value -> ORDER BY; each ends with the primary key so pages never overlap.
ORDERINGS = {
    "name": ("name", "id"),
    "-created_at": ("-created_at", "-id"),
    "-last_contacted_at": ("-last_contacted_at", "-id"),
}
DEFAULT_ORDERING = "-created_at"


def customers_of(owner: User) -> QuerySet[Customer]:
    """``owner``'s customers with their tags (one query for any page)."""
    return (
        Customer.objects.filter(owner=owner)
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by(*ORDERINGS[DEFAULT_ORDERING])
    )


def _count(model, group: str, **filters) -> Coalesce:
    """COUNT of ``model`` rows per customer (``group`` is the customer column)."""
    rows = (
        model.objects.filter(**{group: OuterRef("pk")}, **filters)
        .order_by()
        .values(group)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def customer_details_of(owner: User) -> QuerySet[Customer]:
    """As :func:`customers_of`, with the counts the detail shows."""
    next_follow_up = FollowUp.objects.filter(
        customer=OuterRef("pk"), status=FollowUp.Status.PENDING
    ).order_by("due_at", "pk")
    return customers_of(owner).annotate(
        interaction_count=_count(Interaction, "customer"),
        referral_count=_count(Referral, "referrer"),
        converted_referral_count=_count(
            Referral,
            "referrer",
            status__in=[Referral.Status.CONVERTED, Referral.Status.REWARDED],
        ),
        points=Coalesce(
            Subquery(
                RewardBalance.objects.filter(customer=OuterRef("pk")).values("points")[:1],
                output_field=IntegerField(),
            ),
            0,
        ),
        next_follow_up_id=Subquery(next_follow_up.values("pk")[:1]),
        next_follow_up_at=Subquery(next_follow_up.values("due_at")[:1]),
    )


def customers_ordered(queryset: QuerySet[Customer], ordering: str) -> QuerySet[Customer]:
    return queryset.order_by(*ORDERINGS[ordering])


def customers_named(queryset: QuerySet[Customer], text: str) -> QuerySet[Customer]:
    """A partial, case-insensitive match on the name (a trigram index on PostgreSQL)."""
    return queryset.filter(name__icontains=text.strip())


def customers_tagged(queryset: QuerySet[Customer], names: list[str]) -> QuerySet[Customer]:
    """Customers carrying every one of ``names``."""
    for name in {name.strip() for name in names if name.strip()}:
        queryset = queryset.filter(tags__name=name)
    return queryset


def customers_with_contact(
    queryset: QuerySet[Customer], owner: User, field: str, value: str
) -> QuerySet[Customer]:
    """The customer whose ``field`` (email, phone) is ``value`` in any format of the same
    address or number. Something that is no address or number matches nothing."""
    try:
        if field == "email":
            normalised = normalise_email(value)
        else:
            normalised = normalise_phone(value, phone_region_of(owner))
    except DomainError:
        return queryset.none()
    return queryset.filter(**{f"{field}_index": contact_index(owner.pk, field, normalised)})
