"""Celery tasks of the marketplace: thin wrappers over services, idempotent, each one safe
to run again (beat entries in config/settings/base.py, "Marketplace")."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from core.exceptions import ServiceUnavailable

from .services import coaches, completion, payments


@shared_task(
    name="marketplace.tasks.bookings_complete",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def bookings_complete() -> int:
    """Mark ended confirmed bookings completed (``services.completion.bookings_complete``);
    every five minutes."""
    return completion.bookings_complete()


@shared_task(
    name="marketplace.tasks.holds_expire",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def holds_expire() -> int:
    """Expire lapsed holds and cancel their intents (``services.payments.holds_expire``);
    every minute."""
    return payments.holds_expire(now=timezone.now())


# Stripe calls, queued after commit. A Stripe outage (``ServiceUnavailable``) is retried
# with backoff; Stripe refusing the request is not.
STRIPE_RETRY = {
    "acks_late": True,
    "autoretry_for": (ServiceUnavailable, OperationalError),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 10,
}


@shared_task(name="marketplace.tasks.payment_intent_cancel", **STRIPE_RETRY)
def payment_intent_cancel(payment_intent_id: str, reason: str) -> str:
    """Cancel the intent of a lapsed or cancelled hold (``services.payments.intent_cancel``)."""
    return payments.intent_cancel(payment_intent_id=payment_intent_id, reason=reason)


@shared_task(name="marketplace.tasks.booking_refund", **STRIPE_RETRY)
def booking_refund(booking_id: str, payment_intent_id: str) -> str:
    """Refund a booking's payment in full (``services.payments.booking_refund``)."""
    return payments.booking_refund(booking_id=booking_id, payment_intent_id=payment_intent_id)


@shared_task(name="marketplace.tasks.next_available_refresh", ignore_result=True)
def next_available_refresh(coach_id: str) -> None:
    """Recompute one coach's cached next free time (queued after a change of their
    calendar: ``services.coaches.next_available_queue``)."""
    coaches.next_available_refresh_by_id(coach_id)


@shared_task(
    name="marketplace.tasks.next_available_refresh_stale",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def next_available_refresh_stale() -> int:
    """Refresh the cached next free times that time has overtaken; every ten minutes."""
    return coaches.next_available_refresh_stale()
