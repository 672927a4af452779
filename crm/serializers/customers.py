"""Customers in and out. Contact details arrive in any format and are returned normalised
(email lower-cased, phone in E.164); notes come back HTML-safe (``&`` as ``&amp;``)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..contacts import EMAIL_MAX_LENGTH, PHONE_MAX_LENGTH
from ..models import Customer

NOTES_MAX_LENGTH = 5000
MAX_TAGS = 20


class CustomerInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.CharField(
        max_length=EMAIL_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Any format; stored normalised and encrypted. Blank removes it.",
    )
    phone = serializers.CharField(
        max_length=PHONE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Any format; without +country code it is read in the settings' "
        "default_phone_region. Returned in E.164. Blank removes it.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50),
        max_length=MAX_TAGS,
        required=False,
        help_text="Tag names; a new name creates the tag. Replaces the customer's tags.",
    )
    status = serializers.ChoiceField(choices=Customer.Status.choices, required=False)
    source = serializers.CharField(max_length=100, required=False, allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(
        max_length=NOTES_MAX_LENGTH,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Stored as HTML-safe text: tags removed, `&` and `<` entity-encoded.",
    )
    whatsapp_opt_in = serializers.BooleanField(
        required=False, help_text="The customer agreed to WhatsApp messages from you."
    )

    def validate_birthday(self, value):
        if value is not None and value > timezone.localdate():
            raise serializers.ValidationError("A birthday cannot be in the future.")
        return value


class CustomerSerializer(serializers.ModelSerializer):
    tags = serializers.SerializerMethodField()
    whatsapp_opt_in = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "tags",
            "status",
            "source",
            "birthday",
            "notes",
            "whatsapp_opt_in",
            "last_contacted_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, customer: Customer) -> list[str]:
        return [tag.name for tag in customer.tags.all()]

    def get_whatsapp_opt_in(self, customer: Customer) -> bool:
        return customer.whatsapp_opt_in_at is not None


class ReferralCountsSerializer(serializers.Serializer):
    made = serializers.IntegerField()
    converted = serializers.IntegerField(help_text="Converted or rewarded.")


class NextFollowUpSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    due_at = serializers.DateTimeField()


class CustomerDetailSerializer(CustomerSerializer):
    interaction_count = serializers.IntegerField(read_only=True)
    referrals = serializers.SerializerMethodField()
    points = serializers.IntegerField(read_only=True, help_text="The reward balance.")
    next_follow_up = serializers.SerializerMethodField()

    class Meta(CustomerSerializer.Meta):
        fields = [
            *CustomerSerializer.Meta.fields,
            "interaction_count",
            "referrals",
            "points",
            "next_follow_up",
        ]
        read_only_fields = fields

    @extend_schema_field(ReferralCountsSerializer)
    def get_referrals(self, customer: Customer) -> dict:
        return {"made": customer.referral_count, "converted": customer.converted_referral_count}

    @extend_schema_field(NextFollowUpSerializer(allow_null=True))
    def get_next_follow_up(self, customer: Customer) -> dict | None:
        if customer.next_follow_up_id is None:
            return None
        return {"id": customer.next_follow_up_id, "due_at": customer.next_follow_up_at}
