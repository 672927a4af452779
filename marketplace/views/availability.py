"""A coach's free sessions, by date (docs/API.md, "marketplace"): public, listed by
``marketplace.selectors.availability.free_slots``, the function that also decides what a
booking may take."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import time_zone_of
from core.exceptions import NotFound

from ..selectors import availability
from ..serializers.availability import (
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
)

TAGS = ["marketplace"]


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="marketplace_coaches_availability",
        summary="A published coach's free sessions, by date",
        description="Free starts of `course` (or of the coach's course of `duration` "
        "minutes; by default their first active course) from `from` 00:00 to the end of "
        "`to` in `tz`, grouped by the start's date in `tz`; instants are UTC. At most 62 "
        "days; `from` is today and `to` 14 days later by default. The coach's hours are "
        "read in the coach's time zone whatever `tz` is; a start listed here is one "
        "`POST /marketplace/bookings` accepts, until someone else takes it.",
        parameters=[
            OpenApiParameter("from", dt.date, description="The first date, in `tz`."),
            OpenApiParameter("to", dt.date, description="The last date, in `tz`."),
            OpenApiParameter("course", str, description="One of the coach's active courses."),
            OpenApiParameter("duration", int, description="Minutes the coach offers."),
            OpenApiParameter(
                "tz",
                str,
                description="IANA time zone; the caller's profile time zone by default, "
                "else the coach's.",
            ),
        ],
        responses={200: AvailabilitySerializer},
    )
)
class AvailabilityView(APIView):
    """Public: anyone may look, signed in or not; an unpublished coach is a 404."""

    error_codes = {
        400: {
            "from": ["invalid", "out_of_range"],
            "to": ["invalid", "out_of_range", "before_from", "range_too_long"],
            "tz": ["invalid", "max_length", "blank"],
            "course": ["invalid", "does_not_exist"],
            "duration": ["invalid", "min_value", "max_value", "max_string_length", "not_offered"],
        }
    }

    permission_classes = [AllowAny]

    def get(self, request, pk):
        coach = availability.published_coach(pk)
        if coach is None:
            raise NotFound("No such coach.")
        query = AvailabilityQuerySerializer(
            data=request.query_params,
            context={"coach": coach, "default_zone": lambda: self._default_zone(request, coach)},
        )
        query.is_valid(raise_exception=True)
        params = query.validated_data
        zone, first, last = params["tz"], params["first"], params["last"]
        course = params["course"]
        slots: dict[str, list[dict]] = {}
        day = first
        while day <= last:
            slots[day.isoformat()] = []
            day += dt.timedelta(days=1)
        if course is not None:
            for start, end in availability.free_slots(
                coach=coach,
                course=course,
                start=dt.datetime.combine(first, dt.time(0), tzinfo=zone),
                end=dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=zone),
                now=timezone.now(),
            ):
                slots[start.astimezone(zone).date().isoformat()].append(
                    {"start": start, "end": end}
                )
        body = {
            "coach_tz": coach.timezone,
            "tz": zone.key,
            "duration": course.duration_minutes if course is not None else None,
            "slots": slots,
        }
        return Response(AvailabilitySerializer(body).data)

    @staticmethod
    def _default_zone(request, coach) -> zoneinfo.ZoneInfo:
        if request.user.is_authenticated:
            return time_zone_of(request.user)
        return availability.zone_of(coach)
