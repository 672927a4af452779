"""Bookings as iCalendar (RFC 5545): one booking's ``.ics`` file, and each member's private
feed of their bookings as client and as coach.

Every booking is one event, the same in the file and in the feed, so a calendar app that
has both sees one event:

- ``UID`` is ``<booking id>@<UID_HOST>``, never changed: the host of ``PUBLIC_URL`` when
  it is set, else ``marketplace.invalid`` (a name that can never belong to anyone else).
  Changing ``PUBLIC_URL``'s host changes every UID: calendars would show the bookings
  twice, so keep the host once the platform is live.
- ``SEQUENCE`` is ``Booking.ical_sequence`` (one more at every move and at the cancel);
  ``DTSTART``/``DTEND`` in UTC; ``STATUS`` ``TENTATIVE`` while held for payment,
  ``CANCELLED`` once cancelled or expired, else ``CONFIRMED``; a single cancelled booking's
  file says ``METHOD:CANCEL``.
- ``SUMMARY`` is the course's title and the first name of the person met; nothing else
  about either person (no e-mail, no surname, no note).

The feed's URL carries a token that is the credential: calendar apps fetch it without a
bearer token. Only its keyed blind index is stored (``CalendarFeed.token_index``); the
token itself is derived from the row's random id with the same key
(``core.encryption.blind_index``), so the member can read their URL again without the
database ever holding it. A new token means a new row, and the old URL finds nothing.
Rotating ``BLIND_INDEX_KEY`` changes every feed's URL.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.encryption import blind_index
from core.exceptions import NotFound

from ..models import Booking, CalendarFeed
from ..selectors.bookings import bookings_visible_to
from ..serializers.bookings import first_name

if TYPE_CHECKING:
    from accounts.models import User

PRODID = "-//platform//marketplace//EN"
UID_FALLBACK_HOST = "marketplace.invalid"
FEED_DAYS_BACK = 30
FEED_NAME = "Coaching sessions"

_STATUS = {
    Booking.Status.HELD: "TENTATIVE",
    Booking.Status.CANCELLED: "CANCELLED",
    Booking.Status.EXPIRED: "CANCELLED",
}


def uid_host() -> str:
    return urlsplit(settings.PUBLIC_URL).hostname or UID_FALLBACK_HOST


# --- one booking ----------------------------------------------------------------------------


def booking_ics(*, booking: Booking, viewer: User) -> bytes:
    """The booking as an ``.ics`` file for ``viewer`` (its client or its coach); the
    booking comes with its course and both people's profiles loaded
    (``selectors.bookings.booking_for``)."""
    calendar = _calendar()
    cancelled = booking.status == Booking.Status.CANCELLED
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(_event(booking, viewer=viewer, stamp=timezone.now()))
    return calendar.to_ical()


# --- the private feed -----------------------------------------------------------------------


def calendar_feed_token(*, user: User) -> str:
    """The token of ``user``'s feed, made on first use (two first uses at once share one
    feed: the one-to-one key decides, the loser reads the winner's)."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        try:
            with transaction.atomic():
                feed = _feed_create(user)
        except IntegrityError:
            feed = CalendarFeed.objects.get(user=user)
    return _token(feed)


@transaction.atomic
def calendar_feed_rotate(*, user: User) -> str:
    """A new token for ``user``'s feed; the old one stops working at once."""
    CalendarFeed.objects.filter(user=user).delete()
    return calendar_feed_token(user=user)


def calendar_feed_ics(*, token: str) -> bytes:
    """The feed behind ``token``: its owner's bookings as client and as coach that start
    from ``FEED_DAYS_BACK`` days ago, in two queries whatever their number. An unknown
    token: ``NotFound``."""
    feed = CalendarFeed.objects.filter(token_index=blind_index(token)).select_related("user")
    feed = feed.first()
    if feed is None or not feed.user.is_active:
        raise NotFound("No such calendar.")
    now = timezone.now()
    bookings = bookings_visible_to(feed.user, start_from=now - dt.timedelta(days=FEED_DAYS_BACK))
    calendar = _calendar()
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", FEED_NAME)
    for booking in bookings.order_by("start", "id"):
        calendar.add_component(_event(booking, viewer=feed.user, stamp=now))
    return calendar.to_ical()


def _feed_create(user: User) -> CalendarFeed:
    feed = CalendarFeed(user=user)
    feed.token_index = blind_index(_token(feed))
    feed.save(force_insert=True)
    return feed


def _token(feed: CalendarFeed) -> str:
    # The row's id is random (uuid4) and never shown; keyed with the blind-index key it
    # gives 256 bits nobody can compute without that key, and the member can be shown
    # the same URL again (see the module's docstring).
    return blind_index(f"marketplace.calendar-feed:{feed.pk}")


# --- building blocks ------------------------------------------------------------------------


def _calendar() -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    return calendar


def _event(booking: Booking, *, viewer: User, stamp: dt.datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{booking.pk}@{uid_host()}")
    event.add("sequence", booking.ical_sequence)
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("dtstart", booking.start.astimezone(dt.UTC))
    event.add("dtend", booking.end.astimezone(dt.UTC))
    event.add("summary", _summary(booking, viewer))
    event.add("status", _STATUS.get(booking.status, "CONFIRMED"))
    return event


def _summary(booking: Booking, viewer: User) -> str:
    coach_user = booking.coach.user
    if coach_user is not None and coach_user.pk == viewer.pk:
        other = first_name(booking.client)
    else:
        other = first_name(coach_user)
    title = booking.course.title
    return f"{title} with {other}" if other else title
