"""The billing API (docs/API.md, "billing"). Doorways: permission, input, one service or selector.
Every endpoint that needs Stripe answers 503 ``billing_unavailable`` without keys. The plans
list, the member's subscription summary and staff's grants read and write local rows only,
so they work without keys: a laptop shows what each plan includes, and staff can give a
member a plan with no Stripe at all."""

from __future__ import annotations

from django.http import JsonResponse
from djstripe.models import Price
from djstripe.views import ProcessWebhookView
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_serializers import ErrorResponse403Serializer
from rest_framework import generics, mixins, status, viewsets
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import parsers
from core.exceptions import error_body
from core.idempotency import HEADER, IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.pagination import PageNumberPagination

from . import selectors, serializers, services
from .filters import GrantFilter
from .models import PlanGrant

STAFF_ONLY = OpenApiResponse(ErrorResponse403Serializer, "The caller is not staff.")


def _client_key(request: Request) -> str | None:
    return request.headers.get(HEADER) or None


class BillingView(APIView):
    # Without Stripe keys every operation here answers 503 billing_unavailable; a Stripe
    # outage is stripe_unavailable; Stripe refusing a request names its parameter.
    error_codes = {
        503: ["billing_unavailable", "stripe_unavailable"],
        400: {"payment_method": ["card_declined"], "*": ["stripe_invalid_request"]},
    }
    permission_classes = [IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A method the view does not answer stays a 405, configured or not.
        if hasattr(self, request.method.lower()) and request.method.lower() != "options":
            services.require_configured()


class PlanListView(generics.ListAPIView):
    """Every plan of the table, cheapest first: one row per price on sale (a plan no price
    sells has one row with ``id`` null), each with the plan's features, limits and AI
    quotas."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    queryset = Price.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = serializers.PlanPriceSerializer

    def get_queryset(self):
        return selectors.plan_rows()


class SubscriptionView(APIView):
    """Reads local rows only: answers without Stripe keys (the plan from grants, the
    subscription's fields null)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=serializers.SubscriptionSerializer,
        description="The caller's plan and where it comes from (`source`: `subscription`, "
        "`grant`, or null for the default plan), their current subscription (`status`, "
        "`subscription`, `price`, `current_period_end`, `cancel_at_period_end`; null "
        "without one) and their richest grant in force (`grant`, or null).",
    )
    def get(self, request: Request) -> Response:
        summary = services.subscription_summary(request.user)
        return Response(serializers.SubscriptionSerializer(summary).data)


class CheckoutSessionView(BillingView):
    error_codes = {400: {"price": ["invalid_price"]}, 409: ["already_subscribed"]}

    @extend_schema(
        request=serializers.PriceInputSerializer,
        responses={201: serializers.CheckoutSessionSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = serializers.PriceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.checkout_session_create(
            user=request.user, price=data.validated_data["price"], client_key=_client_key(request)
        )
        return Response(session, status=status.HTTP_201_CREATED)


class PortalSessionView(BillingView):
    @extend_schema(
        request=serializers.PortalInputSerializer, responses={201: serializers.UrlSerializer}
    )
    def post(self, request: Request) -> Response:
        data = serializers.PortalInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.portal_session_create(
            user=request.user, flow=data.validated_data.get("flow", "")
        )
        return Response(session, status=status.HTTP_201_CREATED)


class SubscriptionChangeView(BillingView):
    error_codes = {
        400: {"price": ["invalid_price", "unchanged"]},
        409: ["no_subscription"],
    }

    @extend_schema(
        request=serializers.PriceInputSerializer,
        responses=serializers.SubscriptionSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = serializers.PriceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        summary = services.subscription_change(
            user=request.user, price=data.validated_data["price"], client_key=_client_key(request)
        )
        return Response(serializers.SubscriptionSerializer(summary).data)


class SubscriptionCancelView(BillingView):
    error_codes = {409: ["no_subscription"]}

    @extend_schema(
        request=serializers.CancelInputSerializer, responses=serializers.SubscriptionSerializer
    )
    def post(self, request: Request) -> Response:
        data = serializers.CancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        summary = services.subscription_cancel(
            user=request.user, immediately=data.validated_data["immediately"]
        )
        return Response(serializers.SubscriptionSerializer(summary).data)


class InvoiceListView(BillingView, generics.ListAPIView):
    serializer_class = serializers.InvoiceSerializer

    def get_queryset(self):
        return selectors.invoices_of(self.request.user)


class PaymentListView(BillingView, generics.ListAPIView):
    serializer_class = serializers.PaymentSerializer

    def get_queryset(self):
        return selectors.payments_of(self.request.user)


class PaymentIntentCreateView(BillingView):
    error_codes = {400: {"purpose": ["invalid_choice"]}}

    @extend_schema(
        request=serializers.PaymentIntentInputSerializer,
        responses={201: serializers.PaymentIntentSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = serializers.PaymentIntentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        intent = services.payment_intent_create(
            user=request.user,
            purpose=data.validated_data["purpose"],
            object_id=data.validated_data["object"],
            client_key=_client_key(request),
        )
        return Response(intent, status=status.HTTP_201_CREATED)


class PaymentIntentConfirmView(BillingView):
    @extend_schema(
        request=serializers.ConfirmInputSerializer,
        responses=serializers.PaymentIntentSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def post(self, request: Request, pk: str) -> Response:
        data = serializers.ConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        intent = services.payment_intent_confirm(
            user=request.user,
            payment_intent_id=pk,
            payment_method=data.validated_data["payment_method"],
            client_key=_client_key(request),
        )
        return Response(intent)


@extend_schema_view(
    list=extend_schema(
        summary="Complimentary plans (staff only), newest first",
        description="Every grant, ended and expired ones included (`active` says which are "
        "in force); `?user=` lists one member's.",
        responses={200: serializers.GrantSerializer(many=True), 403: STAFF_ONLY},
    ),
    create=extend_schema(
        summary="Give a member a plan without Stripe (staff only; audited)",
        description="`{user, plan, ends_at?, reason}`: from now until `ends_at` (in the "
        "future; null or absent: until ended). The member's plan is the richest of their "
        "subscription and grants; it follows at once (`/auth/me`, `/billing/subscription`, "
        "quotas, a `billing.plan.updated` frame on their sockets). Works without Stripe "
        "keys.",
        request=serializers.GrantCreateSerializer,
        responses={201: serializers.GrantSerializer, 403: STAFF_ONLY},
    ),
    destroy=extend_schema(
        summary="End a grant now (staff only; audited)",
        description="The member's plan follows at once. The grant is kept, with `ended_at`; "
        "ending one that has already ended changes nothing.",
        responses={204: None, 403: STAFF_ONLY},
    ),
)
class GrantViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Staff's complimentary plans: billing's own rows, no Stripe involved."""

    error_codes = {"create": {400: {"plan": ["invalid_choice"], "ends_at": ["past"]}}}

    lookup_value_converter = "uuid"  # the router's <uuid:pk>
    queryset = PlanGrant.objects.none()  # the model, for the schema; rows: get_queryset
    permission_classes = [IsAdminUser]
    pagination_class = PageNumberPagination
    filterset_class = GrantFilter
    serializer_class = serializers.GrantSerializer

    def get_queryset(self):
        return selectors.grants()

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = serializers.GrantCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = services.grant_create(
            **data.validated_data, granted_by=request.user, request=request
        )
        grant = self.get_queryset().get(pk=grant.pk)
        return Response(self.get_serializer(grant).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: PlanGrant) -> None:
        services.grant_end(grant=instance, ended_by=self.request.user, request=self.request)


class StripeWebhookView(ProcessWebhookView):
    """dj-stripe's signed webhook, with the body vetted first by core.parsers.

    dj-stripe stores the raw body as text and json-loads it while validating and again
    while processing: a body nested past the recursion limit, or holding NUL (refused by
    PostgreSQL text and jsonb) or a lone surrogate, was a 500 there, after a half-written
    trigger row. Such a body is refused here with a 400 in the envelope before anything is
    stored; Stripe never signs one, so no real event is turned away (and a 400 is retried by
    Stripe like a 500 would be). Every other body reaches dj-stripe byte for byte, so its
    signature check is unchanged. An oversized body is a 413 from core.middleware.
    """

    def post(self, request, uuid):
        try:
            parsers.loads(request.body)
        except parsers.JSONRejected as exc:
            kind = "client_error" if exc.attr is None else "validation_error"
            return JsonResponse(
                error_body(exc.code, exc.detail, attr=exc.attr, kind=kind), status=400
            )
        return super().post(request, uuid)
