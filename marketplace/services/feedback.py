"""A client's rating of a session they had: once per booking, after its end.

The coach's ``rating_sum`` and ``rating_count`` (what the catalogue's ``rating_avg`` reads)
move with ``F()`` in the feedback's own transaction, so concurrent ratings of one coach never
lose an update. "Once" is the database's: the one-to-one on the booking; a second rating,
concurrent or not, meets the unique violation in a savepoint and is the same 409
``feedback_exists``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework import status

from analytics.services import track
from core.exceptions import Conflict, DomainError, NotFound

from ..models import Booking, Coach, Feedback
from .bookings import party_of

if TYPE_CHECKING:
    from accounts.models import User

# The statuses of a session that took place: confirmed until the completion sweep runs,
# then completed. Cancelled, expired, held and no-show sessions cannot be rated.
TOOK_PLACE = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED)


class PermissionDenied(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"


def _is_unique_violation(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == "23505":  # unique_violation (psycopg)
        return True
    return "UNIQUE constraint failed" in str(exc)


def feedback_create(*, user: User, booking: Booking, rating: int, comment: str = "") -> Feedback:
    """Rate ``booking`` (1-5) with an optional plain-text ``comment``, as its client.

    Neither side of the booking: 404. Its coach: 403 ``permission_denied``. Not ended yet,
    or not a session that took place (held, cancelled, expired, no-show): 409
    ``feedback_not_open``. Already rated: 409 ``feedback_exists``."""
    party = party_of(user, booking)
    if party is None:
        raise NotFound("No such booking.")
    if party != Booking.Party.CLIENT:
        raise PermissionDenied("Only the booking's client may rate the session.")
    if booking.status not in TOOK_PLACE or booking.end > timezone.now():
        raise Conflict("This session cannot be rated (yet).", code="feedback_not_open")
    with transaction.atomic():
        try:
            with transaction.atomic():
                feedback = Feedback.objects.create(
                    booking=booking,
                    client=user,
                    coach_id=booking.coach_id,
                    rating=rating,
                    comment=comment,
                )
        except IntegrityError as exc:
            if _is_unique_violation(exc):
                raise Conflict(
                    "This session has already been rated.", code="feedback_exists"
                ) from exc
            raise
        Coach.objects.filter(pk=booking.coach_id).update(
            rating_sum=F("rating_sum") + rating, rating_count=F("rating_count") + 1
        )
        track(
            "booking_feedback",
            user,
            booking_id=str(booking.pk),
            coach_id=str(booking.coach_id),
            rating=rating,
        )
    return feedback
