"""A customer's timeline. ``Customer.last_contacted_at`` follows the latest ``occurred_at``:
a new entry moves it forward only, by a conditional UPDATE in the same transaction (a
back-dated entry never moves it back, and two concurrent entries cannot race it backwards);
an edit or a delete recomputes it with one aggregate."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from ..contacts import clean_text
from ..models import Customer, Interaction


def _move_last_contacted_forward(customer: Customer, occurred_at: dt.datetime) -> None:
    Customer.objects.filter(pk=customer.pk).filter(
        Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=occurred_at)
    ).update(last_contacted_at=occurred_at, updated_at=timezone.now())


def _recompute_last_contacted(customer_id) -> None:
    latest = (
        Interaction.objects.filter(customer_id=OuterRef("pk"))
        .values("customer_id")
        .annotate(latest=Max("occurred_at"))
        .values("latest")
    )
    Customer.objects.filter(pk=customer_id).update(
        last_contacted_at=Subquery(latest), updated_at=timezone.now()
    )


@transaction.atomic
def interaction_create(
    *,
    customer: Customer,
    kind: str,
    occurred_at: dt.datetime | None = None,
    channel: str = "",
    amount: int | None = None,
    currency: str = "",
    notes: str = "",
) -> Interaction:
    """Record a contact with ``customer`` (now unless ``occurred_at`` says otherwise)."""
    interaction = Interaction.objects.create(
        owner_id=customer.owner_id,
        customer=customer,
        kind=kind,
        occurred_at=occurred_at or timezone.now(),
        channel=channel.strip(),
        amount=amount,
        currency=currency.lower(),
        notes=clean_text(notes),
    )
    _move_last_contacted_forward(customer, interaction.occurred_at)
    return interaction


@transaction.atomic
def interaction_update(*, interaction: Interaction, **changes) -> Interaction:
    """Change the given fields; the customer's ``last_contacted_at`` is recomputed."""
    if "notes" in changes:
        changes["notes"] = clean_text(changes["notes"])
    if "channel" in changes:
        changes["channel"] = changes["channel"].strip()
    if "currency" in changes:
        changes["currency"] = changes["currency"].lower()
    for name, value in changes.items():
        setattr(interaction, name, value)
    interaction.save(update_fields=[*changes, "updated_at"])
    if "occurred_at" in changes:
        _recompute_last_contacted(interaction.customer_id)
    return interaction


@transaction.atomic
def interaction_delete(*, interaction: Interaction) -> None:
    customer_id = interaction.customer_id
    interaction.delete()
    _recompute_last_contacted(customer_id)
