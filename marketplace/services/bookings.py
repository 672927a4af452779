"""Booking a coach: create (confirmed, or held for payment), reschedule, cancel.

What may be booked is decided by one function, ``marketplace.selectors.availability.is_free``
(the same one that lists the slots); the database's no-overlap guarantee (migration 0002)
settles any race it cannot see. Every write of a booking locks its coach's row first, so
two bookings of one coach are decided one after the other; a concurrent writer that slips
past (another path, another process) meets the exclusion constraint (PostgreSQL, SQLSTATE
23P01) or the trigger (SQLite, ``booking_no_overlap``), answered with the same 409
``slot_unavailable``.

Every change appends a ``BookingEvent`` and pushes ``booking.updated`` to the client and
the coach after commit.

Payments: a priced course is held (``held``, ``hold_expires_at`` = now +
``MARKETPLACE_HOLD_MINUTES``, ``payment_status`` pending). Without Stripe keys it is
refused before any hold (503 ``billing_unavailable``). With keys, its one PaymentIntent
is created through billing once the hold is committed (purpose ``marketplace.booking``,
keyed by the booking); if that fails the hold expires and the error goes through. Only
Stripe's ``payment_intent.succeeded`` confirms a hold (``booking_mark_paid``); lapsed and
cancelled holds have their intent cancelled, paid bookings are refunded by the coach's
policy (``services/payments.py``, which calls Stripe after commit through billing).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from analytics.services import track
from billing import payments
from billing import selectors as billing_selectors
from billing import services as billing_services
from core.exceptions import Conflict, DomainError, NotFound, ServiceUnavailable
from core.realtime import send_to_user

from .. import frames
from ..frames import FRAME_RELATED
from ..models import BLOCKING, Booking, BookingEvent, Coach
from ..selectors.availability import is_free
from . import payments as payment_services
from .coaches import next_available_queue
from .reminders import reminders_sync
from .watch import availability_changed

if TYPE_CHECKING:
    from accounts.models import User

    from ..models import Course, Quote

logger = logging.getLogger(__name__)

PAYMENT_PURPOSE = "marketplace.booking"
# Statuses after which a booking can be neither moved nor cancelled.
FINISHED = (Booking.Status.COMPLETED, Booking.Status.EXPIRED, Booking.Status.NO_SHOW)

SLOT_UNAVAILABLE = "This time is not available."


@dataclass
class Created:
    """What ``booking_create`` made: ``created`` is False when the caller's own live hold
    on that slot was returned instead; ``payment`` is the PaymentIntent of a new hold
    (``{id, client_secret, amount, currency, status}``), when billing made one."""

    booking: Booking
    created: bool
    payment: dict[str, Any] | None = None


# --- helpers --------------------------------------------------------------------------------


def party_of(user: User, booking: Booking) -> str | None:
    """``client`` or ``coach`` for the booking's two sides, else None."""
    if booking.client_id is not None and booking.client_id == user.pk:
        return Booking.Party.CLIENT
    if booking.coach.user_id is not None and booking.coach.user_id == user.pk:
        return Booking.Party.COACH
    return None


def _is_overlap(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == "23P01":  # exclusion_violation (psycopg)
        return True
    return "booking_no_overlap" in str(exc)


def _notify(booking: Booking, *, calendar: bool = True) -> None:
    """After every change of a booking: its reminders follow it, both parties' sockets
    hear ``booking.updated``, and (``calendar``) the coach's calendar is announced changed.
    A writer that changes many bookings of one coach passes ``calendar=False`` and calls
    :func:`_calendar_changed` once."""
    reminders_sync(booking)
    frame = frames.booking_updated(booking)
    for user_id in {booking.client_id, booking.coach.user_id} - {None}:
        send_to_user(user_id, frame)
    if calendar:
        _calendar_changed(booking.coach, since=booking.blocked_start)


def _calendar_changed(coach: Coach, *, since: dt.datetime) -> None:
    """Open availability views of the coach refresh, and so does the catalogue's cached
    next free time when the change (from ``since`` on) reaches it; a later change is
    caught by the beat sweep once the cached time has passed."""
    availability_changed(coach.pk)
    cached = coach.next_available_at
    if cached is None or since <= cached + dt.timedelta(days=1):
        next_available_queue(coach.pk)


def _event(booking: Booking, *, actor: str, user: User | None, action: str, **extra) -> None:
    BookingEvent.objects.create(
        booking=booking, actor=actor, actor_user=user, action=action, **extra
    )


def _lock_coach(coach_id) -> Coach:
    return Coach.objects.select_for_update(of=("self",)).select_related("user").get(pk=coach_id)


def expire_lapsed_holds(*, coach: Coach, now: dt.datetime) -> list[Booking]:
    """Holds of ``coach`` whose time ran out become ``expired`` (one UPDATE), each with a
    system event and a frame, and their intents are cancelled after commit (``abandoned``;
    one paid meanwhile is the webhook's to decide). The caller holds the coach's lock."""
    lapsed = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(coach=coach, status=Booking.Status.HELD, hold_expires_at__lte=now)
        .select_related(*FRAME_RELATED)
    )
    if not lapsed:
        return []
    Booking.objects.filter(pk__in=[b.pk for b in lapsed], status=Booking.Status.HELD).update(
        status=Booking.Status.EXPIRED, payment_status=Booking.PaymentStatus.NONE, updated_at=now
    )
    BookingEvent.objects.bulk_create(
        BookingEvent(
            booking=b,
            actor=Booking.Party.SYSTEM,
            action=BookingEvent.Action.EXPIRED,
            reason="The hold lapsed before the payment.",
        )
        for b in lapsed
    )
    for booking in lapsed:
        booking.status = Booking.Status.EXPIRED
        booking.payment_status = Booking.PaymentStatus.NONE
        payment_services.queue_intent_cancel(
            payment_intent_id=booking.payment_intent_id, reason=payment_services.LAPSED
        )
        _notify(booking, calendar=False)
    _calendar_changed(coach, since=min(b.blocked_start for b in lapsed))
    return lapsed


def _save_or_409(booking: Booking, **save_kwargs) -> None:
    """Write the booking in a savepoint; the database's no-overlap refusal is a 409."""
    try:
        with transaction.atomic():
            booking.save(**save_kwargs)
    except IntegrityError as exc:
        if _is_overlap(exc):
            raise Conflict(SLOT_UNAVAILABLE, code="slot_unavailable", attr="start") from exc
        raise


# --- create ---------------------------------------------------------------------------------


def booking_create(
    *, user: User, course: Course, start: dt.datetime, note: str = "", quote: Quote | None = None
) -> Created:
    """Book ``course`` at ``start`` (UTC) for ``user``.

    A free course is ``confirmed``; a priced one ``held`` until ``hold_expires_at``. The
    caller's own live hold on that course and start is returned as it is (``created``
    False). Refusals: booking one's own course (400 ``own_course``); a start that
    ``is_free`` does not admit, or that another booking took meanwhile (409
    ``slot_unavailable``); a priced course without billing (503 ``billing_unavailable``).
    """
    if course.coach.user_id is not None and course.coach.user_id == user.pk:
        raise DomainError("You cannot book your own course.", code="own_course", attr="course")
    priced = course.price_amount > 0
    if priced and not billing_selectors.configured():
        raise ServiceUnavailable(
            "Payments are not available right now, so paid sessions cannot be booked.",
            code="billing_unavailable",
        )

    with transaction.atomic():
        booking, created = _hold_or_book(
            user=user, course=course, start=start, note=note, quote=quote
        )
    # After commit: no Stripe call inside the coach's lock. The caller's own hold gets its
    # one intent again (billing's Stripe idempotency key is the booking's).
    try:
        payment = _payment_for_hold(user=user, booking=booking) if priced else None
    except Exception as exc:
        if created:
            code = getattr(exc, "code", None) or type(exc).__name__
            payment_services.hold_release(
                booking=booking, reason=f"The payment could not be started ({code})."
            )
        raise
    return Created(booking, created=created, payment=payment)


def _hold_or_book(
    *, user: User, course: Course, start: dt.datetime, note: str, quote: Quote | None = None
) -> tuple[Booking, bool]:
    now = timezone.now()
    coach = _lock_coach(course.coach_id)
    expire_lapsed_holds(coach=coach, now=now)
    own_hold = (
        Booking.objects.filter(
            client=user,
            course=course,
            start=start,
            status=Booking.Status.HELD,
            hold_expires_at__gt=now,
        )
        .select_related(*FRAME_RELATED)
        .first()
    )
    if own_hold is not None:
        return own_hold, False
    if not is_free(coach=coach, course=course, start=start, now=now):
        raise Conflict(SLOT_UNAVAILABLE, code="slot_unavailable", attr="start")

    priced = course.price_amount > 0
    end = start + dt.timedelta(minutes=course.duration_minutes)
    booking = Booking(
        coach=coach,
        client=user,
        course=course,
        kind=Booking.Kind.ONE_TO_ONE,
        start=start,
        end=end,
        blocked_start=start - dt.timedelta(minutes=course.buffer_before_minutes),
        blocked_end=end + dt.timedelta(minutes=course.buffer_after_minutes),
        # A named quote (checked by quotes.quote_for_booking) fixes the price.
        price_amount=quote.amount if quote is not None else course.price_amount,
        currency=quote.currency if quote is not None else course.currency,
        quote=quote,
        note=note,
    )
    if priced:
        booking.status = Booking.Status.HELD
        booking.hold_expires_at = now + dt.timedelta(minutes=settings.MARKETPLACE_HOLD_MINUTES)
        booking.payment_status = Booking.PaymentStatus.PENDING
    else:
        booking.status = Booking.Status.CONFIRMED
    _save_or_409(booking, force_insert=True)
    _event(
        booking,
        actor=Booking.Party.CLIENT,
        user=user,
        action=BookingEvent.Action.HELD if priced else BookingEvent.Action.CONFIRMED,
        new_start=start,
    )
    _notify(booking)
    track(
        "booking_created",
        user,
        booking_id=str(booking.pk),
        coach_id=str(coach.pk),
        course_id=str(course.pk),
        status=booking.status,
        amount=booking.price_amount,
    )
    return booking, True


def _payment_for_hold(*, user: User, booking: Booking) -> dict[str, Any] | None:
    """The hold's PaymentIntent, made through billing once the hold is committed (no
    Stripe call inside the coach's lock). None until the purpose is registered."""
    if payments.find(PAYMENT_PURPOSE) is None:
        return None
    intent = billing_services.payment_intent_create(
        user=user,
        purpose=PAYMENT_PURPOSE,
        object_id=str(booking.pk),
        client_key=f"booking:{booking.pk}",
    )
    Booking.objects.filter(pk=booking.pk).update(payment_intent_id=intent["id"])
    booking.payment_intent_id = intent["id"]
    return intent


# --- reschedule -----------------------------------------------------------------------------


def booking_reschedule(
    *, user: User, booking: Booking, start: dt.datetime, version: int, reason: str = ""
) -> Booking:
    """Move the booking (the same row) to ``start``, which may overlap its own old time.

    The client or the coach only (others: 404). A ``version`` other than the booking's:
    409 ``version_conflict``. Cancelled, expired, completed or no-show, already started,
    or moved ``reschedule_limit`` times: 409 ``not_reschedulable``. A new time that is not
    free: 409 ``slot_unavailable``, the booking unchanged. The payment is untouched.
    """
    party = party_of(user, booking)
    if party is None:
        raise NotFound("No such booking.")
    with transaction.atomic():
        now = timezone.now()
        coach = _lock_coach(booking.coach_id)
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related(*FRAME_RELATED)
            .get(pk=booking.pk)
        )
        if booking.version != version:
            raise Conflict(
                "The booking changed since you read it; reload it and try again.",
                code="version_conflict",
                attr="version",
            )
        if booking.status not in (Booking.Status.HELD, Booking.Status.CONFIRMED) or (
            booking.status == Booking.Status.HELD and booking.hold_expires_at < now
        ):
            raise Conflict("This booking can no longer be moved.", code="not_reschedulable")
        if booking.start <= now:
            raise Conflict("This session has already started.", code="not_reschedulable")
        if booking.reschedule_count >= coach.reschedule_limit:
            raise Conflict(
                f"This booking was already moved {booking.reschedule_count} times, the "
                "coach's limit.",
                code="not_reschedulable",
            )
        expire_lapsed_holds(coach=coach, now=now)
        if not is_free(coach=coach, course=booking.course, start=start, now=now, exclude=booking):
            raise Conflict(SLOT_UNAVAILABLE, code="slot_unavailable", attr="start")

        old_start = booking.start
        duration = booking.end - booking.start
        before = booking.start - booking.blocked_start
        after = booking.blocked_end - booking.end
        booking.start = start
        booking.end = start + duration
        booking.blocked_start = start - before
        booking.blocked_end = booking.end + after
        booking.version += 1
        booking.ical_sequence += 1
        booking.reschedule_count += 1
        _save_or_409(
            booking,
            update_fields=[
                "start",
                "end",
                "blocked_start",
                "blocked_end",
                "version",
                "ical_sequence",
                "reschedule_count",
                "updated_at",
            ],
        )
        _event(
            booking,
            actor=party,
            user=user,
            action=BookingEvent.Action.RESCHEDULED,
            old_start=old_start,
            new_start=start,
            reason=reason,
        )
        _notify(booking)
        track("booking_rescheduled", user, booking_id=str(booking.pk), by=party)
    return booking


# --- cancel ---------------------------------------------------------------------------------


def booking_cancel(*, user: User, booking: Booking, reason: str = "") -> Booking:
    """Cancel the booking, by its client or its coach (others: 404).

    Already cancelled: returned unchanged. Ended (or completed, expired, no-show): 409
    ``not_cancellable``. ``late_cancel`` when it is inside the coach's
    ``free_cancel_hours`` before the start. A hold's intent is cancelled; a paid booking is
    refunded by the coach's policy (``payments.cancel_payment``), after commit.
    """
    party = party_of(user, booking)
    if party is None:
        raise NotFound("No such booking.")
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related(*FRAME_RELATED)
            .get(pk=booking.pk)
        )
        if booking.status == Booking.Status.CANCELLED:
            return booking
        if booking.status in FINISHED or booking.end <= timezone.now():
            raise Conflict("This session has ended.", code="not_cancellable")
        _cancel(booking, party=party, user=user, reason=reason)
    return booking


def bookings_cancel_for_coach(*, coach: Coach, reason: str) -> int:
    """Cancel every held or confirmed booking of ``coach`` that has not started, as the
    platform (the coach's account is closing): each as a coach's cancel would be, so paid
    ones are refunded in full, holds' intents cancelled, reminders withdrawn and both
    parties told. Returns how many."""
    with transaction.atomic():
        _lock_coach(coach.pk)
        upcoming = list(
            Booking.objects.select_for_update(of=("self",))
            .filter(coach=coach, status__in=BLOCKING, start__gt=timezone.now())
            .select_related(*FRAME_RELATED)
        )
        for booking in upcoming:
            _cancel(booking, party=Booking.Party.SYSTEM, user=None, reason=reason, calendar=False)
        if upcoming:
            _calendar_changed(coach, since=min(b.blocked_start for b in upcoming))
    return len(upcoming)


def _cancel(
    booking: Booking, *, party: str, user: User | None, reason: str, calendar: bool = True
) -> None:
    """Cancel the locked ``booking`` for ``party`` and tell everyone concerned."""
    now = timezone.now()
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_by = party
    booking.cancelled_at = now
    booking.cancel_reason = reason
    booking.late_cancel = party != Booking.Party.SYSTEM and now > booking.start - dt.timedelta(
        hours=booking.coach.free_cancel_hours
    )
    payment_services.cancel_payment(booking, party=party)
    booking.version += 1
    booking.ical_sequence += 1
    booking.save(
        update_fields=[
            "status",
            "cancelled_by",
            "cancelled_at",
            "cancel_reason",
            "late_cancel",
            "payment_status",
            "version",
            "ical_sequence",
            "updated_at",
        ]
    )
    _event(booking, actor=party, user=user, action=BookingEvent.Action.CANCELLED, reason=reason)
    _notify(booking, calendar=calendar)
    track(
        "booking_cancelled",
        user,
        booking_id=str(booking.pk),
        by=party,
        late=booking.late_cancel,
    )


# --- payment outcomes (billing's hooks) -----------------------------------------------------


def booking_mark_paid(*, payment_intent, object_id: str) -> None:
    """Stripe reported the booking's payment succeeded (the ``on_succeeded`` hook of the
    ``marketplace.booking`` purpose, inside the webhook's transaction): a ``held`` booking,
    or an ``expired`` one whose time is still free, becomes ``confirmed`` and ``paid``, once
    (a replay finds it paid). Otherwise (the slot went to someone else, the session is
    past, or the booking was cancelled) the payment is ``refund_pending`` and refunded in
    full after commit; a second payment of a paid booking is refunded too. Never raises for
    a business outcome: a raise would roll the event back and Stripe would retry it."""
    intent_id = getattr(payment_intent, "id", "") or ""
    with transaction.atomic():
        now = timezone.now()
        found = payment_services.find_booking(object_id)
        if found is None:
            logger.warning("Payment %s for an unknown booking %s", intent_id, object_id)
            return
        coach = _lock_coach(found.coach_id)
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related(*FRAME_RELATED)
            .get(pk=found.pk)
        )
        if booking.payment_status in (
            Booking.PaymentStatus.PAID,
            Booking.PaymentStatus.REFUND_PENDING,
            Booking.PaymentStatus.REFUNDED,
        ):
            if intent_id and booking.payment_intent_id and intent_id != booking.payment_intent_id:
                logger.warning("A second payment %s of booking %s", intent_id, booking.pk)
                payment_services.queue_refund(booking=booking, payment_intent_id=intent_id)
            return
        booking.payment_intent_id = intent_id or booking.payment_intent_id
        booking.paid_at = now
        fields = ["payment_status", "payment_intent_id", "paid_at", "updated_at"]
        revivable = booking.status == Booking.Status.HELD or (
            booking.status == Booking.Status.EXPIRED
            and booking.start > now
            and is_free(
                coach=coach, course=booking.course, start=booking.start, now=now, exclude=booking
            )
        )
        if revivable:
            booking.status = Booking.Status.CONFIRMED
            booking.payment_status = Booking.PaymentStatus.PAID
            booking.version += 1
            fields += ["status", "version"]
            action = BookingEvent.Action.CONFIRMED
        else:
            booking.payment_status = Booking.PaymentStatus.REFUND_PENDING
            action = BookingEvent.Action.REFUNDED
        try:
            _save_or_409(booking, update_fields=fields)
        except Conflict:
            booking.status = Booking.Status.EXPIRED
            booking.payment_status = Booking.PaymentStatus.REFUND_PENDING
            fields.remove("status")
            fields.remove("version")
            booking.version -= 1
            booking.save(update_fields=fields)
            action = BookingEvent.Action.REFUNDED
        reason = ""
        if booking.payment_status == Booking.PaymentStatus.REFUND_PENDING:
            reason = "Paid after the booking lost its time: refunding in full."
            payment_services.queue_refund(
                booking=booking, payment_intent_id=booking.payment_intent_id
            )
        _event(booking, actor=Booking.Party.SYSTEM, user=None, action=action, reason=reason)
        _notify(booking)


def booking_payment_failed(*, payment_intent, object_id: str) -> None:
    """Stripe reported the hold's payment failed (the ``on_failed`` hook): logged with
    Stripe's reason, and the client's and the coach's sockets get the booking again. The
    hold stays until it lapses, so the client may retry with another card on the same
    intent; only expiry or cancellation frees it."""
    error = (getattr(payment_intent, "stripe_data", None) or {}).get("last_payment_error") or {}
    logger.info(
        "Payment %s failed for booking %s: %s",
        getattr(payment_intent, "id", ""),
        object_id,
        error.get("code") or error.get("message") or "no reason given",
    )
    found = payment_services.find_booking(object_id)
    if found is None:
        return
    booking = Booking.objects.select_related(*FRAME_RELATED).get(pk=found.pk)
    if booking.status == Booking.Status.HELD:
        _notify(booking)
