"""Bookings (docs/API.md, marketplace): the caller's bookings as client and as coach.

A booking is visible to its client and its coach only; to anyone else it does not exist
(404). What may be booked is decided by ``marketplace.selectors.availability.is_free``,
through the services in ``marketplace/services/bookings.py``.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.pagination import CursorPagination

from ..models import Booking
from ..selectors import bookings as selectors
from ..selectors import sessions as session_selectors
from ..serializers import bookings as serializers
from ..services import bookings as services
from ..services import quotes as quote_services
from ..services import sessions as session_services
from .throttles import WriteThrottled

TAGS = ["marketplace"]


class BookingPagination(CursorPagination):
    """By start, earliest first."""

    ordering = ("start", "id")


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="The caller's bookings, as client and as coach, by start (cursor)",
        parameters=[serializers.MarketplaceBookingFilterSerializer],
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="One booking (its client or coach only)",
    ),
    create=extend_schema(
        tags=TAGS,
        summary="Book a course at a listed start, or take a seat in a group session",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=serializers.MarketplaceBookingCreateSerializer,
        responses={
            201: serializers.MarketplaceBookingCreatedSerializer,
            200: OpenApiResponse(
                serializers.MarketplaceBookingCreatedSerializer,
                "The caller's own live hold on that course and start, or their seat in "
                "that session, unchanged.",
            ),
        },
        description="A free course is `confirmed`; a priced one is `held` until "
        "`hold_expires_at` (`MARKETPLACE_HOLD_MINUTES`), with `payment` when billing made "
        "its PaymentIntent. The price is the server's: an `amount` in the body is ignored. "
        "409 `slot_unavailable`: the start is not one `GET "
        "/marketplace/coaches/{id}/availability` lists (taken, off the grid, inside the "
        "minimum notice, beyond the window, over a cap). 400 `own_course` naming `course`: "
        "a coach cannot book themselves. 503 `billing_unavailable`: a priced course while "
        "payments are not configured; `stripe_unavailable`: Stripe could not be reached to "
        "make the payment (the hold is released at once). `quote` (the caller's own, for that course and "
        "start, unexpired; else 400 on `quote`) fixes the price. `{session}` instead of "
        "`{course, start}` takes a seat in a group session and answers with the session "
        "(`kind` group): 409 `session_full` when no seat is left, `slot_unavailable` when "
        "it is cancelled or started; 400 `own_course` naming `session` for its coach.",
    ),
    reschedule=extend_schema(
        tags=TAGS,
        summary="Move a booking (same id, version + 1)",
        request=serializers.MarketplaceBookingRescheduleSerializer,
        responses={200: serializers.MarketplaceBookingSerializer},
        description="The client or the coach. The new time may overlap the booking's own "
        "old time. 409 `version_conflict`: `version` is not the booking's; "
        "`slot_unavailable`: the new time is not bookable (the booking is unchanged); "
        "`not_reschedulable`: cancelled, expired, completed, started, or moved the coach's "
        "`reschedule_limit` times already.",
    ),
    cancel=extend_schema(
        tags=TAGS,
        summary="Cancel a booking",
        request=serializers.MarketplaceBookingCancelSerializer,
        responses={200: serializers.MarketplaceBookingSerializer},
        description="The client or the coach; a seat holder of a group session gives "
        "back their seat only, and gets the session. Inside the coach's `free_cancel_hours` "
        "before the start the cancellation is `late`. Already cancelled: 200, unchanged. "
        "409 `not_cancellable`: the session has ended (or was completed, expired, no-show).",
    ),
    history=extend_schema(
        tags=TAGS,
        summary="Every change of a booking, oldest first",
        responses={200: serializers.MarketplaceBookingEventSerializer(many=True)},
    ),
)
class BookingViewSet(
    WriteThrottled,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_converter = "uuid"
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.MarketplaceBookingSerializer
    pagination_class = BookingPagination
    queryset = Booking.objects.none()
    error_codes = {
        "create": {
            400: {
                "course": ["own_course", "required", "invalid"],
                "start": ["required", "invalid"],
                "session": ["own_course", "invalid"],
                "quote": ["does_not_exist", "quote_mismatch", "quote_expired", "invalid"],
            },
            409: ["slot_unavailable", "session_full"],
            503: ["billing_unavailable", "stripe_unavailable"],
        },
        "reschedule": {409: ["version_conflict", "not_reschedulable", "slot_unavailable"]},
        "cancel": {409: ["not_cancellable"]},
    }

    def get_queryset(self):
        if self.action != "list":
            return selectors.bookings_visible_to(self.request.user)
        params = serializers.MarketplaceBookingFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        return selectors.bookings_visible_to(
            self.request.user,
            role=data.get("role"),
            status=data.get("status"),
            start_from=data.get("from"),
            start_to=data.get("to"),
        )

    def _booking(self) -> Booking:
        booking = selectors.booking_for(self.request.user, self.kwargs["pk"])
        if booking is None:
            raise NotFound("No such booking.")
        return booking

    def _shown(self, booking: Booking) -> dict:
        shown = selectors.booking_for(self.request.user, booking.pk)
        return serializers.MarketplaceBookingSerializer(shown).data

    @idempotent
    def create(self, request):
        body = serializers.MarketplaceBookingCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "session" in data:
            session, created = session_services.enrolment_create(
                user=request.user, session=data["session"]
            )
            result = services.Created(session, created=created)
        else:
            if data.get("quote") is not None:
                quote_services.quote_for_booking(
                    quote=data["quote"],
                    user=request.user,
                    course=data["course"],
                    start=data["start"],
                )
            result = services.booking_create(user=request.user, **data)
        shown = selectors.booking_for(request.user, result.booking.pk)
        data = serializers.MarketplaceBookingCreatedSerializer(
            shown, context={"payment": result.payment}
        ).data
        return Response(data, status=status.HTTP_201_CREATED if result.created else 200)

    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        booking = self._booking()
        body = serializers.MarketplaceBookingRescheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        booking = services.booking_reschedule(
            user=request.user, booking=booking, **body.validated_data
        )
        return Response(self._shown(booking))

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        seat = session_selectors.seat_of(request.user, pk)
        if seat is not None:
            serializers.MarketplaceBookingCancelSerializer(data=request.data).is_valid(
                raise_exception=True
            )
            session = session_services.enrolment_cancel(user=request.user, seat=seat)
            return Response(serializers.MarketplaceBookingSerializer(session).data)
        booking = self._booking()
        body = serializers.MarketplaceBookingCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        booking = services.booking_cancel(user=request.user, booking=booking, **body.validated_data)
        return Response(self._shown(booking))

    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        booking = self._booking()
        events = selectors.history_of(booking)
        return Response(serializers.MarketplaceBookingEventSerializer(events, many=True).data)
