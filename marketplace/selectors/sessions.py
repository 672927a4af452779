"""Reads of group sessions: a coach's upcoming sessions with their seats, and a member's
seat in one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from ..models import BLOCKING, Booking, Coach, Enrolment

if TYPE_CHECKING:
    from accounts.models import User


def _active_seats() -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(cancelled_at__isnull=True)
        .select_related("client__profile")
        .order_by("created_at", "id")
    )


def sessions_of(coach: Coach) -> QuerySet[Booking]:
    """The coach's group sessions still to come, soonest first, each with ``seats_taken``
    and its active enrolments (``seats``, with the clients' profiles): two queries
    whatever their number."""
    return (
        Booking.objects.filter(
            coach=coach, kind=Booking.Kind.GROUP, status__in=BLOCKING, start__gt=timezone.now()
        )
        .select_related("course")
        .annotate(seats_taken=Count("enrolments", filter=Q(enrolments__cancelled_at__isnull=True)))
        .prefetch_related(Prefetch("enrolments", queryset=_active_seats(), to_attr="seats"))
        .order_by("start", "id")
    )


def session_of(coach: Coach, session_id) -> Booking | None:
    """The coach's own group session ``session_id`` (any status), or None."""
    return (
        Booking.objects.filter(pk=session_id, coach=coach, kind=Booking.Kind.GROUP)
        .select_related("coach__user")
        .first()
    )


def seat_of(user: User, session_id) -> Enrolment | None:
    """``user``'s seat (given back or not) in the session ``session_id``, or None."""
    return (
        Enrolment.objects.filter(booking_id=session_id, client=user)
        .select_related("booking")
        .first()
    )
