"""Calendars (docs/API.md, marketplace): a booking as an ``.ics`` file, and each member's
private iCalendar feed behind a rotatable token (``marketplace/services/calendars.py``).

The calendar answers are ``text/calendar`` whatever the ``Accept`` header says (calendar
apps send all sorts); errors stay the JSON envelope.
"""

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_serializers import ErrorResponse404Serializer
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound

from ..selectors.bookings import booking_for
from ..serializers.calendars import MarketplaceCalendarFeedSerializer
from ..services import calendars as services
from .throttles import WriteThrottled

TAGS = ["marketplace"]
CALENDAR = "text/calendar; charset=utf-8"


class CalendarNegotiation(DefaultContentNegotiation):
    """Never a 406: the file is iCalendar whatever is asked for, an error is JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _calendar_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CALENDAR)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class BookingIcsView(APIView):
    """One booking as an iCalendar file, for its client or its coach."""

    permission_classes = [IsAuthenticated]
    content_negotiation_class = CalendarNegotiation

    @extend_schema(
        tags=TAGS,
        summary="A booking as an iCalendar file (its client or coach only)",
        description="`text/calendar` with one event: `UID` `<booking id>@<host>` (the host "
        "of the platform's public address, else `marketplace.invalid`), the same forever; "
        "`SEQUENCE` grows at every move and at the cancel; `DTSTART`/`DTEND` in UTC; "
        "`SUMMARY` the course and the other person's first name; `STATUS` `TENTATIVE` "
        "while held for payment, `CONFIRMED`, or `CANCELLED` (with `METHOD:CANCEL`) after "
        "a cancel. Another member's booking is a 404.",
        responses={
            (200, "text/calendar"): OpenApiTypes.STR,
            404: OpenApiResponse(ErrorResponse404Serializer, "No such booking of the caller."),
        },
    )
    def get(self, request, pk):
        booking = booking_for(request.user, pk)
        if booking is None:
            raise NotFound("No such booking.")
        body = services.booking_ics(booking=booking, viewer=request.user)
        return _calendar_response(body, f"booking-{booking.pk}.ics")


class CalendarFeedView(WriteThrottled, APIView):
    """The address of the caller's private calendar feed; POST replaces it."""

    permission_classes = [IsAuthenticated]

    def _shown(self, token: str) -> Response:
        url = self.request.build_absolute_uri(
            reverse("marketplace:calendar-feed-ics", kwargs={"token": token})
        )
        return Response(MarketplaceCalendarFeedSerializer({"url": url}).data)

    @extend_schema(
        tags=TAGS,
        summary="The address of the caller's private calendar feed",
        description="Made on first use. The address is the credential (calendar apps send "
        "no bearer token): keep it private; POST replaces it.",
        responses={200: MarketplaceCalendarFeedSerializer},
    )
    def get(self, request):
        return self._shown(services.calendar_feed_token(user=request.user))

    @extend_schema(
        tags=TAGS,
        summary="A new address for the caller's calendar feed (the old one stops working)",
        request=None,
        responses={200: MarketplaceCalendarFeedSerializer},
    )
    def post(self, request):
        return self._shown(services.calendar_feed_rotate(user=request.user))


class CalendarFeedIcsView(APIView):
    """A member's feed, for calendar apps: the token in the address is the credential."""

    permission_classes = [AllowAny]
    content_negotiation_class = CalendarNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="marketplace_calendar_feed_ics_retrieve",
        summary="A member's private iCalendar feed (no sign-in: the token is the credential)",
        description="`text/calendar`: the bookings of the feed's owner as client and as "
        "coach that start from 30 days ago, each event as in "
        "`GET /marketplace/bookings/{id}/ics`, people by first name only. An unknown or "
        "replaced token is a 404.",
        responses={
            (200, "text/calendar"): OpenApiTypes.STR,
            404: OpenApiResponse(ErrorResponse404Serializer, "No feed has this token."),
        },
    )
    def get(self, request, token):
        return _calendar_response(services.calendar_feed_ics(token=token), "bookings.ics")
