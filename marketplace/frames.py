"""Server -> client frames of the marketplace (docs/API.md, the paragraph after
"marketplace").

``{"type": "booking.updated", "booking": {"id", "status", "start", "end", "course": {"id",
"title"}, "coach": {"id", "first_name"}, "client": {"first_name"}, "version",
"payment_status", "hold_expires_at"}}``
    To the client's and the coach's sockets on every change of a booking (created, held,
    confirmed, rescheduled, cancelled, expired, ...). Instants are UTC; people are named by
    their first name only.
"""

from __future__ import annotations

from typing import Any

from marketplace.models import Booking
from marketplace.serializers.bookings import first_name, timestamp


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
