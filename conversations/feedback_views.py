"""Ending a practice conversation, its scored feedback and the member's skill history
(docs/API.md, "conversations"): ``POST /conversations/{id}/end``, ``GET
/conversations/{id}/feedback``, ``POST /conversations/{id}/feedback/retry`` and ``GET
/conversations/skills``. Overall score, bands and XP are the server's
(``conversations.scoring``), never the model's."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from ai.responses import accepted_object
from ai.serializers import GenerationAcceptedSerializer
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.schema import AI_QUOTA_EXCEEDED
from core.throttles import AIThrottle

from . import scoring
from .ai_features import FEEDBACK
from .models import Conversation, Feedback
from .services import feedback as feedback_services

TAGS = ["conversations"]
DEFAULT_DATE_RANGE = 90
MAX_DATE_RANGE = 365


# --- shapes ----------------------------------------------------------------------------------


class FeedbackEvidenceSerializer(serializers.Serializer):
    message_id = serializers.UUIDField(help_text="The member's message the quote is from.")
    quote = serializers.CharField(help_text="Verbatim from that message (checked).")
    effect = serializers.ChoiceField(choices=["positive", "negative"])


class FeedbackDimensionSerializer(serializers.Serializer):
    score = serializers.IntegerField(
        allow_null=True, min_value=0, max_value=100, help_text="null: not scored."
    )
    band = serializers.CharField(allow_null=True)
    rationale = serializers.CharField(allow_blank=True)
    evidence = FeedbackEvidenceSerializer(many=True)
    low_confidence = serializers.BooleanField(
        help_text=f"No verified evidence: the score was capped at {scoring.LOW_CONFIDENCE_CAP}."
    )


class FeedbackDimensionsSerializer(serializers.Serializer):
    """The seven dimensions by key (empty until the feedback is ready)."""

    opening_context = FeedbackDimensionSerializer(required=False)
    active_listening = FeedbackDimensionSerializer(required=False)
    emotional_intelligence = FeedbackDimensionSerializer(required=False)
    momentum = FeedbackDimensionSerializer(required=False)
    self_disclosure = FeedbackDimensionSerializer(required=False)
    boundary_respect = FeedbackDimensionSerializer(required=False)
    playful_flirtation = FeedbackDimensionSerializer(
        required=False, help_text="Score null on green and on scenarios that are not romantic."
    )


class FeedbackImprovementSerializer(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=list(scoring.DIMENSIONS))
    tip = serializers.CharField()
    evidence = serializers.CharField(
        allow_null=True, help_text="The member's words it is about (verified), or null."
    )
    try_instead = serializers.CharField(allow_blank=True)


class FeedbackKeyMomentSerializer(serializers.Serializer):
    message_id = serializers.UUIDField()
    note = serializers.CharField()


class FeedbackSerializer(serializers.ModelSerializer):
    dimensions = serializers.SerializerMethodField()
    improvements = serializers.SerializerMethodField()
    key_moments = serializers.SerializerMethodField()
    strengths = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Feedback
        fields = [
            "id",
            "status",
            "rubric_version",
            "difficulty",
            "overall_score",
            "band",
            "dimensions",
            "strengths",
            "improvements",
            "key_moments",
            "summary",
            "xp_awarded",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(FeedbackDimensionsSerializer)
    def get_dimensions(self, feedback: Feedback):
        return feedback.dimensions or {}

    @extend_schema_field(FeedbackImprovementSerializer(many=True))
    def get_improvements(self, feedback: Feedback):
        return feedback.improvements or []

    @extend_schema_field(FeedbackKeyMomentSerializer(many=True))
    def get_key_moments(self, feedback: Feedback):
        return feedback.key_moments or []


class FeedbackAcceptedSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The feedback's id.")
    status = serializers.CharField(help_text='"pending".')
    status_url = serializers.URLField(help_text="The feedback: poll it, or wait for the socket.")
    generation = GenerationAcceptedSerializer()


class SkillsQuerySerializer(serializers.Serializer):
    skill = serializers.ChoiceField(
        choices=list(scoring.SKILLS),
        required=False,
        help_text="One skill only; an unknown one is a 400 naming `skill`.",
    )
    date_range = serializers.IntegerField(
        required=False,
        default=DEFAULT_DATE_RANGE,
        min_value=1,
        max_value=MAX_DATE_RANGE,
        help_text=f"The last N days, 1-{MAX_DATE_RANGE} (default {DEFAULT_DATE_RANGE}).",
    )


class SkillPointSerializer(serializers.Serializer):
    conversation_id = serializers.UUIDField()
    score = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class SkillHistorySerializer(serializers.Serializer):
    skill = serializers.CharField()
    latest = serializers.IntegerField(allow_null=True)
    best = serializers.IntegerField(allow_null=True)
    trend = serializers.IntegerField(
        allow_null=True, help_text="The window's last score minus its first; null under two."
    )
    points = SkillPointSerializer(many=True, help_text="Oldest first.")


class SkillsSerializer(serializers.Serializer):
    date_range = serializers.IntegerField()
    since = serializers.DateTimeField()
    skills = SkillHistorySerializer(many=True)


# --- views -----------------------------------------------------------------------------------


def _practice_conversation(request, pk) -> Conversation:
    return get_object_or_404(
        Conversation.objects.select_related("feedback"),
        pk=pk,
        user=request.user,
        kind=Conversation.Kind.PRACTICE,
    )


def _feedback_of(conversation: Conversation) -> Feedback:
    try:
        return conversation.feedback
    except Feedback.DoesNotExist:
        raise Http404("This conversation has not been ended yet.") from None


def _feedback_url(request, conversation: Conversation) -> str:
    return request.build_absolute_uri(
        reverse("conversations:conversation-feedback", args=[conversation.pk])
    )


def _accepted(request, conversation: Conversation, feedback: Feedback) -> Response:
    return accepted_object(
        request,
        id=feedback.pk,
        status_value=feedback.status,
        url=_feedback_url(request, conversation),
        generation=feedback.generation,
    )


@extend_schema_view(
    post=extend_schema(
        tags=TAGS,
        operation_id="conversations_end",
        summary="End a practice conversation and ask for its feedback",
        description=(
            "Ends the conversation (`ended`, `end_reason: member`; a paused, ended, "
            "abandoned or failed one keeps its status) and creates its one feedback. A reply "
            "still queued or streaming is cancelled first.\n\n"
            "With at least 3 complete member turns, the grader is queued and the answer is "
            "202 `{id (the feedback), status: pending, status_url, generation}`; "
            "`conversation.updated` follows on the socket when the feedback is ready (or "
            "unavailable). Fewer turns, or a conversation paused by the safety checks: 200 "
            "with the feedback `insufficient` (no model call, no score, no XP). A repeat "
            "returns the same feedback (200) and never more XP. "
            f"Takes {FEEDBACK.cost} unit of the AI quota; with none left, 429 "
            "`quota_exceeded` and nothing changes. Another member's conversation or a coach "
            "thread: 404."
        ),
        request=None,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            200: FeedbackSerializer,
            202: FeedbackAcceptedSerializer,
            429: AI_QUOTA_EXCEEDED,
        },
    )
)
class ConversationEndView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, AIThrottle]

    @idempotent
    def post(self, request, pk):
        conversation = _practice_conversation(request, pk)
        ended = feedback_services.conversation_end(user=request.user, conversation=conversation)
        if ended.queued:
            return _accepted(request, conversation, ended.feedback)
        return Response(FeedbackSerializer(ended.feedback).data, status=status.HTTP_200_OK)


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="conversations_feedback_retrieve",
        summary="The feedback of an ended practice conversation",
        description=(
            "`status`: pending, ready, insufficient or unavailable (the grader failed: "
            "`POST .../feedback/retry`). `overall_score` is the weighted mean of the scored "
            "dimensions for the difficulty, capped at "
            f"{scoring.BOUNDARY_CAPPED_OVERALL} when boundary respect is below "
            f"{scoring.BOUNDARY_MIN}; the band follows from it (90 Exceptional, 80 "
            "Excellent, 70 Good, 60 Developing, 50 Needs practice, below: Learning mode). "
            "Evidence is only ever quoted verbatim from the member's own messages. 404 "
            "before `/end`."
        ),
        responses={200: FeedbackSerializer},
    )
)
class FeedbackView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, pk):
        feedback = _feedback_of(_practice_conversation(request, pk))
        return Response(FeedbackSerializer(feedback).data)


@extend_schema_view(
    post=extend_schema(
        tags=TAGS,
        operation_id="conversations_feedback_retry",
        summary="Ask the grader again for unavailable feedback",
        description=(
            "Only `unavailable` feedback (the grader refused or answered invalid output): "
            "it turns `pending` and the grader runs again (its failed generation, or a new "
            "one when that one's input is gone), 202 like `/end`; `conversation.updated` "
            "follows when it is scored. Any other status: 409 `not_retryable`. Takes "
            f"{FEEDBACK.cost} unit of the AI quota (none left: 429 `quota_exceeded`)."
        ),
        request=None,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={202: FeedbackAcceptedSerializer, 429: AI_QUOTA_EXCEEDED},
    )
)
class FeedbackRetryView(APIView):
    error_codes = {409: ["not_retryable"]}

    permission_classes = [IsAuthenticated]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, AIThrottle]

    @idempotent
    def post(self, request, pk):
        conversation = _practice_conversation(request, pk)
        feedback = feedback_services.feedback_retry(feedback=_feedback_of(conversation))
        return _accepted(request, conversation, feedback)


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="conversations_skills",
        summary="The caller's practice scores per skill over time",
        description=(
            "Each skill that practice feedback scores (from its dimensions: "
            + ", ".join(f"{dim} -> {skill}" for dim, skill in scoring.SKILL_OF_DIMENSION.items())
            + "), with `latest`, `best`, `trend` (the window's last score minus its first, "
            "null under two points) and `points` oldest first. `?skill=` keeps one skill "
            "(unknown: 400 naming `skill`); `?date_range=` the last N days, 1-365 (default "
            f"{DEFAULT_DATE_RANGE}; otherwise 400 naming `date_range`)."
        ),
        parameters=[SkillsQuerySerializer],
        responses={200: SkillsSerializer},
    )
)
class SkillsView(APIView):
    error_codes = {400: SkillsQuerySerializer}
    permission_classes = [IsAuthenticated]

    def get(self, request):
        query = SkillsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        history = feedback_services.skill_history(
            user=request.user,
            skill=query.validated_data.get("skill"),
            days=query.validated_data["date_range"],
        )
        return Response(SkillsSerializer(history).data)
