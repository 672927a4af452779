"""The conversations API (docs/API.md, "conversations"): the scenario catalogue, a
scenario's AI context, and today's practice quota.

Scenarios are looked up by slug (the router's ``<slug:slug>``); the later
``/conversations/{id}`` routes take a UUID, so ``scenarios`` and ``quota`` never reach them.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from ai.responses import accepted_object
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.schema import AI_QUOTA_EXCEEDED
from core.throttles import AIThrottle

from . import selectors, serializers, services
from .ai_features import SCENARIO_CONTEXT
from .models import Scenario

TAGS = ["conversations"]
PRACTICE_403 = ["age_restricted", "plan_required"]


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        operation_id="conversations_scenarios_list",
        summary="Active practice scenarios (page-numbered)",
        description=(
            "Active scenarios ordered by `order`, then title. `locked` is true for a premium "
            "scenario when the caller's plan lacks premium scenarios (reading stays open; "
            "practising one answers 403 `plan_required`). `?include_premium=false` leaves "
            "premium scenarios out (a value that is not a boolean: 400 naming "
            "`include_premium`); `?setting=` keeps one setting (an unknown one: 400 "
            "`invalid_choice` naming `setting`)."
        ),
        parameters=[serializers.ScenarioListQuerySerializer],
    ),
    retrieve=extend_schema(
        tags=TAGS,
        operation_id="conversations_scenarios_retrieve",
        summary="One active scenario with its tips per difficulty",
        description="An unknown or inactive slug is a 404.",
        responses={200: serializers.ScenarioDetailSerializer},
    ),
)
class ScenarioViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The scenario catalogue, shared by every member."""

    error_codes = {"list": {400: serializers.ScenarioListQuerySerializer}}

    queryset = Scenario.objects.none()
    permission_classes = [IsAuthenticated]
    lookup_field = "slug"
    lookup_value_converter = "slug"
    filter_backends: list = []

    def get_queryset(self):
        if self.action == "list":
            query = serializers.ScenarioListQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            return selectors.scenarios(**query.validated_data)
        return selectors.scenarios()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ScenarioDetailSerializer
        return serializers.ScenarioSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        if user.is_authenticated:
            context["premium_allowed"] = selectors.premium_scenarios_allowed(user)
        return context


@extend_schema_view(
    post=extend_schema(
        tags=TAGS,
        operation_id="conversations_scenarios_context",
        summary="AI context for a scenario at a difficulty (asynchronous)",
        description=(
            "Queues a `conversations.scenario_context` generation for the scenario at "
            "`difficulty` (green, yellow or red; `difficulty_level` is accepted in its "
            "place). Answers 202 with the generation's `id`, `status` and `status_url`, and "
            "the same `generation` link the other AI-starting endpoints give; its output is "
            "`{situation, partner_hint, suggested_openers[], tips[]}`.\n\n"
            "Refusals, in order: an unknown or inactive slug 404; before onboarding's age "
            "check is passed 403 `age_restricted`; a premium scenario on a plan without "
            "premium scenarios 403 `plan_required`; a missing or invalid `difficulty` 400. "
            f"Takes {SCENARIO_CONTEXT.cost} unit of the AI quota: when the plan's daily "
            "units are used up, 429 `quota_exceeded` with `Retry-After` (seconds until "
            "midnight UTC)."
        ),
        request=serializers.ScenarioContextRequestSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={202: serializers.ScenarioContextAcceptedSerializer, 429: AI_QUOTA_EXCEEDED},
    )
)
class ScenarioContextView(APIView):
    """Start the AI context of one scenario at one difficulty."""

    error_codes = {403: PRACTICE_403}

    permission_classes = [IsAuthenticated]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, AIThrottle]

    @idempotent
    def post(self, request, slug: str):
        scenario = get_object_or_404(selectors.scenarios(), slug=slug)
        services.practice_require(user=request.user, scenario=scenario)
        serializer = serializers.ScenarioContextRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        generation = services.scenario_context_request(
            user=request.user,
            scenario=scenario,
            difficulty=serializer.validated_data["difficulty"],
        )
        return accepted_object(
            request,
            id=generation.pk,
            status_value=generation.status,
            url=request.build_absolute_uri(reverse("ai:generation-detail", args=[generation.pk])),
            generation=generation,
        )


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="conversations_quota",
        summary="Today's practice conversations in the caller's time zone",
        description=(
            "`day` is today in the caller's profile time zone (`time_zone`); `limit` the "
            "plan's practice conversations a day (null: unlimited), `used` those started "
            "today, `remaining` what is left. `resets_at` is the next local midnight as a "
            "UTC instant: 23 or 25 hours after the previous one on a day with a DST change."
        ),
        responses={200: serializers.PracticeQuotaSerializer},
    )
)
class PracticeQuotaView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        state = selectors.practice_quota(request.user)
        return Response(serializers.PracticeQuotaSerializer(state).data)
