"""The billing API (docs/API.md, "billing"). Doorways: permission, input, one service or selector.
Every endpoint that needs Stripe answers 503 ``billing_unavailable`` without keys; the
plans list reads local rows and works without them (demo plans included)."""

from __future__ import annotations

from django.http import JsonResponse
from djstripe.models import Price
from djstripe.views import ProcessWebhookView
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import parsers
from core.exceptions import error_body
from core.idempotency import HEADER, IDEMPOTENCY_KEY_PARAMETER, idempotent

from . import selectors, serializers, services


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
    """Plans on sale with price, interval, features and AI quotas; the free plan first."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    queryset = Price.objects.none()  # the model, for the schema; rows: get_queryset
    serializer_class = serializers.PlanPriceSerializer

    def get_queryset(self):
        return selectors.plan_rows()


class SubscriptionView(BillingView):
    @extend_schema(responses=serializers.SubscriptionSerializer)
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
