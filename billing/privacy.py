"""Billing's rows in the GDPR export and erasure. Of dj-stripe's tables, Customer is the
only one that points at the member; their subscriptions, invoices, payments and intents hang
off it. Staff grants (``PlanGrant``) are billing's own and go with the account.

Erasure keeps the accounting records the law requires (invoices and payments stay, for
the bookkeeping retention period) but cuts them loose from the person: the customer row
loses its link to the user and its contact details, invoices and charges lose the
customer's name, email, phone and addresses. After commit a task cancels the member's
active subscriptions at Stripe and deletes the Stripe customer.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models, transaction
from djstripe.models import Charge, Customer, Invoice, PaymentIntent, Subscription

from core import privacy
from core.tasks import enqueue

from .models import PlanGrant

CUSTOMER_PERSONAL_KEYS = ("email", "name", "phone", "address", "shipping", "description")
INVOICE_PERSONAL_KEYS = (
    "customer_email",
    "customer_name",
    "customer_phone",
    "customer_address",
    "customer_shipping",
)
CHARGE_PERSONAL_KEYS = ("billing_details", "receipt_email", "shipping")
OWNER = "customer__subscriber"


def _strip(rows, keys: tuple[str, ...], extra: dict | None = None) -> int:
    count = 0
    for row in rows:
        data = {key: value for key, value in row.stripe_data.items() if key not in keys}
        for field, value in (extra or {}).items():
            setattr(row, field, value)
        row.stripe_data = data
        row.save(update_fields=["stripe_data", *(extra or {})])
        count += 1
    return count


def erase_customers(rows, user) -> int:
    from .tasks import customer_erase

    customers = list(rows)
    # Pseudonymise what the law keeps before the customer loses its link to the member.
    _strip(Invoice.objects.filter(customer__in=customers), INVOICE_PERSONAL_KEYS)
    _strip(Charge.objects.filter(customer__in=customers), CHARGE_PERSONAL_KEYS)
    for customer in customers:
        customer_id = customer.id
        transaction.on_commit(lambda cid=customer_id: enqueue(customer_erase, cid), robust=True)
    return _strip(
        customers, CUSTOMER_PERSONAL_KEYS, {"subscriber": None, "email": "", "metadata": {}}
    )


def _kept(rows, user) -> int:
    """Kept with the pseudonymised customer (erase_customers strips what names them)."""
    return rows.count()


privacy.register(
    Customer,
    user_field="subscriber",
    export_fields=("id", "email", "livemode", "created", "metadata"),
    erase=erase_customers,
)
# Complimentary plans staff gave the member: exported, and deleted with the account (the
# audit log keeps that a grant was made, never its contents).
privacy.register(
    PlanGrant,
    export_fields=("id", "plan", "starts_at", "ends_at", "ended_at", "reason", "created_at"),
)
for _model in (Subscription, Invoice, Charge, PaymentIntent):
    privacy.register(
        _model,
        user_field=OWNER,
        export_fields=("id", "livemode", "created", "stripe_data"),
        erase=_kept,
    )


def _text_columns(model) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
        and not field.primary_key
        and not field.choices
    ]


# dj-stripe mirrors Stripe's objects whole, and Stripe's copies carry what we sent them (the
# member's id in the customer's metadata, their email on invoices and charges) and what its
# webhooks reported (``djstripe.Event.data``): every text column of every mirror table is
# searched at erasure.
for _model in apps.get_app_config("djstripe").get_models():
    if _columns := _text_columns(_model):
        privacy.register_mentions(_model, fields=_columns)
