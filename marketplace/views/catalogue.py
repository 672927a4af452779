"""The public catalogue (docs/API.md, marketplace): published coaches and their active
courses, readable without signing in; and staff's publish switch."""

from __future__ import annotations

import django_filters
from django.core.validators import RegexValidator
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_serializers import ErrorResponse403Serializer
from rest_framework import mixins, viewsets
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound
from core.pagination import PageNumberPagination

from ..models import Coach, Course
from ..selectors import catalogue as selectors
from ..serializers import catalogue as serializers
from ..services import coaches as services

TAGS = ["marketplace"]
SEARCH_MAX_LENGTH = 100
LANGUAGE = RegexValidator(r"^[A-Za-z]{2}$", "An ISO 639-1 two-letter code.")


class CoachFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        help_text="Words to find in the name, headline or specialties (every word must match).",
    )
    specialty = django_filters.CharFilter(
        method="filter_specialty", max_length=40, help_text="Coaches listing this specialty."
    )
    language = django_filters.CharFilter(
        method="filter_language",
        validators=[LANGUAGE],
        help_text="Coaches speaking this ISO 639-1 language.",
    )
    price_min = django_filters.NumberFilter(
        field_name="price_from_amount",
        lookup_expr="gte",
        min_value=0,
        help_text="The cheapest active course costs at least this (minor units).",
    )
    price_max = django_filters.NumberFilter(
        field_name="price_from_amount",
        lookup_expr="lte",
        min_value=0,
        help_text="The cheapest active course costs at most this (minor units).",
    )
    available_before = django_filters.IsoDateTimeFilter(
        field_name="next_available_at",
        lookup_expr="lte",
        help_text="Coaches with a free start at or before this instant.",
    )
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        choices=[(key, key) for key in selectors.COACH_ORDERINGS],
        empty_label=None,
        help_text="`-rating` (default: average rating, then number of ratings), "
        "`next_available` (soonest first), `price_from` (cheapest first).",
    )

    class Meta:
        model = Coach
        fields = [
            "search",
            "specialty",
            "language",
            "price_min",
            "price_max",
            "available_before",
            "ordering",
        ]

    def filter_search(self, queryset, name, value):
        return selectors.coaches_matching(queryset, value)

    def filter_specialty(self, queryset, name, value):
        return selectors.coaches_with_specialty(queryset, value)

    def filter_language(self, queryset, name, value):
        return selectors.with_language(queryset, value)

    def filter_ordering(self, queryset, name, value):
        return selectors.coaches_ordered(queryset, value)


class CourseFilter(django_filters.FilterSet):
    coach = django_filters.UUIDFilter(field_name="coach_id", help_text="One coach's courses.")
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        help_text="Words to find in the title or description (every word must match).",
    )
    kind = django_filters.ChoiceFilter(choices=Course.Kind.choices)
    language = django_filters.CharFilter(
        method="filter_language",
        validators=[LANGUAGE],
        help_text="Courses of coaches speaking this ISO 639-1 language.",
    )
    price_min = django_filters.NumberFilter(
        field_name="price_amount", lookup_expr="gte", min_value=0, help_text="Minor units."
    )
    price_max = django_filters.NumberFilter(
        field_name="price_amount", lookup_expr="lte", min_value=0, help_text="Minor units."
    )

    class Meta:
        model = Course
        fields = ["coach", "search", "kind", "language", "price_min", "price_max"]

    def filter_search(self, queryset, name, value):
        return selectors.courses_matching(queryset, value)

    def filter_language(self, queryset, name, value):
        return selectors.with_language(queryset, value, prefix="coach__")


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="Published coaches (public, page-numbered)",
        description="`price_from` is the cheapest active course; `next_available` is "
        "cached (refreshed as bookings and hours change). Unknown or malformed query "
        "parameters' values are a 400 naming the parameter.",
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="A published coach's profile (public)",
        description="With the active courses and the cancellation policy; an unpublished "
        "coach is a 404.",
    ),
)
class CoachViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_converter = "uuid"
    permission_classes = [AllowAny]
    queryset = Coach.objects.none()
    pagination_class = PageNumberPagination
    filterset_class = CoachFilter

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.MarketplaceCoachProfileSerializer
        return serializers.MarketplaceCoachCardSerializer

    def get_queryset(self):
        return selectors.listed_coaches()

    def retrieve(self, request, pk=None):
        coach = selectors.coach_profile(pk)
        if coach is None:
            raise NotFound("No such coach.")
        return Response(self.get_serializer(coach).data)


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="Active courses of published coaches (public, page-numbered)",
        description="By title. Prices are in minor units.",
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="One course (public)",
        description="A group course lists its upcoming sessions with the seats left "
        "(empty for a one-to-one course). An inactive course, or a course of an "
        "unpublished coach, is a 404.",
    ),
)
class CourseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_converter = "uuid"
    permission_classes = [AllowAny]
    queryset = Course.objects.none()
    pagination_class = PageNumberPagination
    filterset_class = CourseFilter

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.MarketplaceCourseDetailSerializer
        return serializers.MarketplaceCourseSerializer

    def get_queryset(self):
        return selectors.listed_courses()

    def retrieve(self, request, pk=None):
        course = self.get_object()
        course.upcoming_sessions = selectors.upcoming_sessions(course)
        return Response(self.get_serializer(course).data)


class CoachPublishView(APIView):
    """Staff only: list a coach in the marketplace, or withdraw them."""

    permission_classes = [IsAdminUser]
    error_codes = {409: ["coach_erased"]}

    @extend_schema(
        tags=TAGS,
        request=serializers.MarketplacePublishSerializer,
        responses={
            200: serializers.MarketplacePublishedSerializer,
            403: OpenApiResponse(ErrorResponse403Serializer, "The caller is not staff."),
        },
        summary="Publish or unpublish a coach (staff only; audited)",
        description="`{published: true}` lists the coach (stamping `published_at`), "
        "`false` withdraws them; a change is written to the staff audit log, setting the "
        "current value changes nothing. A coach whose account was erased cannot be "
        "published (409 `coach_erased`).",
    )
    def patch(self, request, pk):
        coach = selectors.any_coach(pk)
        if coach is None:
            raise NotFound("No such coach.")
        serializer = serializers.MarketplacePublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        coach = services.coach_set_published(
            coach=coach,
            published=serializer.validated_data["published"],
            actor=request.user,
            request=request,
        )
        return Response(serializers.MarketplacePublishedSerializer(coach).data)
