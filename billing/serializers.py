"""Shapes of the billing API: Stripe's mirrored objects reduced to what a client needs
(never card data beyond brand and last4)."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import selectors


class PlanPriceSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    plan = serializers.CharField()
    name = serializers.CharField()
    amount = serializers.IntegerField(allow_null=True, help_text="In the smallest unit (cents).")
    currency = serializers.CharField(allow_null=True)
    interval = serializers.CharField(allow_null=True)
    features = serializers.ListField(child=serializers.CharField())
    quotas = serializers.DictField(child=serializers.IntegerField())
    demo = serializers.BooleanField(help_text="A local demo plan that does not exist in Stripe.")


class SubscriptionSerializer(serializers.Serializer):
    plan = serializers.CharField()
    status = serializers.CharField(allow_null=True)
    subscription = serializers.CharField(allow_null=True)
    price = serializers.CharField(allow_null=True)
    current_period_end = serializers.DateTimeField(allow_null=True)
    cancel_at_period_end = serializers.BooleanField()


class PriceInputSerializer(serializers.Serializer):
    price = serializers.CharField(max_length=255)


class CancelInputSerializer(serializers.Serializer):
    immediately = serializers.BooleanField(default=False)


class PortalInputSerializer(serializers.Serializer):
    flow = serializers.ChoiceField(
        choices=["payment_method_update"],
        required=False,
        help_text="Open the portal straight on this task instead of its home page.",
    )


class UrlSerializer(serializers.Serializer):
    url = serializers.URLField()


class CheckoutSessionSerializer(UrlSerializer):
    id = serializers.CharField()


class PaymentIntentInputSerializer(serializers.Serializer):
    purpose = serializers.CharField(max_length=100)
    object = serializers.CharField(max_length=255, help_text="The id of the object paid for.")


class ConfirmInputSerializer(serializers.Serializer):
    payment_method = serializers.CharField(max_length=255, required=False, default="")


class PaymentIntentSerializer(serializers.Serializer):
    id = serializers.CharField()
    client_secret = serializers.CharField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    status = serializers.CharField()


class InvoiceSerializer(serializers.Serializer):
    id = serializers.CharField()
    number = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    amount_due = serializers.SerializerMethodField()
    amount_paid = serializers.SerializerMethodField()
    created = serializers.DateTimeField()
    period_start = serializers.SerializerMethodField()
    period_end = serializers.SerializerMethodField()
    hosted_invoice_url = serializers.SerializerMethodField()
    invoice_pdf = serializers.SerializerMethodField()

    def _get(self, obj, key):
        return obj.stripe_data.get(key)

    def get_number(self, obj) -> str | None:
        return self._get(obj, "number")

    def get_status(self, obj) -> str | None:
        return self._get(obj, "status")

    def get_currency(self, obj) -> str | None:
        return self._get(obj, "currency")

    def get_amount_due(self, obj) -> int | None:
        return self._get(obj, "amount_due")

    def get_amount_paid(self, obj) -> int | None:
        return self._get(obj, "amount_paid")

    def get_period_start(self, obj) -> dt.datetime | None:
        return selectors.from_timestamp(self._get(obj, "period_start"))

    def get_period_end(self, obj) -> dt.datetime | None:
        return selectors.from_timestamp(self._get(obj, "period_end"))

    def get_hosted_invoice_url(self, obj) -> str | None:
        return self._get(obj, "hosted_invoice_url")

    def get_invoice_pdf(self, obj) -> str | None:
        return self._get(obj, "invoice_pdf")


class CardSerializer(serializers.Serializer):
    brand = serializers.CharField(allow_null=True)
    last4 = serializers.CharField(allow_null=True)


class PaymentSerializer(serializers.Serializer):
    id = serializers.CharField()
    amount = serializers.SerializerMethodField(help_text="In the smallest unit (cents).")
    currency = serializers.CharField()
    status = serializers.CharField()
    description = serializers.SerializerMethodField()
    created = serializers.DateTimeField()
    payment_intent = serializers.CharField(source="payment_intent_id", allow_null=True)
    invoice = serializers.CharField(source="invoice_id", allow_null=True)
    card = serializers.SerializerMethodField()

    def get_amount(self, obj) -> int | None:
        return obj.stripe_data.get("amount")

    def get_description(self, obj) -> str | None:
        return obj.stripe_data.get("description")

    @extend_schema_field(CardSerializer(allow_null=True))
    def get_card(self, obj):
        card = (obj.stripe_data.get("payment_method_details") or {}).get("card")
        if not card:
            return None
        return {"brand": card.get("brand"), "last4": card.get("last4")}
