"""A urlconf for core's tests: tiny views that exercise the shared mechanisms (error
envelope, pagination, idempotency) without depending on any domain app's endpoints.

Use it with ``@pytest.mark.urls("core.tests.urls")``.
"""

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts.models import Consent, Profile, User
from core.exceptions import Conflict, DomainError, ServiceUnavailable, TooManyRequests
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.models import AuditEntry
from core.pagination import CursorPagination, PageNumberPagination
from core.permissions import OwnedQuerysetMixin


class OpenView(APIView):
    """No authentication, permission or throttling in the way of what a test exercises."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []


# --- Error envelope -----------------------------------------------------------------------


class EchoView(OpenView):
    def post(self, request):
        return Response(request.data)


class MissingView(OpenView):
    def get(self, request):
        raise Http404("No such thing.")


class OncePerMinuteThrottle(AnonRateThrottle):
    # An explicit rate, so the test does not depend on THROTTLE_RATES read at import.
    scope = "core-tests-once"
    rate = "1/min"


class ThrottledView(OpenView):
    throttle_classes = [OncePerMinuteThrottle]

    def get(self, request):
        return Response({"ok": True})


class DomainErrorView(OpenView):
    def post(self, request):
        raise DomainError("Titles must be unique.", code="duplicate", attr="title")


class DomainErrorFieldsView(OpenView):
    def post(self, request):
        raise DomainError(
            "The booking is invalid.",
            code="invalid_booking",
            fields={"starts_at": "Must be in the future.", "coach": "Not available."},
        )


class ConflictView(OpenView):
    def post(self, request):
        raise Conflict("The slot was just taken.", code="slot_taken")


class LimitView(OpenView):
    def post(self, request):
        raise TooManyRequests("Ten exports a day.", code="export_limit", wait=41.2)


class UnavailableView(OpenView):
    def get(self, request):
        raise ServiceUnavailable("Payments are not configured.", code="payments_unavailable")


class CrashView(OpenView):
    def get(self, request):
        raise RuntimeError("database password is hunter2")


def django_crash(request):
    raise RuntimeError("database password is hunter2")


# --- Pagination ---------------------------------------------------------------------------


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email"]


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = ["id", "display_name"]


class UserPageView(generics.ListAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    queryset = User.objects.order_by("email")
    serializer_class = UserSerializer
    pagination_class = PageNumberPagination


class ProfileCursorView(generics.ListAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    queryset = Profile.objects.all()
    serializer_class = ProfileSerializer
    pagination_class = CursorPagination


# --- Idempotency --------------------------------------------------------------------------


class NoteInput(serializers.Serializer):
    target = serializers.CharField(max_length=64)


def _create_note(request) -> Response:
    """Writes one row per call, so a test can count how many times the write really ran."""
    note = NoteInput(data=request.data)
    note.is_valid(raise_exception=True)
    target = note.validated_data["target"]
    if target == "boom":
        raise RuntimeError("the write failed half way")
    actor = request.user if request.user.is_authenticated else None
    entry = AuditEntry.objects.create(
        actor=actor, action=AuditEntry.Action.ADD, target_type="note", target_id=target
    )
    return Response(
        {"id": entry.id, "target": target, "at": entry.at},
        status=status.HTTP_201_CREATED,
        headers={"Location": f"/notes/{entry.id}/"},
    )


class NoteView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(request=NoteInput, responses={201: None}, parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @idempotent
    def post(self, request):
        return _create_note(request)


class NoteViewSet(viewsets.ViewSet):
    permission_classes = [AllowAny]
    throttle_classes = []

    @idempotent
    def create(self, request):
        return _create_note(request)


# --- Owner scoping ------------------------------------------------------------------------


class ConsentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consent
        fields = ["id", "kind", "granted"]
        read_only_fields = ["id"]


class OwnedConsentViewSet(
    OwnedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Consent.objects.all()
    serializer_class = ConsentSerializer
    throttle_classes = []


urlpatterns = [
    path("owned/", OwnedConsentViewSet.as_view({"get": "list", "post": "create"})),
    path(
        "owned/<uuid:pk>/",
        OwnedConsentViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
    ),
    path("echo/", EchoView.as_view()),
    path("missing/", MissingView.as_view()),
    path("throttled/", ThrottledView.as_view()),
    path("domain-error/", DomainErrorView.as_view()),
    path("domain-error/fields/", DomainErrorFieldsView.as_view()),
    path("conflict/", ConflictView.as_view()),
    path("limit/", LimitView.as_view()),
    path("unavailable/", UnavailableView.as_view()),
    path("crash/", CrashView.as_view()),
    path("django-crash/", django_crash),
    path("users/", UserPageView.as_view()),
    path("profiles/", ProfileCursorView.as_view()),
    path("notes/", NoteView.as_view()),
    path("notes/other/", NoteView.as_view()),
    path("note-set/", NoteViewSet.as_view({"post": "create"})),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
