"""The member directory (docs/API.md, community): listed members with search and a tier
filter, a member's public profile, the staff's tier change, and the tiers."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_serializers import ErrorResponse403Serializer
from rest_framework import mixins, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..filters import MemberFilter
from ..selectors import directory as selectors
from ..serializers import directory as serializers
from ..services import directory as services

TAGS = ["community"]


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="The member directory (page-numbered, with count)",
        description="Ordered by display name; with `search` on PostgreSQL, by relevance "
        "(name matches above company matches above position matches), then by name.",
    ),
    retrieve=extend_schema(tags=TAGS, summary="A member's public profile"),
)
class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Members whose profile lists them in the directory (``directory_visibility`` =
    ``members``) and whose account is active, the caller included when listed. A member
    who is not listed is a 404, exactly like one who does not exist."""

    lookup_value_converter = "uuid"  # the router's <uuid:pk>
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.DirectoryMemberSerializer
    filterset_class = MemberFilter

    def get_queryset(self):
        return selectors.listed_members()


class MemberTierView(APIView):
    """Staff only: set a member's tier. Any existing account may be given a tier, listed in
    the directory or not."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        tags=TAGS,
        request=serializers.TierChangeSerializer,
        responses={
            200: serializers.MembershipSerializer,
            403: OpenApiResponse(ErrorResponse403Serializer, "The caller is not staff."),
        },
        summary="Set a member's tier (staff only; audited)",
        description="`{tier: slug}` gives the member that tier, `{tier: null}` takes it "
        "away; the membership is created when the member has none. A change sets "
        "`tier_changed_at` and is written to the staff audit log; setting the tier the "
        "member already has changes nothing. An unknown slug is a 400 naming `tier` "
        "(`does_not_exist`).",
    )
    def patch(self, request, pk):
        member = get_object_or_404(get_user_model(), pk=pk)
        serializer = serializers.TierChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_set_tier(
            user=member,
            tier=serializer.validated_data["tier"],
            actor=request.user,
            request=request,
            via="api",
        )
        return Response(serializers.MembershipSerializer(membership).data)


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="The membership tiers, most senior first")
)
class TierViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The tiers staff defined, most senior first."""

    permission_classes = [IsAuthenticated]
    serializer_class = serializers.TierSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.tiers()
