"""Reads of bookings: a member sees the bookings they are the client of, the group sessions
they hold a seat in (an enrolment not given back) and those of their coach profile, nobody
else's."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from billing.payments import Price
from core.exceptions import Conflict, NotFound

from ..models import Booking, BookingEvent, Enrolment

if TYPE_CHECKING:
    from accounts.models import User

ROLES = ("client", "coach")


def bookings_visible_to(
    user: User,
    *,
    role: str | None = None,
    status: str | None = None,
    start_from: dt.datetime | None = None,
    start_to: dt.datetime | None = None,
) -> QuerySet[Booking]:
    """The bookings ``user`` is the client or the coach of, and the group sessions they
    hold a seat in (as client), with what the API shows of them loaded (course, coach and
    its user, client and their profiles). ``role`` keeps one side; ``start_from``
    (inclusive) and ``start_to`` (exclusive) bound the start."""
    # A subquery rather than a join: a join on the enrolments would repeat a session once
    # per seat for its coach.
    seats = Enrolment.objects.filter(client=user, cancelled_at__isnull=True)
    as_client = Q(client=user) | Q(pk__in=seats.values("booking_id"))
    as_coach = Q(coach__user=user)
    if role == "client":
        condition = as_client
    elif role == "coach":
        condition = as_coach
    else:
        condition = as_client | as_coach
    rows = Booking.objects.filter(condition).select_related(
        "course", "coach__user__profile", "client__profile"
    )
    if status:
        rows = rows.filter(status=status)
    if start_from is not None:
        rows = rows.filter(start__gte=start_from)
    if start_to is not None:
        rows = rows.filter(start__lt=start_to)
    return rows


def booking_for(user: User, booking_id) -> Booking | None:
    """The booking ``booking_id`` when ``user`` is its client, its coach or holds a seat
    in it, else None."""
    return bookings_visible_to(user).filter(pk=booking_id).first()


def history_of(booking: Booking) -> QuerySet[BookingEvent]:
    """Every change of the booking, oldest first."""
    return booking.events.order_by("created_at", "id")


def booking_price(*, user: User, object_id: str) -> Price:
    """The price of the caller's held booking ``object_id``: the billing hook of the
    ``marketplace.booking`` payment purpose (``billing.payments``). Not the caller's (or no
    such booking): 404; not a live hold: 409 ``not_payable``."""
    try:
        booking = Booking.objects.filter(pk=object_id, client=user).select_related("course").first()
    except (ValidationError, ValueError):
        booking = None
    if booking is None:
        raise NotFound("No such booking.")
    if booking.status != Booking.Status.HELD or booking.hold_expires_at <= timezone.now():
        raise Conflict("This booking is not waiting for a payment.", code="not_payable")
    return Price(
        amount=booking.price_amount,
        currency=booking.currency,
        description=f"{booking.course.title}, {booking.start:%Y-%m-%d %H:%M} UTC",
    )
