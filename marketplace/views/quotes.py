"""Price quotes (docs/API.md, marketplace, ``quotes``): the server's price for one start of
one course, named later by the booking it holds for (``marketplace/services/quotes.py``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent

from ..serializers import quotes as serializers
from ..services import quotes as services
from .throttles import WriteThrottled

TAGS = ["marketplace"]


class QuoteView(WriteThrottled, APIView):
    permission_classes = [IsAuthenticated]
    error_codes = {409: ["slot_unavailable"]}

    @extend_schema(
        tags=TAGS,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=serializers.MarketplaceQuoteRequestSerializer,
        responses={201: serializers.MarketplaceQuoteSerializer},
        summary="The server's price for one start of one course",
        description="Named in `POST /marketplace/bookings` (`quote`) before `expires_at` "
        "(`MARKETPLACE_QUOTE_MINUTES`), the price holds for that booking. Nothing is "
        "reserved: the slot may still be taken. 409 `slot_unavailable`: the start is not "
        "one the coach's availability lists.",
    )
    @idempotent
    def post(self, request):
        body = serializers.MarketplaceQuoteRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        course = body.validated_data["course"]
        quote = services.price_quote(
            coach=course.coach, course=course, start=body.validated_data["start"], user=request.user
        )
        return Response(
            serializers.MarketplaceQuoteSerializer(quote).data, status=status.HTTP_201_CREATED
        )
