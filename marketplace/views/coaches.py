"""A coach's own management (docs/API.md, marketplace, ``me/coach``): applying, the
profile and policy, weekly hours, date overrides and courses. A member without a coach
profile gets a 404 on all of it but the application; another coach's course is a 404."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound
from core.permissions import OwnedQuerysetMixin

from ..models import Course
from ..selectors import catalogue as selectors
from ..serializers import coaches as serializers
from ..services import coaches as services
from .throttles import WriteThrottled

TAGS = ["marketplace"]


def own_coach(request):
    """The caller's coach profile; 404 ``not_a_coach`` when they have none."""
    coach = selectors.coach_of(request.user)
    if coach is None:
        raise services.not_a_coach()
    return coach


class MeCoachView(WriteThrottled, APIView):
    """The caller's coach profile."""

    permission_classes = [IsAuthenticated]
    error_codes = {"post": {409: ["already_a_coach"]}}

    @extend_schema(
        tags=TAGS,
        responses={200: serializers.MarketplaceOwnCoachSerializer},
        summary="The caller's coach profile",
        description="A member who is not a coach gets a 404.",
    )
    def get(self, request):
        return Response(serializers.MarketplaceOwnCoachSerializer(own_coach(request)).data)

    @extend_schema(
        tags=TAGS,
        request=serializers.MarketplaceOwnCoachSerializer,
        responses={201: serializers.MarketplaceOwnCoachSerializer},
        summary="Apply to coach",
        description="Creates the caller's coach profile, unpublished until staff publish it; "
        "the body may already set any field PATCH takes. A second application is a 409 "
        "`already_a_coach`.",
    )
    def post(self, request):
        serializer = serializers.MarketplaceOwnCoachSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        coach = services.coach_apply(user=request.user, **serializer.validated_data)
        return Response(
            serializers.MarketplaceOwnCoachSerializer(coach).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        tags=TAGS,
        request=serializers.MarketplaceOwnCoachSerializer,
        responses={200: serializers.MarketplaceOwnCoachSerializer},
        summary="Edit the caller's coach profile and policy",
        description="Any of headline, bio, specialties, languages (ISO 639-1), timezone "
        "(IANA) and `policy` (an object; any of its keys). Policy changes apply to "
        "bookings made afterwards.",
    )
    def patch(self, request):
        coach = own_coach(request)
        serializer = serializers.MarketplaceOwnCoachSerializer(
            coach, data=request.data, partial=True
        )
        serializer.is_valid(raise_exception=True)
        coach = services.coach_update(coach=coach, **serializer.validated_data)
        return Response(serializers.MarketplaceOwnCoachSerializer(coach).data)


class MeScheduleView(WriteThrottled, APIView):
    """The caller's weekly hours."""

    permission_classes = [IsAuthenticated]
    error_codes = {
        "put": {
            400: {
                "INDEX.weekday": ["required", "invalid", "null", "min_value", "max_value"],
                "INDEX.start": ["required", "invalid", "null", "end_of_day", "overlap"],
                "INDEX.end": ["required", "invalid", "null", "end_before_start"],
                "INDEX.non_field_errors": ["invalid"],
                "non_field_errors": ["not_a_list"],
            }
        }
    }

    @extend_schema(
        tags=TAGS,
        responses={200: serializers.MarketplaceWeeklyRuleSerializer(many=True)},
        summary="The caller's weekly hours",
        description="Wall clock in the coach's time zone, by weekday then start; an end "
        'of `"24:00"` is the end of the day.',
    )
    def get(self, request):
        rules = selectors.weekly_rules(own_coach(request))
        return Response(serializers.MarketplaceWeeklyRuleSerializer(rules, many=True).data)

    @extend_schema(
        tags=TAGS,
        request=serializers.MarketplaceWeeklyRuleSerializer(many=True),
        responses={200: serializers.MarketplaceWeeklyRuleSerializer(many=True)},
        summary="Replace the caller's weekly hours",
        description='A list of `{weekday (0 Monday - 6 Sunday), start "HH:MM", end '
        '"HH:MM"}`; an end of `"24:00"` or `"00:00"` is the end of the day. Several rows '
        "per day are allowed; rows of one weekday that overlap (400 `overlap` naming "
        "`<row>.start`) or an end not after its start (400 `end_before_start` naming "
        "`<row>.end`) are refused. An empty list clears the hours.",
    )
    def put(self, request):
        coach = own_coach(request)
        serializer = serializers.MarketplaceWeeklyRuleSerializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        services.schedule_replace(coach=coach, rules=serializer.validated_data)
        rules = selectors.weekly_rules(coach)
        return Response(serializers.MarketplaceWeeklyRuleSerializer(rules, many=True).data)


class MeOverridesView(WriteThrottled, APIView):
    """The caller's date overrides."""

    permission_classes = [IsAuthenticated]
    error_codes = {
        "post": {
            400: {
                "ranges.INDEX.start": ["invalid", "end_of_day", "overlap"],
                "ranges.INDEX.end": ["invalid", "end_before_start"],
            }
        }
    }

    @extend_schema(
        tags=TAGS,
        parameters=[serializers.MarketplaceOverrideQuerySerializer],
        responses={200: serializers.MarketplaceOverrideSerializer(many=True)},
        summary="The caller's date overrides",
        description="Dates from `from` to `to` (inclusive, local to the coach), oldest "
        "first; `ranges: []` is a day off.",
    )
    def get(self, request):
        coach = own_coach(request)
        query = serializers.MarketplaceOverrideQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        days = selectors.overrides(
            coach, first=query.validated_data.get("from"), last=query.validated_data.get("to")
        )
        return Response(serializers.MarketplaceOverrideSerializer(days, many=True).data)

    @extend_schema(
        tags=TAGS,
        request=serializers.MarketplaceOverrideSerializer,
        responses={201: serializers.MarketplaceOverrideSerializer},
        summary="Set the hours of one date",
        description="`{date, ranges: [{start, end}]}` replaces that date's weekly hours "
        "(and any override it had); `ranges: []` makes it a day off.",
    )
    def post(self, request):
        coach = own_coach(request)
        serializer = serializers.MarketplaceOverrideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        date = serializer.validated_data["date"]
        services.override_set(coach=coach, date=date, ranges=serializer.validated_data["ranges"])
        day = selectors.override_of(coach, date)
        return Response(
            serializers.MarketplaceOverrideSerializer(day).data, status=status.HTTP_201_CREATED
        )


class MeOverrideDetailView(WriteThrottled, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, OpenApiParameter.PATH)],
        responses={204: None},
        summary="Remove one date's override",
        description="The date goes back to the weekly hours. A date without an override "
        "(or a malformed date) is a 404.",
    )
    def delete(self, request, date: str):
        coach = own_coach(request)
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise NotFound("No override on this date.") from None
        services.override_delete(coach=coach, date=day)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="The caller's courses, inactive included"),
    create=extend_schema(
        tags=TAGS,
        summary="Add a course",
        description="`price` is `{amount (minor units), currency}`; a one-to-one course "
        "has a capacity of 1. A member who is not a coach gets a 404.",
    ),
    retrieve=extend_schema(tags=TAGS, summary="One of the caller's courses"),
    update=extend_schema(
        tags=TAGS,
        summary="Replace a course",
        description="Every field, as on creation; changes apply to bookings made afterwards.",
    ),
    partial_update=extend_schema(
        tags=TAGS,
        summary="Edit a course",
        description="Changes apply to bookings made afterwards: a booking keeps the "
        "duration, buffers and price it was made with.",
    ),
    destroy=extend_schema(
        tags=TAGS,
        summary="Delete (or deactivate) a course",
        description="A course that has bookings is deactivated (they keep pointing at it); "
        "one without is deleted. 204 either way.",
    ),
)
class MeCourseViewSet(
    WriteThrottled,
    OwnedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_converter = "uuid"
    owner_field = "coach__user"
    queryset = Course.objects.none()
    serializer_class = serializers.MarketplaceOwnCourseSerializer

    def get_base_queryset(self):
        return selectors.own_courses()

    def perform_create(self, serializer):
        serializer.instance = services.course_create(
            coach=own_coach(self.request), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.course_update(
            course=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.course_delete(course=instance)
