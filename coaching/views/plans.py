"""Development plans, their actions, and recommendations (docs/API.md, "coaching").

A plan is generated asynchronously: ``POST /coaching/plans`` answers 202 with the plan
(``pending``) and its generation, and the plan turns ``ready`` (with its tree of phases,
milestones and actions) or ``failed`` when the generation ends. Posting again makes the
next version; earlier ones stay. Every row is the caller's: another member's plan, action
or recommendation is a 404.
"""

from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.entitlements import Entitled
from ai.responses import accepted_object
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.pagination import PageNumberPagination
from core.schema import AI_QUOTA_EXCEEDED
from core.throttles import AIThrottle

from ..ai_features import DEVELOPMENT_PLAN
from ..models import DevelopmentPlan, Recommendation
from ..selectors import plans as selectors
from ..serializers import plans as serializers
from ..services import plans as services
from ..services import recommendations as recommendation_services

TAGS = ["coaching"]


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="The caller's development plans, newest version first",
        description="Every version the caller generated, without the tree: each with "
        "`actions_total` and `actions_done`. `status` is pending while its generation runs, "
        "then ready or failed.",
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="One plan with its tree: phases -> milestones -> actions",
        responses={200: serializers.PlanDetailSerializer},
    ),
    destroy=extend_schema(
        tags=TAGS,
        summary="Delete a plan",
        description="With its phases, milestones and actions. Its recommendations stay.",
    ),
)
class PlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's development plans."""

    error_codes = {
        "create": {
            400: {
                "non_field_errors": ["assessment_required", "plan_version_conflict"],
                "starts_on": ["past", "too_late"],
            },
            403: ["plan_required"],
            429: ["quota_exceeded"],
        },
    }

    lookup_value_converter = "uuid"  # the router's <uuid:pk>
    queryset = DevelopmentPlan.objects.none()  # the model, for the schema; rows: get_queryset
    pagination_class = PageNumberPagination
    # Generating needs a plan that includes it; what the member has stays theirs to read,
    # rename and delete on any plan.
    permission_classes = [IsAuthenticated, Entitled("coaching.plans", methods=("POST",))]

    def get_queryset(self):
        # Scoped to the caller in the selectors.
        if self.action == "retrieve":
            return selectors.plan_tree_of(user=self.request.user)
        return selectors.plans_of(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.PlanDetailSerializer
        return serializers.PlanSerializer

    def get_throttles(self):
        throttles = [throttle() for throttle in api_settings.DEFAULT_THROTTLE_CLASSES]
        if self.request.method == "POST":
            throttles.append(AIThrottle())
        return throttles

    @extend_schema(
        tags=TAGS,
        summary="Generate a development plan (asynchronous)",
        description=(
            "Creates the caller's next plan version (`pending`) and queues a "
            f"`{DEVELOPMENT_PLAN.name}` generation ({DEVELOPMENT_PLAN.cost} quota units) "
            "from the caller's latest assessment (archetype, scores, learning style, AI "
            "interest and its analysis when ready) and active goals, steered by `focus`. "
            "Answers 202 with the plan's id and `status_url` (the plan) and the generation's. "
            "When the generation succeeds the plan becomes `ready` with its phases, "
            "milestones and actions (due dates = `starts_on` + the AI's offsets), and its "
            "recommendations appear under /coaching/recommendations; when it fails the plan "
            "becomes `failed`. Posting again makes a new version; earlier ones stay. Without "
            "any assessment: 400 `assessment_required`. Needs a plan with `coaching.plans` "
            "(see /billing/plans): else 403 `plan_required` naming the plan."
        ),
        request=serializers.PlanCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            202: serializers.PlanAcceptedSerializer,
            429: AI_QUOTA_EXCEEDED,
        },
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = serializers.PlanCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = services.plan_generate(user=request.user, **serializer.validated_data)
        return accepted_object(
            request,
            id=plan.pk,
            status_value=plan.status,
            url=request.build_absolute_uri(reverse("coaching:plan-detail", args=[plan.pk])),
            generation=plan.generation,
        )

    @extend_schema(
        tags=TAGS,
        summary="Rename a plan",
        description="Only `title` can be changed.",
        request=serializers.PlanUpdateSerializer,
        responses={200: serializers.PlanSerializer},
    )
    def partial_update(self, request, *args, **kwargs):
        plan = self.get_object()
        serializer = serializers.PlanUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.plan_update(plan=plan, **serializer.validated_data)
        return Response(serializers.PlanSerializer(self.get_object()).data)

    def perform_destroy(self, instance):
        services.plan_delete(plan=instance)


class PlanActionView(GenericAPIView):
    """Check one action of one of the caller's plans off (or back on)."""

    error_codes = {
        400: {"done": ["required"], "progress": ["invalid"], "non_field_errors": ["required"]}
    }

    permission_classes = [IsAuthenticated]
    serializer_class = serializers.PlanActionUpdateSerializer

    @extend_schema(
        tags=TAGS,
        operation_id="coaching_plans_actions_partial_update",
        summary="Check an action off, or set its progress",
        description=(
            "`done: true` marks the action done (progress 100, `done_at` now); `done: false` "
            "undoes it (progress 0 unless `progress` is given). `progress` alone sets it; 100 "
            "is done. `done: true` with a progress under 100, or `done: false` with 100, is a "
            "400 naming `progress`. The first time an action is done it earns "
            "`COACHING_XP_PER_ACTION` XP. An action of another plan or member is a 404."
        ),
        request=serializers.PlanActionUpdateSerializer,
        responses={200: serializers.PlanActionSerializer},
    )
    def patch(self, request, pk, action_id):
        action = selectors.action_of(user=request.user, plan_id=pk, action_id=action_id)
        if action is None:
            raise NotFound("No such action.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        action = services.action_update(
            user=request.user, action=action, **serializer.validated_data
        )
        return Response(serializers.PlanActionSerializer(action).data)


class RecommendationListView(GenericAPIView):
    """The caller's AI recommendations, most confident first."""

    error_codes = {400: serializers.RecommendationFilterSerializer}

    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination
    serializer_class = serializers.CoachingRecommendationSerializer
    queryset = Recommendation.objects.none()  # the schema's; get() asks the selector

    @extend_schema(
        tags=TAGS,
        operation_id="coaching_recommendations_list",
        summary="The caller's AI recommendations, most confident first",
        description="From assessment analyses (goals) and development plans (goals and "
        "actions). `?is_applied=true|false` filters; apply one with "
        "`POST /coaching/recommendations/{id}/apply`.",
        parameters=[OpenApiParameter("is_applied", bool, required=False)],
        responses={200: serializers.CoachingRecommendationSerializer(many=True)},
    )
    def get(self, request):
        filters = serializers.RecommendationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.recommendations_of(
            user=request.user, is_applied=filters.validated_data["is_applied"]
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class RecommendationApplyView(APIView):
    """Turn a recommendation into a goal or a plan action."""

    error_codes = {
        409: ["already_applied"],
        400: {"plan": ["development_plan_required", "plan_not_ready"]},
    }

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="coaching_recommendations_apply",
        summary="Apply a recommendation: it becomes a goal or a plan action",
        description=(
            "A `goal` recommendation becomes an active goal with its title and description "
            "(`applied_goal`). An `action` one becomes a new action at the end of the last "
            "milestone of `plan` (the caller's latest ready plan by default; a plan without "
            'milestones gets a "Recommended" one), due 7 days from today '
            "(`applied_action`); without a ready plan: 400 `development_plan_required` / "
            "`plan_not_ready` naming `plan`. Applying twice: 409 `already_applied`."
        ),
        request=serializers.RecommendationApplySerializer,
        responses={
            200: serializers.CoachingRecommendationSerializer,
            409: OpenApiResponse(
                serializers.AlreadyAppliedErrorResponseSerializer, "`already_applied`."
            ),
        },
    )
    def post(self, request, pk):
        recommendation = selectors.recommendation_of(user=request.user, recommendation_id=pk)
        if recommendation is None:
            raise NotFound("No such recommendation.")
        serializer = serializers.RecommendationApplySerializer(data=request.data, user=request.user)
        serializer.is_valid(raise_exception=True)
        recommendation = recommendation_services.recommendation_apply(
            user=request.user,
            recommendation=recommendation,
            plan=serializer.validated_data.get("plan"),
        )
        return Response(serializers.CoachingRecommendationSerializer(recommendation).data)
