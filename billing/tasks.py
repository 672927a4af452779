"""Billing's background work: the Stripe side of a member's erasure."""

from __future__ import annotations

import logging

import stripe
from celery import shared_task
from django.utils import timezone
from djstripe.models import Customer

from . import stripe_api

logger = logging.getLogger(__name__)

TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


@shared_task(
    name="billing.tasks.customer_erase",
    bind=True,
    autoretry_for=TRANSIENT,
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=10,
)
def customer_erase(self, customer_id: str) -> str:
    """Cancel the customer's live subscriptions at Stripe and delete the Stripe customer
    (Stripe keeps its invoices, as the law asks). Safe to run twice: a customer Stripe no
    longer knows counts as done."""
    if not stripe_api.api_key():
        logger.warning("Stripe customer %s not deleted: no STRIPE_SECRET_KEY.", customer_id)
        return "skipped"
    key = stripe_api.api_key()
    try:
        subscriptions = stripe.Subscription.list(customer=customer_id, status="all", api_key=key)
        for subscription in subscriptions.auto_paging_iter():
            if subscription["status"] not in ("canceled", "incomplete_expired"):
                stripe.Subscription.cancel(
                    subscription["id"],
                    api_key=key,
                    idempotency_key=f"erase-cancel:{subscription['id']}",
                )
        stripe.Customer.delete(customer_id, api_key=key)
    except stripe.InvalidRequestError as exc:
        if exc.http_status != 404:
            raise
    Customer.objects.filter(id=customer_id).update(date_purged=timezone.now())
    return "deleted"
