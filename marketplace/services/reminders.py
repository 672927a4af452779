"""Reminders of a booking: scheduled notifications of the kind
``marketplace_booking_reminder`` (``marketplace/notification_kinds.py``), one per offset of
``MARKETPLACE_REMINDER_OFFSETS`` (minutes before the start; 24 h and 1 h by default), to
each person taking part: the client and the coach, or, for a group session, the coach and
every client with a live seat.

``reminders_sync(booking)`` runs after every change of a booking (``services.bookings``'
``_notify``): it cancels the rows the booking points at (``Booking.reminder_ids``) and, for
a confirmed booking that has not started, schedules them again at the new times. The rows
carry ``{"booking_id", "version"}``; when one is due, ``reminder_skip_reason`` re-reads the
booking, so a change that did not pass through here (staff, an erasure, a script) still
stops a stale reminder.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.selectors import profile_of
from notifications import services as notifications

from ..models import Booking, Enrolment
from ..serializers.bookings import first_name

if TYPE_CHECKING:
    from accounts.models import User

KIND = "marketplace_booking_reminder"


def reminders_sync(booking: Booking) -> None:
    """Make the booking's scheduled reminders match it: none unless it is ``confirmed``
    and in the future, else one per offset still ahead, per person, at ``start - offset``.

    Cheap when there is nothing to do: a booking that wants no reminders and has none
    (a hold, an expiry) costs no query. Runs inside the caller's transaction, so the rows
    and the booking change together."""
    now = timezone.now()
    wanted = booking.status == Booking.Status.CONFIRMED and booking.start > now
    if not wanted and not booking.reminder_ids:
        return
    reason = "The booking was moved." if wanted else f"The booking is {booking.status}."
    for scheduled_id in booking.reminder_ids:
        notifications.cancel(scheduled=scheduled_id, reason=reason)
    ids = _schedule(booking, now) if wanted else []
    Booking.objects.filter(pk=booking.pk).update(reminder_ids=ids)
    booking.reminder_ids = ids


def _schedule(booking: Booking, now: dt.datetime) -> list[str]:
    times = [
        booking.start - dt.timedelta(minutes=offset)
        for offset in settings.MARKETPLACE_REMINDER_OFFSETS
    ]
    times = sorted(when for when in times if when > now)
    if not times:
        return []
    data = {"booking_id": str(booking.pk), "version": booking.version}
    ids = []
    for user, other in _recipients(booking):
        title, body = _text(booking, user, other)
        for when in times:
            row = notifications.schedule(
                user=user, kind=KIND, when=when, title=title, body=body, data=data
            )
            ids.append(str(row.pk))
    return ids


def _recipients(booking: Booking) -> list[tuple[User, str | None]]:
    """Who is reminded, each with the first name of the person they meet (None for a
    group session's coach, who meets several)."""
    coach_user = booking.coach.user
    if booking.kind == Booking.Kind.GROUP:
        seats = Enrolment.objects.filter(booking=booking, cancelled_at__isnull=True).select_related(
            "client__profile"
        )
        people = [(seat.client, first_name(coach_user)) for seat in seats]
        if coach_user is not None:
            people.append((coach_user, None))
        return people
    people = []
    if booking.client is not None:
        people.append((booking.client, first_name(coach_user)))
    if coach_user is not None:
        people.append((coach_user, first_name(booking.client)))
    return people


def _text(booking: Booking, user: User, other: str | None) -> tuple[str, str]:
    """Title and body in the recipient's own time zone, people by first name only."""
    try:
        zone = ZoneInfo(profile_of(user).timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = booking.start.astimezone(zone)
    when = f"{local:%a %d %b %Y, %H:%M} ({zone.key})"
    title = f"Reminder: {booking.course.title}"
    body = (
        f"{booking.course.title} with {other}, {when}."
        if other
        else f"{booking.course.title}, {when}."
    )
    return title, body


def reminder_skip_reason(*, user: User, data: dict[str, Any]) -> str | None:
    """Asked by the notifications dispatcher when a reminder is due: a reason not to send
    it when the booking is gone, no longer confirmed (cancelled, expired, completed, a
    no-show), over, moved since the reminder was made (its ``version``), or when the
    recipient no longer takes part (a seat given up)."""
    try:
        booking = (
            Booking.objects.filter(pk=data.get("booking_id"))
            .select_related("coach")
            .only("status", "version", "end", "kind", "client_id", "coach__user_id")
            .first()
        )
    except (ValidationError, ValueError):
        booking = None
    if booking is None:
        return "The booking is gone."
    if booking.status != Booking.Status.CONFIRMED:
        return f"The booking is {booking.status}."
    if booking.end <= timezone.now():
        return "The session is over."
    if booking.version != data.get("version"):
        return "The booking was moved."
    if user.pk == booking.coach.user_id:
        return None
    if booking.kind == Booking.Kind.GROUP:
        seated = Enrolment.objects.filter(
            booking=booking, client=user, cancelled_at__isnull=True
        ).exists()
        return None if seated else "The seat was given up."
    return None if user.pk == booking.client_id else "The booking is no longer yours."
