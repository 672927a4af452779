"""After a session (docs/API.md, marketplace): the client's feedback on a booking, a
coach's public feedback, and no-shows.

A booking is visible to its client and its coach only (others: 404). The rules are the
services': ``marketplace/services/feedback.py`` and ``marketplace/services/completion.py``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_serializers import ErrorResponse403Serializer
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound
from core.pagination import CursorPagination

from ..models import Booking, Feedback
from ..selectors import availability
from ..selectors import bookings as booking_selectors
from ..selectors import feedback as selectors
from ..serializers import bookings as booking_serializers
from ..serializers import feedback as serializers
from ..services import completion
from ..services import feedback as services
from .throttles import WriteThrottled

TAGS = ["marketplace"]


def _booking(request, pk) -> Booking:
    booking = booking_selectors.booking_for(request.user, pk)
    if booking is None:
        raise NotFound("No such booking.")
    return booking


class BookingFeedbackView(WriteThrottled, APIView):
    """The client's rating of a session: written once by the client, read by both sides."""

    permission_classes = [IsAuthenticated]
    error_codes = {"post": {409: ["feedback_not_open", "feedback_exists"]}}

    @extend_schema(
        tags=TAGS,
        operation_id="marketplace_bookings_feedback_retrieve",
        summary="A booking's feedback (its client or coach)",
        description="404 for anyone else, and before the client rated the session.",
        responses={200: serializers.MarketplaceFeedbackSerializer},
    )
    def get(self, request, pk):
        feedback = selectors.feedback_of(_booking(request, pk))
        if feedback is None:
            raise NotFound("This session has not been rated.")
        return Response(serializers.MarketplaceFeedbackSerializer(feedback).data)

    @extend_schema(
        tags=TAGS,
        operation_id="marketplace_bookings_feedback_create",
        summary="Rate a session (its client, once, after its end)",
        request=serializers.MarketplaceFeedbackCreateSerializer,
        responses={
            201: serializers.MarketplaceFeedbackSerializer,
            403: OpenApiResponse(ErrorResponse403Serializer, "The caller is the booking's coach."),
        },
        description="`rating` 1-5 and an optional plain-text `comment` (at most 2000 "
        "characters); the coach's `rating_avg` and `rating_count` change with it. 409 "
        "`feedback_not_open`: the session has not ended, or did not take place (held, "
        "cancelled, expired, no-show); `feedback_exists`: the client rated it already.",
    )
    def post(self, request, pk):
        booking = _booking(request, pk)
        body = serializers.MarketplaceFeedbackCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        feedback = services.feedback_create(
            user=request.user, booking=booking, **body.validated_data
        )
        return Response(
            serializers.MarketplaceFeedbackSerializer(feedback).data,
            status=status.HTTP_201_CREATED,
        )


class CoachFeedbackView(generics.ListAPIView):
    """Public: a published coach's ratings, newest first; clients are not named."""

    permission_classes = [AllowAny]
    serializer_class = serializers.MarketplacePublicFeedbackSerializer
    pagination_class = CursorPagination
    queryset = Feedback.objects.none()

    @extend_schema(
        tags=TAGS,
        operation_id="marketplace_coaches_feedback_list",
        summary="A published coach's feedback (public, cursor, newest first)",
        description="Rating, comment and date of each; the client is never named. An "
        "unknown or unpublished coach is a 404.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        coach = availability.published_coach(self.kwargs["pk"])
        if coach is None:
            raise NotFound("No such coach.")
        return selectors.feedback_for_coach(coach)


class BookingNoShowView(WriteThrottled, APIView):
    """The coach marks the client absent, or the client the coach."""

    permission_classes = [IsAuthenticated]
    error_codes = {400: {"party": ["own_party"]}, 409: ["no_show_not_open"]}

    @extend_schema(
        tags=TAGS,
        operation_id="marketplace_bookings_no_show",
        summary="Record a no-show (the client or the coach, about the other)",
        request=serializers.MarketplaceNoShowSerializer,
        responses={200: booking_serializers.MarketplaceBookingSerializer},
        description="From the session's start until 48 hours after it: the booking turns "
        "`no_show` (`version` + 1). Naming oneself in `party`: 400 `own_party`. Before the "
        "start, after 48 hours, or on a held, cancelled or expired booking: 409 "
        "`no_show_not_open`. Marked already the same way: 200, unchanged.",
    )
    def post(self, request, pk):
        booking = _booking(request, pk)
        body = serializers.MarketplaceNoShowSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        booking = completion.booking_no_show(
            user=request.user, booking=booking, party=body.validated_data["party"]
        )
        shown = booking_selectors.booking_for(request.user, booking.pk)
        return Response(booking_serializers.MarketplaceBookingSerializer(shown).data)
