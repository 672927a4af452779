"""Members to connect with, and AI suggestions for the caller's own profile."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from ai.responses import accepted
from ai.serializers import GenerationAcceptedSerializer
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.schema import AI_QUOTA_EXCEEDED
from core.throttles import AIThrottle

from ..serializers.recommendations import (
    FOCUS_MAX_LENGTH,
    ProfileOptimizeRequestSerializer,
    RecommendationsSerializer,
    RecommendationStateSerializer,
)
from ..services import recommendations as services
from .posts import CommunityWriteThrottle

TAGS = ["community"]


class RecommendationsView(APIView):
    """Members the caller may want to connect with, best first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["community"],
        operation_id="community_recommendations",
        summary="Members to connect with, with confidence and reasons",
        description=(
            "Other active members listed in the directory (never the caller, nor anyone "
            "either side has blocked), scored from the overlap of onboarding goals (weight "
            "0.35, share of the caller's goals), primary skills (0.30, share of the caller's "
            "skills), industry (0.20, case-insensitive equality) and tier (0.15 for the same "
            "tier, 0.10 for a tier one rank away) into `confidence` in [0, 1]. Members with "
            "nothing in common are left out; the best `COMMUNITY_RECOMMENDATIONS_LIMIT` "
            "(default 10) are returned, ties ordered by member id.\n\n"
            "Each carries a one-sentence `reason`. The AI writes them at most once a day "
            "(UTC) per caller, never while this request waits: the first request of the day "
            "answers at once with reasons built from the overlaps (`reason_source: "
            "template`) and queues the AI generation (`reasons_pending: true`; it takes one "
            "unit of the `community.connection_reasons` quota). Once it has finished, the "
            "same list is answered with the AI's sentences (`reason_source: ai`) for the rest "
            "of the day. When the quota is used up, the generation fails, or the list changes "
            "after it was asked, the built reasons stay until the next day: this endpoint "
            "never answers 429 for the AI's sake.\n\n"
            "Shared goals and skills come as `{value, label}`: `value` is the onboarding "
            "slug (`career_growth`), `label` what to show (`Grow my career`); the built "
            "sentences and the AI use the labels. `is_applied` / `applied_at`: the caller "
            "applied this member with `POST /community/recommendations/{member_id}/apply`."
        ),
        responses={200: RecommendationsSerializer},
    )
    def get(self, request):
        recommendations = services.recommendations_for(viewer=request.user)
        return Response(RecommendationsSerializer(recommendations).data)


class ProfileOptimizeView(APIView):
    """Queue AI suggestions for the caller's own profile."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, AIThrottle]

    @extend_schema(
        tags=["community"],
        operation_id="community_profile_optimize",
        summary="AI suggestions for the caller's profile (asynchronous)",
        description=(
            "Queues a `community.profile_optimize` generation from the caller's profile "
            "(display name, headline, company, position, industry, focus areas), onboarding "
            "goals, skills and experience level, and tier, steered by the optional `focus` "
            f"(at most {FOCUS_MAX_LENGTH} characters). Answers 202 with the generation's "
            "`status_url`; its output is `{summary, suggestions: [{field, current, "
            "suggested, why}], headline_options: [...]}`, where `field` is one of headline, "
            "company, position, industry, display_name, focus_areas. Nothing is changed on "
            "the profile: the member applies what they like with `PATCH /me/profile`. Takes "
            "one quota unit: when the plan's daily quota is used up the answer is 429 "
            "`quota_exceeded` with `Retry-After` (seconds until midnight UTC)."
        ),
        request=ProfileOptimizeRequestSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            202: GenerationAcceptedSerializer,
            429: AI_QUOTA_EXCEEDED,
        },
    )
    @idempotent
    def post(self, request):
        serializer = ProfileOptimizeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        generation = services.profile_optimize_request(
            user=request.user, focus=serializer.validated_data.get("focus", "")
        )
        return accepted(request, generation)


APPLY_NOT_FOUND = (
    "404 for an unknown member, the caller themself, and a member the recommendations "
    "could not list: not in the directory, inactive, blocked either way, or with nothing "
    "in common with the caller. A member outside the best few of today's list still counts."
)


@extend_schema_view(
    post=extend_schema(
        tags=TAGS,
        operation_id="community_recommendations_apply",
        summary="Apply a recommended member (idempotent)",
        description=(
            "Marks the member as applied: `is_applied` is true for them in "
            "`GET /community/recommendations` from now on. Answers 200 with the state, the "
            "first time and every time after, keeping the first `applied_at`. " + APPLY_NOT_FOUND
        ),
        request=None,
        responses={200: RecommendationStateSerializer},
    ),
    delete=extend_schema(
        tags=TAGS,
        operation_id="community_recommendations_unapply",
        summary="Take back an applied recommendation (idempotent)",
        description=(
            "204 whether or not the member was applied; afterwards `is_applied` is false. "
            + APPLY_NOT_FOUND
        ),
        request=None,
        responses={204: None},
    ),
)
class RecommendationApplyView(APIView):
    """The caller's applied state of one recommended member."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, CommunityWriteThrottle]

    def post(self, request, member_id):
        item = services.recommendation_apply(viewer=request.user, member_id=member_id)
        return Response(RecommendationStateSerializer(item).data)

    def delete(self, request, member_id):
        services.recommendation_unapply(viewer=request.user, member_id=member_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
