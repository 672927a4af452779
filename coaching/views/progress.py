"""Goals, progress entries and the progress summary (docs/API.md, coaching).

- ``GET, POST /coaching/goals``; ``GET, PATCH, DELETE /coaching/goals/{id}``: the caller's
  goals only (another member's is a 404). ``progress`` and ``completed_at`` are read-only:
  they follow the progress recorded and the status.
- ``GET, POST /coaching/progress``: record progress on one of the caller's goals or plan
  actions (another member's goal or action is a 400 ``does_not_exist`` naming the field).
- ``GET /coaching/progress/summary``: XP, level, streak, badges and goal completion.

The rules (status transitions, XP, badges) are in ``coaching/services/progress.py``.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import CursorPagination
from core.permissions import OwnedQuerysetMixin

from ..models import Goal
from ..selectors import progress as selectors
from ..serializers import progress as serializers
from ..services import progress as services

TAGS = ["coaching"]

STATUS_PARAMETER = OpenApiParameter(
    "status",
    OpenApiTypes.STR,
    enum=[choice for choice, _ in Goal.Status.choices],
    description="Only goals with this status.",
)


@extend_validation_errors(["invalid_choice"], field_name="status", actions=["list"])
@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        parameters=[STATUS_PARAMETER],
        summary="The caller's goals, newest first (page-numbered)",
    ),
    retrieve=extend_schema(tags=TAGS, summary="One of the caller's goals"),
)
class GoalViewSet(
    OwnedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's goals; another member's goal is a 404."""

    error_codes = {
        400: {"target_date": ["past_date"], "status": ["invalid_transition"]},
        "list": {400: serializers.GoalListQuerySerializer},
    }

    lookup_value_converter = "uuid"  # the router's <uuid:pk>
    serializer_class = serializers.GoalSerializer
    filter_backends: list = []

    def get_base_queryset(self):
        goal_status = None
        if self.action == "list":
            query = serializers.GoalListQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            goal_status = query.validated_data.get("status")
        return selectors.goals_of(status=goal_status)

    @extend_schema(
        tags=TAGS,
        request=serializers.GoalCreateSerializer,
        responses={201: serializers.GoalSerializer},
        summary="Set a goal",
        description="`title` is required (at most 200 characters); `description` (at most "
        "5000) and `target_date` are optional. A `target_date` before today (in the "
        "caller's time zone) is a 400 `past_date` naming `target_date`. The goal starts "
        "`active` with progress 0.",
    )
    def create(self, request):
        serializer = serializers.GoalCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        goal = services.goal_create(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(goal).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        request=serializers.GoalUpdateSerializer,
        responses={200: serializers.GoalSerializer},
        summary="Change a goal",
        description="Send only what changes. `status`: active <-> paused; active or paused "
        "-> completed or abandoned; abandoned -> active; completed is final (any other move "
        "is a 400 `invalid_transition` naming `status`). Completing a goal sets "
        "`completed_at`, `progress` 100 and gives XP once. A new `target_date` in the past "
        "is a 400 `past_date`.",
    )
    def partial_update(self, request, pk=None):
        goal = self.get_object()
        serializer = serializers.GoalUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        goal = services.goal_update(goal=goal, **serializer.validated_data)
        return Response(self.get_serializer(goal).data)

    @extend_schema(
        tags=TAGS,
        request=None,
        responses={204: None},
        summary="Delete a goal and its progress entries (its XP and badges stay)",
    )
    def destroy(self, request, pk=None):
        services.goal_delete(goal=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        tags=TAGS, summary="The caller's progress entries, newest first (cursor-paginated)"
    ),
)
class ProgressViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's progress entries, and recording a new one."""

    error_codes = {
        400: {
            "non_field_errors": ["one_target"],
            "value": ["out_of_range"],
            "goal": ["does_not_exist", "goal_closed", "invalid"],
            "action": ["does_not_exist", "invalid"],
        }
    }

    serializer_class = serializers.ProgressEntrySerializer
    pagination_class = CursorPagination
    filter_backends: list = []

    def get_queryset(self):
        return selectors.progress_entries_of(user=self.request.user)

    @extend_schema(
        tags=TAGS,
        request=serializers.ProgressEntryCreateSerializer,
        responses={201: serializers.ProgressEntrySerializer},
        summary="Record progress on a goal or a plan action",
        description="Give exactly one of `goal` and `action` (both or neither: 400 "
        "`one_target`); it must be the caller's (otherwise 400 `does_not_exist` naming the "
        "field). `value` (0-100) becomes the target's progress: 100 completes a goal or "
        "marks an action done, less reopens an action. A completed or abandoned goal takes "
        "no more progress (400 `goal_closed` naming `goal`). Every entry gives XP and may "
        "earn badges.",
    )
    def create(self, request):
        serializer = serializers.ProgressEntryCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        entry = services.progress_record(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)


class ProgressSummaryView(APIView):
    """The caller's XP, level, streak, badges and goal completion, in a fixed number of
    queries."""

    @extend_schema(
        tags=TAGS,
        responses={200: serializers.ProgressSummarySerializer},
        summary="XP, level, streak, badges and goal completion",
    )
    def get(self, request):
        summary = selectors.summary_for(request.user)
        return Response(serializers.ProgressSummarySerializer(summary).data)
