"""Shapes of the billing API: Stripe's mirrored objects reduced to what a client needs
(never card data beyond brand and last4)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import entitlements
from core import fields

from . import selectors
from .models import PlanGrant


class PlanPriceSerializer(serializers.Serializer):
    id = serializers.CharField(
        allow_null=True, help_text="The price to check out with; null: nothing sells this plan."
    )
    plan = serializers.CharField()
    name = serializers.CharField()
    amount = serializers.IntegerField(
        allow_null=True, help_text="In the smallest unit (cents); null: no price."
    )
    currency = serializers.CharField(allow_null=True)
    interval = serializers.CharField(allow_null=True)
    features = serializers.ListField(
        child=serializers.CharField(),
        help_text="What the plan unlocks (feature slugs); a feature no plan lists is free.",
    )
    feature_labels = serializers.DictField(
        child=serializers.CharField(), help_text="Each of `features` in words."
    )
    limits = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Counts the plan allows (e.g. `conversations.practice_per_day`); a limit "
        "not listed is unlimited.",
    )
    limit_labels = serializers.DictField(
        child=serializers.CharField(), help_text="Each of `limits` in words."
    )
    quotas = serializers.DictField(
        child=serializers.IntegerField(),
        help_text='AI quota units per day by AI feature; `"*"` is every other feature.',
    )
    demo = serializers.BooleanField(help_text="A local demo plan that does not exist in Stripe.")


class GrantSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    plan = serializers.CharField()
    ends_at = serializers.DateTimeField(allow_null=True, help_text="Null: until staff end it.")


class SubscriptionSerializer(serializers.Serializer):
    plan = serializers.CharField()
    source = serializers.ChoiceField(
        choices=[selectors.SOURCE_SUBSCRIPTION, selectors.SOURCE_GRANT],
        allow_null=True,
        help_text="Where `plan` comes from; null: the default plan.",
    )
    status = serializers.CharField(allow_null=True)
    subscription = serializers.CharField(allow_null=True)
    price = serializers.CharField(allow_null=True)
    current_period_end = serializers.DateTimeField(allow_null=True)
    cancel_at_period_end = serializers.BooleanField()
    grant = GrantSummarySerializer(
        allow_null=True, help_text="The member's richest grant in force, if any."
    )


class GrantSerializer(serializers.ModelSerializer):
    """A complimentary plan, as staff see it."""

    user_email = serializers.EmailField(source="user.email", read_only=True)
    active = serializers.BooleanField(read_only=True, help_text="In force now.")
    granted_by = serializers.EmailField(
        source="granted_by.email",
        read_only=True,
        allow_null=True,
        help_text="The staff member who gave it; null: an operator command or the system.",
    )

    class Meta:
        model = PlanGrant
        fields = [
            "id",
            "user",
            "user_email",
            "plan",
            "starts_at",
            "ends_at",
            "ended_at",
            "active",
            "reason",
            "granted_by",
            "created_at",
        ]
        read_only_fields = fields


class GrantCreateSerializer(serializers.Serializer):
    user = fields.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="The member given the plan.",
    )
    plan = serializers.CharField(max_length=50, help_text="One of the plans of /billing/plans.")
    ends_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="In the future; null or absent: until staff end it.",
    )
    reason = serializers.CharField(max_length=200, help_text="Why (kept with the grant).")

    def validate_plan(self, value: str) -> str:
        names = entitlements.plan_names()
        if value not in names:
            raise serializers.ValidationError(
                f"Unknown plan; one of: {', '.join(names)}.", code="invalid_choice"
            )
        return value

    def validate_ends_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("The grant must end in the future.", code="past")
        return value


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
