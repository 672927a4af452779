"""Paid sessions: the money side of a booking, through billing (the only app that talks to
Stripe) and its ``marketplace.booking`` payment purpose, registered in
``MarketplaceConfig.ready()``.

- A priced booking is held and gets one PaymentIntent, keyed by the booking
  (:func:`booking_client_key`): ``booking_create``, a retry and ``POST
  /billing/payment-intents`` all reach the same intent.
- Only Stripe's signed ``payment_intent.succeeded`` confirms a hold
  (``bookings.booking_mark_paid``); a payment that arrives for a booking that lost its slot
  or was cancelled is refunded in full.
- A hold that lapses expires (lazily in the coach's next booking transaction, and every
  minute by :func:`holds_expire`) and its intent is cancelled (``abandoned``); a cancelled
  hold's intent is cancelled too (``requested_by_customer``). An intent that succeeded or
  is processing meanwhile is left to the webhook.
- Cancelling a paid booking refunds it by the coach's policy (:func:`refund_due`): the
  coach cancels, in full; the client cancels before ``free_cancel_hours``, in full; later,
  nothing. ``payment_status`` is ``refund_pending`` until Stripe answers; refunds, ours or
  made in Stripe's dashboard, reach the booking through :func:`booking_refunded`
  (``amount_refunded``; ``refunded`` once in full, a partial one keeps ``paid``).

Stripe is called from Celery tasks queued after commit (``marketplace.tasks``), never
inside a booking's transaction or the coach's lock.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from billing import selectors as billing_selectors
from billing import services as billing_services

from ..frames import FRAME_RELATED
from ..models import Booking, BookingEvent, Coach
from . import bookings as booking_services

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

# Stripe's reasons (billing.services.CANCELLATION_REASONS, REFUND_REASONS).
LAPSED = "abandoned"
CANCELLED = "requested_by_customer"
REFUND_REASON = "requested_by_customer"
# The beat task locks this many coaches per transaction, for at most this many rounds.
HOLDS_BATCH = 100
HOLDS_ROUNDS = 50


def booking_client_key(*, user: User, object_id: str) -> str:
    """The Stripe idempotency key of a booking's payment (the purpose's ``client_key``
    hook): the booking's, so every request to pay for it reaches its one intent."""
    return f"booking:{object_id}"


def find_booking(object_id) -> Booking | None:
    try:
        return Booking.objects.filter(pk=object_id).first()
    except (ValidationError, ValueError):
        return None


# --- after commit -----------------------------------------------------------------------------


def queue_intent_cancel(*, payment_intent_id: str, reason: str) -> None:
    """Cancel the intent once the transaction that gave it up commits."""
    from .. import tasks  # the tasks module imports the services

    if payment_intent_id:
        transaction.on_commit(
            lambda: tasks.payment_intent_cancel.delay(payment_intent_id, reason), robust=True
        )


def queue_refund(*, booking: Booking, payment_intent_id: str) -> None:
    """Refund the payment in full once the transaction that decided it commits."""
    from .. import tasks  # the tasks module imports the services

    booking_id = str(booking.pk)
    transaction.on_commit(
        lambda: tasks.booking_refund.delay(booking_id, payment_intent_id), robust=True
    )


def intent_cancel(*, payment_intent_id: str, reason: str) -> str:
    """Cancel a booking's intent at Stripe (the ``payment_intent_cancel`` task); the
    intent's status after it."""
    if not billing_selectors.configured():
        logger.warning("Payment %s not cancelled: billing is not configured.", payment_intent_id)
        return "skipped"
    return billing_services.payment_intent_cancel(
        payment_intent_id=payment_intent_id, reason=reason
    )["status"]


def booking_refund(*, booking_id: str, payment_intent_id: str) -> str:
    """Refund ``payment_intent_id`` of the booking in full (the ``booking_refund`` task).
    Its own payment is refunded only while ``refund_pending`` (safe to run twice: Stripe's
    key is the intent's); a second payment of an already paid booking always is. A refund
    Stripe reports succeeded is recorded at once; the ``charge.refunded`` webhook records
    it otherwise."""
    if not billing_selectors.configured():
        logger.warning("Payment %s not refunded: billing is not configured.", payment_intent_id)
        return "skipped"
    booking = find_booking(booking_id)
    own = booking is not None and booking.payment_intent_id == payment_intent_id
    if own and booking.payment_status != Booking.PaymentStatus.REFUND_PENDING:
        return "not_due"
    refund = billing_services.refund_create(
        payment_intent_id=payment_intent_id, reason=REFUND_REASON
    )
    if own and refund["status"] == "succeeded":
        _record_refund(
            booking_id=booking_id,
            payment_intent_id=payment_intent_id,
            amount_refunded=booking.price_amount,
        )
    return refund["status"]


# --- billing's hooks --------------------------------------------------------------------------


def booking_refunded(*, payment_intent, object_id: str, amount_refunded: int) -> None:
    """Stripe reported money back on the booking's payment (the ``on_refunded`` hook, inside
    the webhook's transaction), ``amount_refunded`` being the total so far: recorded once."""
    _record_refund(
        booking_id=object_id,
        payment_intent_id=getattr(payment_intent, "id", ""),
        amount_refunded=amount_refunded,
    )


def _record_refund(*, booking_id, payment_intent_id: str, amount_refunded: int) -> None:
    with transaction.atomic():
        booking = find_booking(booking_id)
        if booking is None:
            logger.warning("Refund for an unknown booking %s", booking_id)
            return
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related(*FRAME_RELATED)
            .get(pk=booking.pk)
        )
        if booking.payment_intent_id != payment_intent_id:
            # A second payment for the booking, given back: not the booking's money.
            logger.info("Refund of payment %s of booking %s", payment_intent_id, booking.pk)
            return
        total = min(amount_refunded, booking.price_amount)
        if total <= booking.amount_refunded:
            return
        booking.amount_refunded = total
        if total >= booking.price_amount:
            booking.payment_status = Booking.PaymentStatus.REFUNDED
        booking.save(update_fields=["amount_refunded", "payment_status", "updated_at"])
        BookingEvent.objects.create(
            booking=booking,
            actor=Booking.Party.SYSTEM,
            action=BookingEvent.Action.REFUNDED,
            reason=f"{total / 100:.2f} {booking.currency.upper()} refunded in all.",
        )
        booking_services._notify(booking)


# --- holds ------------------------------------------------------------------------------------


def hold_release(*, booking: Booking, reason: str) -> None:
    """The hold's payment could not be started: it expires now (with ``reason``), so its
    slot is free again."""
    with transaction.atomic():
        booking_services._lock_coach(booking.coach_id)
        released = Booking.objects.filter(pk=booking.pk, status=Booking.Status.HELD).update(
            status=Booking.Status.EXPIRED, payment_status=Booking.PaymentStatus.NONE
        )
        if not released:
            return
        booking.status = Booking.Status.EXPIRED
        booking.payment_status = Booking.PaymentStatus.NONE
        BookingEvent.objects.create(
            booking=booking,
            actor=Booking.Party.SYSTEM,
            action=BookingEvent.Action.EXPIRED,
            reason=reason[:500],
        )
        booking_services._notify(booking)


def holds_expire(*, now: dt.datetime, batch_size: int = HOLDS_BATCH) -> int:
    """Expire every lapsed hold (the every-minute beat task), so an abandoned payment frees
    its slot even when nobody books the coach. Coaches are taken in batches with
    ``select_for_update(skip_locked=True)``: the coach's lock is the one every booking write
    takes first, so the sweep never waits for a booking in progress (that transaction
    expires the coach's holds itself) and never deadlocks with one. Returns how many
    expired."""
    expired = 0
    for _ in range(HOLDS_ROUNDS):
        with transaction.atomic():
            lapsed = Booking.objects.filter(
                status=Booking.Status.HELD, hold_expires_at__lte=now
            ).values("coach_id")
            coaches = Coach.objects.filter(pk__in=lapsed).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                coaches = coaches.select_for_update(skip_locked=True, of=("self",))
            batch = list(coaches[:batch_size])
            for coach in batch:
                expired += len(booking_services.expire_lapsed_holds(coach=coach, now=now))
        if len(batch) < batch_size:
            break
    return expired


# --- cancel -----------------------------------------------------------------------------------


def refund_due(booking: Booking, *, party: str) -> bool:
    """The coach's policy: a coach's (or the platform's) cancel refunds in full, and so does
    a client's before the coach's ``free_cancel_hours``; a late one refunds nothing."""
    return party != Booking.Party.CLIENT or not booking.late_cancel


def cancel_payment(booking: Booking, *, party: str) -> None:
    """The payment side of cancelling ``booking`` (locked, ``late_cancel`` decided, not yet
    saved): a hold's intent is cancelled, a paid booking refunded by policy
    (``refund_pending`` until Stripe answers). Stripe is called after commit."""
    if booking.payment_status == Booking.PaymentStatus.PENDING:
        booking.payment_status = Booking.PaymentStatus.NONE
        queue_intent_cancel(payment_intent_id=booking.payment_intent_id, reason=CANCELLED)
    elif booking.payment_status == Booking.PaymentStatus.PAID and refund_due(booking, party=party):
        booking.payment_status = Booking.PaymentStatus.REFUND_PENDING
        queue_refund(booking=booking, payment_intent_id=booking.payment_intent_id)
