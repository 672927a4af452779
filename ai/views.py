"""The AI API (docs/API.md, ai): the caller's generations, retry of a failed one, usage against
the plan's quota, and the 202 endpoint of the gateway's own summary feature."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.pagination import CursorPagination
from core.permissions import OwnedQuerysetMixin
from core.schema import AI_QUOTA_EXCEEDED
from core.throttles import AIThrottle

from . import selectors, serializers, services
from .ai_features import TEXT_SUMMARY
from .filters import GenerationFilter
from .responses import accepted

AI_THROTTLES = [*api_settings.DEFAULT_THROTTLE_CLASSES, AIThrottle]
QUOTA_NOTE = (
    " Takes the feature's quota units: when the plan's daily quota is used up the answer is "
    "429 `quota_exceeded` with `Retry-After` (seconds until midnight UTC)."
)


@extend_schema_view(
    list=extend_schema(
        tags=["ai"],
        summary="The caller's generations, newest first",
        responses={200: serializers.GenerationSerializer(many=True)},
    ),
    retrieve=extend_schema(
        tags=["ai"],
        summary="One generation: status, structured output, error",
        responses={200: serializers.GenerationDetailSerializer},
    ),
)
class GenerationViewSet(
    OwnedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    error_codes = {"retry": {403: ["plan_required"]}}

    throttle_classes = AI_THROTTLES
    pagination_class = CursorPagination
    filterset_class = GenerationFilter

    def get_base_queryset(self):
        return selectors.generations()

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.GenerationSerializer
        return serializers.GenerationDetailSerializer

    @extend_schema(
        tags=["ai"],
        request=None,
        responses={
            202: serializers.GenerationAcceptedSerializer,
            409: OpenApiResponse(
                serializers.ConflictErrorResponseSerializer,
                "`not_retryable`: the generation has not failed (or is a streamed reply); "
                "`input_expired`: its input was cleared by retention.",
            ),
            429: AI_QUOTA_EXCEEDED,
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        summary="Run a failed generation again",
        description="Only a failed generation can be retried; it is queued again with its "
        "own input. A feature that needs a plan (a development plan, a career tool) needs it "
        "still: else 403 `plan_required` naming the plan." + QUOTA_NOTE,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def retry(self, request, pk=None):
        generation = services.generation_retry(generation=self.get_object())
        return accepted(request, generation)


class UsageView(APIView):
    throttle_classes = AI_THROTTLES

    @extend_schema(
        tags=["ai"],
        responses={200: serializers.UsageSerializer},
        summary="Today's and this month's AI use per feature against the plan's quota",
    )
    def get(self, request):
        return Response(serializers.UsageSerializer(selectors.usage_for(request.user)).data)


class TextSummaryView(APIView):
    throttle_classes = AI_THROTTLES

    @extend_schema(
        tags=["ai"],
        request=serializers.TextSummaryRequestSerializer,
        responses={202: serializers.GenerationAcceptedSerializer, 429: AI_QUOTA_EXCEEDED},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        summary="Summarise a text into a title and key points (asynchronous)",
        description="Queues an `ai.text_summary` generation; its output is "
        "`{title, bullets: [...]}`." + QUOTA_NOTE,
    )
    @idempotent
    def post(self, request):
        serializer = serializers.TextSummaryRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        generation = services.generate(
            user=request.user, feature=TEXT_SUMMARY.name, inputs=serializer.validated_data
        )
        return accepted(request, generation)
