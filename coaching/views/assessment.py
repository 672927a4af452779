"""The assessment API: the current questionnaire, submitting it, and the caller's results."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from ai.responses import accepted_object
from core.exceptions import NotFound
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.pagination import CursorPagination
from core.permissions import OwnedQuerysetMixin
from core.schema import AI_QUOTA_EXCEEDED
from core.throttles import AIThrottle

from ..models import NOTE_MAX_LENGTH
from ..selectors import assessment as selectors
from ..serializers.assessment import (
    QuestionnaireSerializer,
    ResultDetailSerializer,
    ResultSerializer,
    SubmitAcceptedSerializer,
    SubmitSerializer,
)
from ..services import assessment as services

TAGS = ["coaching"]


def _current_questionnaire():
    questionnaire = selectors.current_questionnaire()
    if questionnaire is None:
        raise NotFound("No questionnaire is published yet.", code="no_questionnaire")
    return questionnaire


class QuestionnaireView(APIView):
    """The questionnaire members take now."""

    error_codes = {404: ["no_questionnaire"]}

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="coaching_assessment",
        summary="The current assessment questionnaire",
        description="The published questionnaire with the highest version, questions in "
        "order. Answer a question by its `id`: `single_choice` with one choice `value`, "
        "`multiple_choice` with a list of distinct values, `scale` with an integer from its "
        "`min` to its `max` (1-5; `min_label` and `max_label` say what the ends mean; "
        "null on other types), `text` with free text. 404 `no_questionnaire` when none is "
        "published.",
        responses={200: QuestionnaireSerializer},
    )
    def get(self, request):
        return Response(QuestionnaireSerializer(_current_questionnaire()).data)


class SubmitView(APIView):
    """Submit answers: scored at once, analysed by the AI afterwards."""

    error_codes = {
        404: ["no_questionnaire"],
        429: ["quota_exceeded"],
        400: {
            "answers": ["too_many_answers"],
            "answers.*": [
                "duplicate",
                "empty",
                "invalid",
                "invalid_choice",
                "max_length",
                "not_a_list",
                "out_of_range",
                "required",
                "unknown_question",
            ],
            "version": ["stale_version"],
        },
    }

    permission_classes = [IsAuthenticated]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, AIThrottle]

    @extend_schema(
        tags=TAGS,
        operation_id="coaching_assessment_submit",
        summary="Submit the assessment (scores at once, AI analysis asynchronous)",
        description=(
            "`version` must be the current questionnaire's (else 400 `stale_version` on "
            "`version`); every answer is checked and every problem reported at once, as "
            "`answers.<question id>`: `unknown_question`, `required`, `invalid_choice`, "
            "`not_a_list`, `empty`, `duplicate`, `invalid`, `out_of_range`, `max_length`. "
            "The result is stored with its scores (see coaching/scoring.py: each dimension "
            "0-100 against the most reachable in that version; archetype, ai_interest and "
            "learning_style derived from them) and a `coaching.assessment_analysis` "
            "generation is queued.\n\n"
            "Answers 202 with the result's `id`, `status` (its `analysis_status`) and "
            "`status_url` (the result: poll until `analysis_status` is `ready` or "
            "`failed`), and the `generation` with its own `status_url`. When the AI quota "
            "is used up the submission is still stored and accepted, with `status` "
            "`failed` and `generation` null: the scores need no AI and the answers are "
            "never lost. 404 `no_questionnaire` when none is published."
        ),
        request=SubmitSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            202: SubmitAcceptedSerializer,
            404: OpenApiResponse(description="`no_questionnaire`"),
            429: AI_QUOTA_EXCEEDED,
        },
    )
    @idempotent
    def post(self, request):
        questionnaire = _current_questionnaire()
        serializer = SubmitSerializer(data=request.data, context={"questionnaire": questionnaire})
        serializer.is_valid(raise_exception=True)
        result = services.assessment_submit(
            user=request.user,
            questionnaire=questionnaire,
            answers=serializer.validated_data["answers"],
        )
        return accepted_object(
            request,
            id=result.pk,
            status_value=result.analysis_status,
            url=request.build_absolute_uri(
                reverse("coaching:assessment-result-detail", args=[result.pk])
            ),
            generation=result.generation,
        )


class LatestResultView(APIView):
    """The caller's latest result."""

    error_codes = {404: ["no_results"]}

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="coaching_assessment_results",
        summary="The caller's latest assessment result",
        description="Archetype, scores (0-100 per dimension), AI interest, learning style, "
        "the answers and the AI analysis (null until `analysis_status` is `ready`). "
        "404 `no_results` before the first submission.",
        responses={200: ResultDetailSerializer},
    )
    def get(self, request):
        result = selectors.latest_result(request.user)
        if result is None:
            raise NotFound("You have not taken the assessment yet.", code="no_results")
        return Response(ResultDetailSerializer(result).data)


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="coaching_assessment_results_history",
        summary="The caller's assessment results, newest first (cursor-paginated)",
    )
)
class ResultHistoryView(OwnedQuerysetMixin, generics.ListAPIView):
    """Every result of the caller's, newest first."""

    serializer_class = ResultSerializer
    pagination_class = CursorPagination

    def get_base_queryset(self):
        return selectors.results_of(self.request.user)


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="coaching_assessment_result",
        summary="One of the caller's assessment results",
    ),
    put=extend_schema(
        tags=TAGS,
        operation_id="coaching_assessment_result_update",
        summary="Write the caller's notes on one of their results",
        description="`notes` is required (blank clears them) and is the only field that "
        f"changes; at most {NOTE_MAX_LENGTH} characters, trimmed. Another member's result "
        "is a 404.",
    ),
    patch=extend_schema(
        tags=TAGS,
        operation_id="coaching_assessment_result_partial_update",
        summary="Change the caller's notes on one of their results",
        description="As PUT, with `notes` optional.",
    ),
)
class ResultDetailView(OwnedQuerysetMixin, generics.RetrieveUpdateAPIView):
    """One of the caller's results, and their notes on it; another member's is a 404."""

    serializer_class = ResultDetailSerializer

    def get_base_queryset(self):
        return selectors.results_of(self.request.user)

    def perform_update(self, serializer):
        result = serializer.instance
        serializer.instance = services.assessment_result_notes_set(
            result=result, notes=serializer.validated_data.get("notes", result.notes)
        )
