"""How a session ends: ``completed`` by the periodic sweep once its time is over, or
``no_show`` when one side marks the other absent.

The sweep (``bookings_complete``, run every five minutes by
``marketplace.tasks.bookings_complete``) takes ended ``confirmed`` bookings in batches,
each batch locked with ``skip_locked`` so two sweeps (or a sweep and a no-show mark) never
wait on each other, and moves them with a conditional UPDATE, so a booking is completed
once however often the sweep runs. Each completion appends a system ``BookingEvent``,
pushes ``booking.updated`` and gives the client ``SESSION_XP`` through
``coaching.services.award_xp``, keyed ``booking:<id>:completed``: once per booking.

A no-show is recorded from the start of the session until ``NO_SHOW_WINDOW`` after it, by
the coach about the client or by the client about the coach; never on a cancelled,
expired or held booking (those sessions did not take place).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from analytics.services import track
from coaching.services import award_xp
from core.exceptions import Conflict, DomainError, NotFound

from ..frames import FRAME_RELATED
from ..models import Booking, BookingEvent
from .bookings import _event, _notify, party_of

if TYPE_CHECKING:
    from accounts.models import User

# XP for a session that took place.
SESSION_XP = 25
# Bookings completed per transaction by the sweep.
BATCH_SIZE = 200
# How long after its start a session's no-show may be recorded.
NO_SHOW_WINDOW = dt.timedelta(hours=48)
# The statuses a no-show may be recorded on: confirmed until the sweep, then completed.
NO_SHOW_OPEN = (Booking.Status.CONFIRMED, Booking.Status.COMPLETED)


# --- completion -----------------------------------------------------------------------------


def bookings_complete(now: dt.datetime | None = None, *, batch_size: int = BATCH_SIZE) -> int:
    """Mark every ``confirmed`` booking whose ``end`` is at or before ``now`` (default: now)
    ``completed``, ``batch_size`` per transaction; returns how many this call completed.
    Safe to run concurrently and again: a booking already completed, cancelled or marked
    no-show is left alone."""
    now = now or timezone.now()
    completed = 0
    while True:
        with transaction.atomic():
            batch = list(
                Booking.objects.filter(status=Booking.Status.CONFIRMED, end__lte=now)
                .select_related(*FRAME_RELATED)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("end", "id")[:batch_size]
            )
            if not batch:
                return completed
            Booking.objects.filter(
                pk__in=[booking.pk for booking in batch], status=Booking.Status.CONFIRMED
            ).update(status=Booking.Status.COMPLETED, version=F("version") + 1, updated_at=now)
            BookingEvent.objects.bulk_create(
                BookingEvent(
                    booking=booking,
                    actor=Booking.Party.SYSTEM,
                    action=BookingEvent.Action.COMPLETED,
                )
                for booking in batch
            )
            for booking in batch:
                booking.status = Booking.Status.COMPLETED
                booking.version += 1
                if booking.client is not None:
                    award_xp(
                        user=booking.client,
                        amount=SESSION_XP,
                        reason="Coaching session completed",
                        source_id=f"booking:{booking.pk}:completed",
                    )
                # An ended session frees nothing ahead: no calendar news.
                _notify(booking, calendar=False)
        completed += len(batch)


# --- no-show --------------------------------------------------------------------------------


def booking_no_show(*, user: User, booking: Booking, party: str) -> Booking:
    """Record that ``party`` (``client`` or ``coach``) did not come to ``booking``.

    The client or the coach only (others: 404), each about the other side (naming oneself:
    400 ``own_party`` on ``party``). From the start until ``NO_SHOW_WINDOW`` after it, on a
    confirmed or completed booking; otherwise 409 ``no_show_not_open``. Marked already the
    same way: returned unchanged."""
    marker = party_of(user, booking)
    if marker is None:
        raise NotFound("No such booking.")
    if party == marker:
        raise DomainError(
            "Mark the other side of the session, not yourself.", code="own_party", attr="party"
        )
    with transaction.atomic():
        now = timezone.now()
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related(*FRAME_RELATED)
            .get(pk=booking.pk)
        )
        if booking.status == Booking.Status.NO_SHOW and booking.no_show_party == party:
            return booking
        if (
            booking.status not in NO_SHOW_OPEN
            or now < booking.start
            or now > booking.start + NO_SHOW_WINDOW
        ):
            raise Conflict(
                "A no-show can be recorded only from the start of a session that was not "
                "cancelled until 48 hours after it.",
                code="no_show_not_open",
            )
        booking.status = Booking.Status.NO_SHOW
        booking.no_show_party = party
        booking.version += 1
        booking.save(update_fields=["status", "no_show_party", "version", "updated_at"])
        _event(booking, actor=marker, user=user, action=BookingEvent.Action.NO_SHOW)
        _notify(booking)
        track(
            "booking_no_show",
            user,
            booking_id=str(booking.pk),
            coach_id=str(booking.coach_id),
            party=party,
            by=marker,
        )
    return booking
