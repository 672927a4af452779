"""Group sessions: a group course is taught in sessions, each one blocking ``Booking`` of
the coach (``kind`` group, no client, ``capacity`` copied from the course), and its seats
are ``Enrolment`` rows.

A session is admitted like a booking (``is_free``, under the coach's row lock, the
no-overlap guarantee behind it: 409 ``slot_unavailable``). Seats cannot be counted by a
constraint, so a seat is taken under the coach's lock and then the session's
(``select_for_update``), in the order every booking writer takes them, and the active
enrolments are counted there: of N + 1 concurrent enrolments into N seats exactly N win,
the last gets 409 ``session_full``.

Paid group sessions are not offered yet: a group course with a price cannot be scheduled
(400 ``priced_group``).

Every change pushes ``booking.updated`` (``_notify``, which also keeps the seat holders'
reminders) and ``availability.changed`` after commit.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from analytics.services import track
from core.exceptions import Conflict, DomainError, NotFound

from ..frames import FRAME_RELATED
from ..models import Booking, BookingEvent, Coach, Course, Enrolment
from ..selectors.availability import is_free
from .bookings import (
    SLOT_UNAVAILABLE,
    _event,
    _lock_coach,
    _notify,
    _save_or_409,
    expire_lapsed_holds,
)

if TYPE_CHECKING:
    from accounts.models import User


def session_create(*, coach: Coach, course: Course, start: dt.datetime) -> Booking:
    """Schedule a session of the coach's own active group ``course`` at ``start`` (UTC).

    Refusals: not such a course (400 ``invalid`` on ``course``), a priced one (400
    ``priced_group``), a start ``is_free`` does not admit or that another booking took
    meanwhile (409 ``slot_unavailable``)."""
    if course.coach_id != coach.pk or course.kind != Course.Kind.GROUP or not course.active:
        raise DomainError("Not an active group course of yours.", code="invalid", attr="course")
    if course.price_amount > 0:
        raise DomainError(
            "Paid group sessions are not available yet.", code="priced_group", attr="course"
        )
    with transaction.atomic():
        now = timezone.now()
        coach = _lock_coach(coach.pk)
        expire_lapsed_holds(coach=coach, now=now)
        if not is_free(coach=coach, course=course, start=start, now=now):
            raise Conflict(SLOT_UNAVAILABLE, code="slot_unavailable", attr="start")
        end = start + dt.timedelta(minutes=course.duration_minutes)
        session = Booking(
            coach=coach,
            client=None,
            course=course,
            kind=Booking.Kind.GROUP,
            status=Booking.Status.CONFIRMED,
            start=start,
            end=end,
            blocked_start=start - dt.timedelta(minutes=course.buffer_before_minutes),
            blocked_end=end + dt.timedelta(minutes=course.buffer_after_minutes),
            capacity=course.capacity,
            price_amount=0,
            currency=course.currency,
        )
        _save_or_409(session, force_insert=True)
        _event(
            session,
            actor=Booking.Party.COACH,
            user=coach.user,
            action=BookingEvent.Action.CREATED,
            new_start=start,
        )
        _notify(session)
        track(
            "session_created",
            coach.user,
            booking_id=str(session.pk),
            coach_id=str(coach.pk),
            course_id=str(course.pk),
            capacity=session.capacity,
        )
    return session


def session_cancel(*, coach: Coach, session: Booking, reason: str = "") -> Booking:
    """Cancel the coach's own session and every seat in it. Already cancelled: unchanged.
    Another coach's session: 404; an ended one: 409 ``not_cancellable``."""
    if session.coach_id != coach.pk or session.kind != Booking.Kind.GROUP:
        raise NotFound("No such session.")
    with transaction.atomic():
        now = timezone.now()
        coach = _lock_coach(coach.pk)
        session = (
            Booking.objects.select_for_update(of=("self",))
            .select_related(*FRAME_RELATED)
            .get(pk=session.pk)
        )
        if session.status == Booking.Status.CANCELLED:
            return session
        if session.status not in (Booking.Status.HELD, Booking.Status.CONFIRMED) or (
            session.end <= now
        ):
            raise Conflict("This session has ended.", code="not_cancellable")
        session.status = Booking.Status.CANCELLED
        session.cancelled_by = Booking.Party.COACH
        session.cancelled_at = now
        session.cancel_reason = reason
        session.version += 1
        session.ical_sequence += 1
        session.save(
            update_fields=[
                "status",
                "cancelled_by",
                "cancelled_at",
                "cancel_reason",
                "version",
                "ical_sequence",
                "updated_at",
            ]
        )
        session.enrolments.filter(cancelled_at__isnull=True).update(
            cancelled_at=now, updated_at=now
        )
        _event(
            session,
            actor=Booking.Party.COACH,
            user=coach.user,
            action=BookingEvent.Action.CANCELLED,
            reason=reason,
        )
        _notify(session)
        track("session_cancelled", coach.user, booking_id=str(session.pk))
    return session


def enrolment_create(*, user: User, session: Booking) -> tuple[Booking, bool]:
    """Take a seat in ``session`` for ``user``: ``(session, created)``, ``created`` False
    when the seat was already theirs.

    Refusals: one's own session (400 ``own_course`` on ``session``); a session that is
    not confirmed and still to start (409 ``slot_unavailable``); no seat left (409
    ``session_full``)."""
    if session.coach.user_id is not None and session.coach.user_id == user.pk:
        raise DomainError("You cannot book your own course.", code="own_course", attr="session")
    with transaction.atomic():
        now = timezone.now()
        coach = _lock_coach(session.coach_id)
        expire_lapsed_holds(coach=coach, now=now)
        session = (
            Booking.objects.select_for_update(of=("self",))
            .select_related(*FRAME_RELATED)
            .get(pk=session.pk)
        )
        seat = Enrolment.objects.filter(booking=session, client=user).first()
        if seat is not None and seat.cancelled_at is None:
            return session, False
        if session.status != Booking.Status.CONFIRMED or session.start <= now:
            raise Conflict(SLOT_UNAVAILABLE, code="slot_unavailable", attr="session")
        taken = session.enrolments.filter(cancelled_at__isnull=True).count()
        if taken >= session.capacity:
            raise Conflict("This session is full.", code="session_full", attr="session")
        if seat is None:
            Enrolment.objects.create(booking=session, client=user)
        else:
            # A seat given back and taken again: the same row (one per client).
            seat.cancelled_at = None
            seat.save(update_fields=["cancelled_at", "updated_at"])
        _notify(session)
        track(
            "session_enrolled",
            user,
            booking_id=str(session.pk),
            coach_id=str(session.coach_id),
            course_id=str(session.course_id),
        )
    return session, True


def enrolment_cancel(*, user: User, seat: Enrolment) -> Booking:
    """Give back ``user``'s seat; the session itself is untouched and returned. Already
    given back: unchanged. A session that has ended: 409 ``not_cancellable``."""
    if seat.client_id != user.pk:
        raise NotFound("No such booking.")
    with transaction.atomic():
        now = timezone.now()
        _lock_coach(seat.booking.coach_id)
        session = (
            Booking.objects.select_for_update(of=("self",))
            .select_related(*FRAME_RELATED)
            .get(pk=seat.booking_id)
        )
        seat = Enrolment.objects.select_for_update().get(pk=seat.pk)
        if seat.cancelled_at is not None:
            return session
        if session.end <= now and session.status != Booking.Status.CANCELLED:
            raise Conflict("This session has ended.", code="not_cancellable")
        seat.cancelled_at = now
        seat.save(update_fields=["cancelled_at", "updated_at"])
        _notify(session)
        track("session_left", user, booking_id=str(session.pk))
    return session
