"""A coach's performance (docs/API.md, marketplace): for the coach themself and staff.
The figures are defined in ``marketplace/selectors/performance.py``."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_serializers import ErrorResponse403Serializer
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound

from ..selectors import catalogue
from ..selectors import performance as selectors
from ..serializers import performance as serializers

TAGS = ["marketplace"]


class IsTheCoachOrStaff(IsAdminUser):
    """Staff, or the coach the path names themself; anyone else is refused (403) before
    the coach is looked up, so an id tells them nothing."""

    message = "Only the coach and staff may see a coach's performance."

    def has_permission(self, request, view) -> bool:
        if super().has_permission(request, view):
            return True
        return selectors.is_the_coach(request.user, view.kwargs["pk"])


class CoachPerformanceView(APIView):
    permission_classes = [IsTheCoachOrStaff]
    error_codes = {
        400: {
            "from": ["invalid", "datetime"],
            "to": ["invalid", "datetime", "before_from", "range_too_long"],
        }
    }

    @extend_schema(
        tags=TAGS,
        operation_id="marketplace_coaches_performance",
        summary="A coach's performance over their local dates (the coach and staff)",
        description="`from` and `to` are the coach's local dates, inclusive: the period "
        "runs from local midnight to local midnight (23 or 25 hours on a DST day); by "
        "default the 30 days ending today, at most "
        f"{selectors.MAX_DAYS} days. A booking counts in the period its start falls in. "
        "Rates are fractions (0-1), null when there is nothing to divide by; money in "
        "minor units. 403 for anyone but the coach and staff (before any lookup); an unknown "
        "coach is a 404.",
        parameters=[
            OpenApiParameter("from", dt.date, description="The first date (coach's zone)."),
            OpenApiParameter("to", dt.date, description="The last date, inclusive."),
        ],
        responses={
            200: serializers.MarketplacePerformanceSerializer,
            403: OpenApiResponse(
                ErrorResponse403Serializer, "The caller is neither the coach nor staff."
            ),
        },
    )
    def get(self, request, pk):
        coach = catalogue.any_coach(pk)
        if coach is None:
            raise NotFound("No such coach.")
        query = serializers.MarketplacePerformanceQuerySerializer(
            data=request.query_params,
            context={"today": selectors.today_of(coach, timezone.now())},
        )
        query.is_valid(raise_exception=True)
        figures = selectors.coach_performance(coach=coach, **query.validated_data)
        return Response(serializers.MarketplacePerformanceSerializer(figures).data)
