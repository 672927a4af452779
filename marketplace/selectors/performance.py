"""How a coach performs over a range of their own local dates (docs/API.md, marketplace).

A period is the coach's local dates ``first`` to ``last``: from local midnight of ``first``
to local midnight after ``last``, each converted to UTC (so a DST day is 23 or 25 hours).
A booking belongs to the period its ``start`` falls in; a rating belongs to its session's.

Four queries whatever the number of bookings: one conditional aggregate over the coach's
one-to-one bookings (counts by status and side, booked minutes, revenue, repeat clients by
a correlated subquery), one over their feedback, and the weekly hours and overrides that
give the offered minutes (``availability.open_ranges``, the expansion the free slots use).

Definitions:

- ``sessions``: the bookings that were confirmed at some point and not expired: confirmed,
  completed, cancelled or no-show; holds that never got paid are left out.
- ``booked_minutes``: the session minutes of confirmed, completed and no-show bookings (the
  coach's time was taken); ``utilisation`` = booked / offered, null when nothing was offered.
- ``cancellation_rate``: cancelled by the client, by the coach, and late cancellations (either
  side, inside the free-cancellation window), each over ``sessions``.
- ``no_show_rate``: no-shows (either side) over the sessions that are over (completed and
  no-show).
- ``csat``: the share of ratings of 4 or 5.
- ``repeat_client_rate``: of the distinct clients with a session that was not cancelled, the
  share with at least two such sessions in the period.
- ``revenue``: ``gross`` is the price of the paid sessions (``paid_at`` set), ``refunded`` what
  was refunded of them, ``net`` the difference, in minor units of the bookings' currency.

Every rate is a fraction from 0 to 1 rounded to four places, null when its denominator is 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from ..models import Booking, Coach, Feedback
from .availability import open_ranges, zone_of

# The longest period one request may cover, in days.
MAX_DAYS = 366

_S = Booking.Status
SESSIONS = (_S.CONFIRMED, _S.COMPLETED, _S.CANCELLED, _S.NO_SHOW)
KEPT = (_S.CONFIRMED, _S.COMPLETED, _S.NO_SHOW)


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date
    start: dt.datetime  # UTC, local midnight of ``first``
    end: dt.datetime  # UTC, local midnight after ``last``


def is_the_coach(user, coach_id) -> bool:
    """Whether ``user`` is the coach ``coach_id`` (who may see their own performance)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Coach.objects.filter(pk=coach_id, user=user).exists()


def period_of(coach: Coach, first: dt.date, last: dt.date) -> Period:
    """The UTC bounds of the coach's local dates ``first`` to ``last``."""
    zone = zone_of(coach)
    start = dt.datetime.combine(first, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return Period(first=first, last=last, start=start, end=end.astimezone(dt.UTC))


def today_of(coach: Coach, now: dt.datetime) -> dt.date:
    """The coach's local date at ``now``."""
    return now.astimezone(zone_of(coach)).date()


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _minutes(value: dt.timedelta | None) -> int:
    return int(value.total_seconds() // 60) if value else 0


def coach_performance(*, coach: Coach, first: dt.date, last: dt.date) -> dict:
    """The coach's figures over their local dates ``first`` to ``last`` (inclusive); the
    shape of ``GET /marketplace/coaches/{id}/performance``. See the module's docstring."""
    period = period_of(coach, first, last)
    in_period = Booking.objects.filter(
        coach=coach,
        kind=Booking.Kind.ONE_TO_ONE,
        start__gte=period.start,
        start__lt=period.end,
    )
    kept = Q(status__in=KEPT)
    repeat = (
        in_period.filter(client=OuterRef("client"), status__in=KEPT)
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    paid = Q(paid_at__isnull=False)
    cancelled = Q(status=_S.CANCELLED)
    bookings = (
        in_period.annotate(
            client_sessions=Subquery(repeat, output_field=IntegerField()),
            minutes=ExpressionWrapper(F("end") - F("start"), output_field=DurationField()),
        )
        .order_by()
        .aggregate(
            sessions=Count("pk", filter=Q(status__in=SESSIONS)),
            completed=Count("pk", filter=Q(status=_S.COMPLETED)),
            no_shows=Count("pk", filter=Q(status=_S.NO_SHOW)),
            by_client=Count("pk", filter=cancelled & Q(cancelled_by=Booking.Party.CLIENT)),
            by_coach=Count("pk", filter=cancelled & Q(cancelled_by=Booking.Party.COACH)),
            late=Count("pk", filter=cancelled & Q(late_cancel=True)),
            booked=Sum("minutes", filter=kept),
            clients=Count("client", distinct=True, filter=kept),
            repeat_clients=Count("client", distinct=True, filter=kept & Q(client_sessions__gte=2)),
            gross=Coalesce(Sum("price_amount", filter=paid), Value(0)),
            refunded=Coalesce(Sum("amount_refunded", filter=paid), Value(0)),
            currency=Coalesce(Min("currency", filter=paid), Min("currency")),
        )
    )
    ratings = Feedback.objects.filter(
        coach=coach, booking__start__gte=period.start, booking__start__lt=period.end
    ).aggregate(
        count=Count("pk"),
        average=Avg("rating"),
        satisfied=Count("pk", filter=Q(rating__gte=4)),
    )
    offered = sum(
        (end - start for start, end in open_ranges(coach=coach, first=first, last=last)),
        dt.timedelta(),
    )
    offered_minutes = _minutes(offered)
    booked_minutes = _minutes(bookings["booked"])
    sessions = bookings["sessions"]
    return {
        "coach": coach.pk,
        "from": first,
        "to": last,
        "timezone": zone_of(coach).key,
        "sessions_completed": bookings["completed"],
        "offered_minutes": offered_minutes,
        "booked_minutes": booked_minutes,
        "utilisation": _rate(booked_minutes, offered_minutes),
        "cancellation_rate": {
            "by_client": _rate(bookings["by_client"], sessions),
            "by_coach": _rate(bookings["by_coach"], sessions),
            "late": _rate(bookings["late"], sessions),
        },
        "no_show_rate": _rate(bookings["no_shows"], bookings["completed"] + bookings["no_shows"]),
        "rating_avg": None if ratings["average"] is None else round(ratings["average"], 2),
        "rating_count": ratings["count"],
        "csat": _rate(ratings["satisfied"], ratings["count"]),
        "repeat_client_rate": _rate(bookings["repeat_clients"], bookings["clients"]),
        "revenue": {
            "gross": bookings["gross"],
            "refunded": bookings["refunded"],
            "net": bookings["gross"] - bookings["refunded"],
            "currency": bookings["currency"],
        },
    }
