"""Reads of feedback: one booking's rating (its client and coach only) and a published
coach's ratings, public and anonymous."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from ..models import Feedback

if TYPE_CHECKING:
    from ..models import Booking, Coach


def feedback_of(booking: Booking) -> Feedback | None:
    """The booking's feedback, or None before its client rated it. The caller has already
    checked that the reader is the booking's client or coach."""
    return Feedback.objects.filter(booking=booking).first()


def feedback_for_coach(coach: Coach) -> QuerySet[Feedback]:
    """The coach's feedback, newest first, as the public list shows it: rating, comment and
    date, no client (one query per page)."""
    return Feedback.objects.filter(coach=coach).only("id", "rating", "comment", "created_at")
