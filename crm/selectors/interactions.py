"""Interactions as the API lists them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from ..models import Interaction

if TYPE_CHECKING:
    from accounts.models import User

    from ..models import Customer


def interactions_of(owner: User) -> QuerySet[Interaction]:
    return Interaction.objects.filter(owner=owner)


def timeline_of(customer: Customer) -> QuerySet[Interaction]:
    """``customer``'s interactions; the view's cursor orders them newest first."""
    return Interaction.objects.filter(customer=customer)
