"""Server -> client frames of the marketplace (docs/API.md, the paragraph after
"marketplace").

``{"type": "booking.updated", "booking": {"id", "status", "start", "end", "course": {"id",
"title"}, "coach": {"id", "first_name"}, "client": {"first_name"}, "version",
"payment_status", "hold_expires_at"}}``
    To the client's and the coach's sockets on every change of a booking (created, held,
    confirmed, rescheduled, cancelled, expired, ...). Instants are UTC; people are named by
    their first name only.

``{"type": "availability.changed", "coach": "<uuid>"}``
    To every socket watching the coach (``availability.watch``, marketplace/events.py),
    after commit, when a booking or a group session of that coach is created, moved,
    cancelled or expired, or a seat is taken or given back: an open availability view
    reloads ``GET /marketplace/coaches/{id}/availability``. A courtesy, never a promise:
    the booking itself is still decided by the database.

``{"type": "availability.watch.ack", "coach": "<uuid>"}`` /
``{"type": "availability.unwatch.ack", "coach": "<uuid>"}``
    To the socket that sent the watch (unwatch) frame, once it joined (left) the coach's
    group.
"""

from __future__ import annotations

from typing import Any

from marketplace.models import Booking
from marketplace.serializers.bookings import first_name, timestamp

# What ``booking_updated`` reads: load a booking with ``select_related(*FRAME_RELATED)``
# before pushing it, or every frame costs a query per party for their first name.
FRAME_RELATED = ("course", "client__profile", "coach__user__profile")


def booking_updated(booking: Booking) -> dict[str, Any]:
    coach_user = booking.coach.user if booking.coach_id else None
    return {
        "type": "booking.updated",
        "booking": {
            "id": str(booking.pk),
            "status": booking.status,
            "start": timestamp(booking.start),
            "end": timestamp(booking.end),
            "course": {"id": str(booking.course_id), "title": booking.course.title},
            "coach": {"id": str(booking.coach_id), "first_name": first_name(coach_user)},
            "client": {"first_name": first_name(booking.client)},
            "version": booking.version,
            "payment_status": booking.payment_status,
            "hold_expires_at": timestamp(booking.hold_expires_at),
        },
    }


def availability_changed(coach_id) -> dict[str, Any]:
    return {"type": "availability.changed", "coach": str(coach_id)}


def availability_watch_ack(coach_id, *, watching: bool) -> dict[str, Any]:
    kind = "availability.watch.ack" if watching else "availability.unwatch.ack"
    return {"type": kind, "coach": str(coach_id)}
