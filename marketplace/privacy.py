"""Export, erasure and retention of the marketplace's rows.

A booking involves two members. A client's erasure pseudonymises their side (the booking
keeps its times, price and payment for the coach's accounts and statistics, without the
client or their note); their seats, quotes, feedback and calendar feed go. A coach's
erasure unpublishes the profile, empties what describes the person, cancels their future
bookings and detaches the account: the coach row stays for the bookings that point at it.
"""

from django.utils import timezone

from core import privacy

from .models import (
    Booking,
    BookingEvent,
    CalendarFeed,
    Coach,
    Enrolment,
    Feedback,
    Quote,
)
from .services.bookings import bookings_cancel_for_coach


def erase_client_side(rows, user) -> int:
    return rows.update(client=None, note="", updated_at=timezone.now())


def erase_coach(rows, user) -> int:
    now = timezone.now()
    for coach in rows:
        bookings_cancel_for_coach(coach=coach, reason="The coach's account was closed.")
    return rows.update(
        user=None,
        published=False,
        headline="",
        bio="",
        specialties=[],
        languages=[],
        next_available_at=None,
        updated_at=now,
    )


def detach_actor(rows, user) -> int:
    return rows.update(actor_user=None)


privacy.register(
    Coach,
    export_fields=(
        "id",
        "published",
        "headline",
        "bio",
        "specialties",
        "languages",
        "timezone",
        "created_at",
    ),
    erase=erase_coach,
)
privacy.register(
    Booking,
    user_field="client",
    export_fields=(
        "id",
        "coach_id",
        "course_id",
        "status",
        "start",
        "end",
        "price_amount",
        "currency",
        "payment_status",
        "note",
        "cancelled_at",
        "cancel_reason",
        "created_at",
    ),
    erase=erase_client_side,
)
privacy.register(
    BookingEvent,
    user_field="actor_user",
    export_fields=("booking_id", "action", "old_start", "new_start", "reason", "created_at"),
    erase=detach_actor,
)
privacy.register(Enrolment, user_field="client", export_fields=("booking_id", "created_at"))
privacy.register(
    Feedback,
    user_field="client",
    export_fields=("booking_id", "rating", "comment", "created_at"),
)
privacy.register(Quote, export_fields=("course_id", "start", "amount", "currency", "created_at"))
privacy.register(CalendarFeed, export_fields=("created_at",))
