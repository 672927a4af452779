"""The notifications API (docs/API.md, notifications): the inbox, its read state, the member's
per-kind preferences, and the unsubscribe link of emails."""

import hashlib

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import CursorPagination
from core.parsers import JSONParser
from core.permissions import OwnedQuerysetMixin
from core.throttles import SettingsRateThrottle

from . import selectors, serializers, services

TAGS = ["notifications"]

UNREAD_PARAMETER = OpenApiParameter(
    "unread",
    OpenApiTypes.BOOL,
    description="true: only unread notifications; false: only read ones.",
)
LINK_DESCRIPTION = "The signed token of the emailed link."


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        parameters=[UNREAD_PARAMETER],
        summary="The inbox, newest first (cursor-paginated)",
    )
)
@extend_validation_errors(["invalid"], field_name="unread", actions=["list"])
class NotificationViewSet(OwnedQuerysetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's inbox; another member's notification is a 404."""

    error_codes = {"list": {400: serializers.InboxQuerySerializer}}

    lookup_value_converter = "uuid"  # the router's <uuid:pk>
    serializer_class = serializers.NotificationSerializer
    pagination_class = CursorPagination

    def get_base_queryset(self):
        unread = None
        if self.action == "list":
            query = serializers.InboxQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            unread = query.validated_data["unread"]
        return selectors.inbox(unread=unread)

    @extend_schema(
        tags=TAGS,
        request=None,
        responses={200: serializers.NotificationSerializer},
        summary="Mark one notification read (idempotent)",
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        tags=TAGS,
        request=None,
        responses={200: serializers.ReadAllSerializer},
        summary="Mark every unread notification read",
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = services.notifications_mark_all_read(user=request.user)
        return Response({"marked": marked})

    @extend_schema(
        tags=TAGS,
        responses={200: serializers.UnreadCountSerializer},
        summary="How many notifications are unread",
    )
    @action(detail=False, url_path="unread-count")
    def unread_count(self, request):
        return Response({"count": selectors.unread_count(user=request.user)})


class PreferencesView(APIView):
    """Per kind: in the inbox (``in_app``) and by ``email``. The profile's
    ``in_app_notifications`` / ``email_notifications`` switches, when off, silence every
    non-essential kind whatever is chosen here; essential kinds are always on."""

    # Keys are notification kinds: an unknown one, or switching off an essential one.
    error_codes = {400: {"*": ["unknown_kind", "essential"]}}

    @extend_schema(
        tags=TAGS,
        responses={200: serializers.NotificationPreferencesSerializer},
        summary="The caller's notification preferences, per kind",
    )
    def get(self, request):
        return Response(selectors.preferences_for(request.user))

    @extend_schema(
        tags=TAGS,
        request=serializers.NotificationPreferencesUpdateSerializer,
        responses={200: serializers.NotificationPreferencesSerializer},
        summary="Change some kinds' channels; essential kinds cannot be switched off",
        description='Send only what changes, e.g. `{"welcome": {"email": false}}`. An '
        "unknown kind is a 400 naming it; switching off a channel of an essential kind is a "
        "400 naming `<kind>.<channel>`, and then nothing is changed.",
    )
    def patch(self, request):
        serializer = serializers.NotificationPreferencesUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.preferences_update(user=request.user, changes=serializer.validated_data)
        return Response(selectors.preferences_for(request.user))


class UnsubscribeThrottle(SettingsRateThrottle):
    """The anonymous rate, counted per link rather than per client IP: one-click
    unsubscribes (RFC 8058) come from a mailbox provider's few servers on behalf of many
    members. Forged tokens fail their signature check, which costs next to nothing."""

    scope = "anon"
    cache_format = "throttle_unsubscribe_%(ident)s"

    def get_cache_key(self, request, view):
        token = _token_of(request)
        ident = (
            hashlib.sha256(token.encode()).hexdigest()[:32] if token else self.get_ident(request)
        )
        return self.cache_format % {"ident": ident}


def _token_of(request) -> str:
    token = request.query_params.get("token")
    if not token and request.method == "POST" and hasattr(request.data, "get"):
        token = request.data.get("token")
    return token if isinstance(token, str) else ""


@extend_validation_errors(["required", "blank", "max_length", "invalid", "expired"], "token")
class UnsubscribeView(APIView):
    """The link in every non-essential email: switches that kind's email off for the member
    the signed token names. No sign-in: the token is the credential, so no other
    credentials are read (a mail client's stale cookie or header changes nothing)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [UnsubscribeThrottle]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def _unsubscribe(self, request):
        token = _token_of(request)
        serializer = serializers.UnsubscribeSerializer(data={"token": token} if token else {})
        serializer.is_valid(raise_exception=True)
        _, kind = services.unsubscribe(token=serializer.validated_data["token"])
        return Response(
            {
                "kind": kind.name,
                "email": False,
                "detail": f"You will no longer receive emails about: {kind.description}",
            }
        )

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter("token", OpenApiTypes.STR, required=True, description=LINK_DESCRIPTION)
        ],
        responses={200: serializers.UnsubscribedSerializer},
        summary="Unsubscribe from one kind of email (the emailed link; no sign-in)",
    )
    def get(self, request):
        return self._unsubscribe(request)

    @extend_schema(
        tags=TAGS,
        parameters=[OpenApiParameter("token", OpenApiTypes.STR, description=LINK_DESCRIPTION)],
        request=serializers.OneClickUnsubscribeSerializer,
        responses={200: serializers.UnsubscribedSerializer},
        summary="One-click unsubscribe (RFC 8058): the same, by POST",
        description="Mailbox providers POST `List-Unsubscribe=One-Click` (form-encoded) to "
        "the URL of the `List-Unsubscribe` header, token in the query string.",
    )
    def post(self, request):
        return self._unsubscribe(request)
