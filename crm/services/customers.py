"""Customers: create, change, delete. Contact details are normalised here, once, and the
per-owner unique constraints on their blind indexes refuse duplicates (409 ``duplicate``
naming the field), so two concurrent creates of the same number cannot both succeed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from analytics.services import track
from core.exceptions import FieldConflict
from notifications.services import cancel

from ..contacts import clean_text, contact_index, normalise_email, normalise_phone
from ..models import Customer, FollowUp, Tag
from ..selectors.settings import phone_region_of

if TYPE_CHECKING:
    from accounts.models import User

# The unique constraint each field's duplicate violates, as the database names it.
DUPLICATE_CONSTRAINTS = {
    "email": "crm_customer_unique_email",
    "phone": "crm_customer_unique_phone",
}
UNSET = object()


def _contact_fields(owner: User, *, email=UNSET, phone=UNSET) -> dict:
    fields: dict = {}
    if email is not UNSET:
        value = normalise_email(email) if email else ""
        fields.update(email=value, email_index=contact_index(owner.pk, "email", value))
    if phone is not UNSET:
        value = normalise_phone(phone, phone_region_of(owner)) if phone else ""
        fields.update(phone=value, phone_index=contact_index(owner.pk, "phone", value))
    return fields


def _tags_for(owner: User, names: Iterable[str]) -> list[Tag]:
    names = sorted({name.strip() for name in names if name and name.strip()})
    existing = {tag.name: tag for tag in Tag.objects.filter(owner=owner, name__in=names)}
    missing = [Tag(owner=owner, name=name) for name in names if name not in existing]
    if missing:
        # A concurrent request may create the same tag: ignore it, then read both back.
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(owner=owner, name__in=names)}
    return [existing[name] for name in names]


def _raise_duplicate(exc: IntegrityError) -> None:
    message = str(exc)
    for field, constraint in DUPLICATE_CONSTRAINTS.items():
        # PostgreSQL names the constraint; SQLite names the columns.
        if constraint in message or f"crm_customer.{field}_index" in message:
            raise FieldConflict(
                f"Another of your customers has this {field}.", code="duplicate", attr=field
            ) from exc
    raise exc


def _save(customer: Customer, *, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():  # a savepoint: PostgreSQL aborts the outer one otherwise
            customer.save(update_fields=update_fields)
    except IntegrityError as exc:
        _raise_duplicate(exc)


@transaction.atomic
def customer_create(
    *,
    owner: User,
    name: str,
    email: str = "",
    phone: str = "",
    tags: Iterable[str] = (),
    status: str = Customer.Status.LEAD,
    source: str = "",
    birthday: dt.date | None = None,
    notes: str = "",
    whatsapp_opt_in: bool = False,
) -> Customer:
    """Add a customer to ``owner``'s book. Raises a 400 naming ``email``/``phone`` when one
    is invalid, and a 409 ``duplicate`` naming it when another of ``owner``'s customers
    already has it (in any format)."""
    customer = Customer(
        owner=owner,
        name=name.strip(),
        status=status,
        source=source.strip(),
        birthday=birthday,
        notes=clean_text(notes),
        **_contact_fields(owner, email=email, phone=phone),
    )
    if whatsapp_opt_in:
        customer.whatsapp_opt_in_at = timezone.now()
        customer.whatsapp_opt_in_source = "manual"
    _save(customer)
    customer.tags.set(_tags_for(owner, tags))
    track(
        "customer_created",
        owner,
        customer_id=str(customer.pk),
        status=customer.status,
        source=customer.source,
        has_email=bool(customer.email),
        has_phone=bool(customer.phone),
    )
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, **changes) -> Customer:
    """Change the given fields of ``customer`` (the same rules as :func:`customer_create`)."""
    owner = customer.owner
    fields = _contact_fields(
        owner, email=changes.pop("email", UNSET), phone=changes.pop("phone", UNSET)
    )
    tags = changes.pop("tags", None)
    if "notes" in changes:
        changes["notes"] = clean_text(changes["notes"])
    for text_field in ("name", "source"):
        if text_field in changes:
            changes[text_field] = changes[text_field].strip()
    if "whatsapp_opt_in" in changes:
        opt_in = changes.pop("whatsapp_opt_in")
        if opt_in and customer.whatsapp_opt_in_at is None:
            fields.update(whatsapp_opt_in_at=timezone.now(), whatsapp_opt_in_source="manual")
        elif not opt_in:
            fields.update(whatsapp_opt_in_at=None, whatsapp_opt_in_source="")
    fields.update(changes)
    for name, value in fields.items():
        setattr(customer, name, value)
    _save(customer, update_fields=[*fields, "updated_at"])
    if tags is not None:
        customer.tags.set(_tags_for(owner, tags))
    return customer


@transaction.atomic
def customer_delete(*, customer: Customer) -> None:
    """Delete ``customer`` with their interactions, follow-ups (their reminders cancelled)
    and points; referrals naming them as the referee keep the referee's name only."""
    pending = FollowUp.objects.filter(
        customer=customer, status=FollowUp.Status.PENDING, scheduled__isnull=False
    ).values_list("scheduled_id", flat=True)
    for scheduled_id in pending:
        cancel(scheduled=scheduled_id, reason="The customer was deleted.")
    customer.delete()
