"""Staff's member management over the API (docs/API.md, community): every account, found by
name or email, tier, status and dates; one account's page; its tier and whether it is open.
Staff only (a member: 403; no credentials: 401); every page shown and every change is
written to the audit log."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_serializers import ErrorResponse403Serializer
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response

from accounts import selectors as account_selectors
from core.exceptions import NotFound

from ..selectors import admin_members as selectors
from ..serializers import admin_members as serializers
from ..services import admin_members as services
from .posts import WriteThrottledMixin

TAGS = ["community"]
NOT_STAFF = OpenApiResponse(ErrorResponse403Serializer, "The caller is not staff.")
LAST_SEEN = (
    "`last_seen` is the latest of the member's last sign-in and their last token refresh "
    "(every client refreshes its access token while it is in use), null when never seen."
)


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="community_admin_members_list",
        summary="Every account, for staff (page-numbered, with count; audited)",
        description="Staff accounts and closed ones included. Filters combine; date "
        "bounds are whole UTC days, inclusive, and a bound before its partner is a 400 "
        "naming the later one (`invalid_range`). " + LAST_SEEN + " Each member shown is "
        "written to the audit log as viewed.",
        parameters=[serializers.StaffMemberQuerySerializer],
        responses={200: serializers.StaffMemberSerializer(many=True), 403: NOT_STAFF},
    )
)
class StaffMemberListView(GenericAPIView):
    """Every account, newest first by default."""

    error_codes = {
        400: serializers.StaffMemberQuerySerializer,
        "get": {400: {"joined_before": ["invalid_range"], "last_seen_before": ["invalid_range"]}},
    }

    permission_classes = [IsAdminUser]
    serializer_class = serializers.StaffMemberSerializer
    filter_backends: list = []
    queryset = get_user_model().objects.none()  # the schema's; get() asks the selector

    def get(self, request):
        query = serializers.StaffMemberQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.members_for_staff(**query.validated_data))
        services.members_listed(actor=request.user, members=page, request=request)
        context = {**self.get_serializer_context(), "plans": account_selectors.plans_for(page)}
        rows = self.serializer_class(page, many=True, context=context).data
        return self.get_paginated_response(rows)


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        operation_id="community_admin_members_retrieve",
        summary="One account, for staff (audited)",
        description="The list's row. " + LAST_SEEN,
        responses={200: serializers.StaffMemberSerializer, 403: NOT_STAFF},
    ),
    patch=extend_schema(
        tags=TAGS,
        operation_id="community_admin_members_update",
        summary="Change a member's tier or open or close their account (staff only; audited)",
        description="`tier`: a tier's slug, or null for none (as "
        "`PATCH /community/members/{id}/tier`). `is_active: false` closes the account: its "
        "refresh tokens are revoked, its access tokens refused from the next request and "
        "its sockets closed; `true` reopens it. Staff may not close their own account "
        "(400 `cannot_deactivate_self` naming `is_active`), nor reopen one waiting for its "
        "erasure (400 `erasure_requested`). Fields left out stay as they are; changes are "
        "all or nothing, and each one is written to the audit log.",
        request=serializers.StaffMemberUpdateSerializer,
        responses={200: serializers.StaffMemberSerializer, 403: NOT_STAFF},
    ),
)
class StaffMemberView(WriteThrottledMixin, GenericAPIView):
    """One account: staff read it and change its tier and whether it is open."""

    error_codes = {
        "patch": {400: {"is_active": ["cannot_deactivate_self", "erasure_requested"]}},
    }

    permission_classes = [IsAdminUser]
    serializer_class = serializers.StaffMemberSerializer
    queryset = get_user_model().objects.none()  # the schema's; the methods ask the selector

    def get(self, request, pk):
        member = self._member(pk)
        services.member_viewed(actor=request.user, member=member, request=request)
        return Response(self.get_serializer(member).data)

    def patch(self, request, pk):
        member = self._member(pk)
        changes = serializers.StaffMemberUpdateSerializer(data=request.data)
        changes.is_valid(raise_exception=True)
        services.member_update(
            member=member, actor=request.user, request=request, **changes.validated_data
        )
        return Response(self.get_serializer(self._member(pk)).data)

    def _member(self, pk):
        member = selectors.member_for_staff(pk)
        if member is None:
            raise NotFound("No such member.")
        return member
