"""Input validation and output shapes for the notifications API. The preference documents
have one property per registered kind, so the OpenAPI schema lists every kind."""

from rest_framework import serializers

from . import kinds
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    """One inbox entry; also the ``notification`` of a ``notification.new`` socket frame."""

    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "data", "is_read", "read_at", "created_at"]
        read_only_fields = fields


class InboxQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


class UnreadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread notifications were marked read.")


class NotificationPreferenceSerializer(serializers.Serializer):
    in_app = serializers.BooleanField(help_text="Shown in the inbox and pushed to the socket.")
    email = serializers.BooleanField()
    essential = serializers.BooleanField(
        help_text="Account and security notices: always on, no unsubscribe link."
    )
    description = serializers.CharField()


class NotificationPreferencesSerializer(serializers.Serializer):
    """``{kind: {in_app, email, essential, description}}`` for every kind."""

    def get_fields(self):
        return {
            kind.name: NotificationPreferenceSerializer(read_only=True, help_text=kind.description)
            for kind in kinds.all_kinds()
        }


class NotificationPreferenceChangeSerializer(serializers.Serializer):
    in_app = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)


class NotificationPreferencesUpdateSerializer(serializers.Serializer):
    """``{kind: {in_app?, email?}}``: only the kinds and channels given change."""

    def get_fields(self):
        return {
            kind.name: NotificationPreferenceChangeSerializer(
                required=False, help_text=kind.description
            )
            for kind in kinds.all_kinds()
        }

    def validate(self, attrs):
        unknown = [name for name in self.initial_data if name not in self.fields]
        if unknown:
            raise serializers.ValidationError(
                {name: "Unknown notification kind." for name in unknown}, code="unknown_kind"
            )
        return attrs


class UnsubscribeSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1000)


class OneClickUnsubscribeSerializer(serializers.Serializer):
    """The body of the POST: what RFC 8058's one-click sends (form-encoded), and the token
    when it is not in the query string."""

    def get_fields(self):
        return {
            "List-Unsubscribe": serializers.ChoiceField(
                choices=["One-Click"], required=False, help_text="Sent by mailbox providers."
            ),
            "token": serializers.CharField(
                max_length=1000, required=False, help_text="When not in the query string."
            ),
        }


class UnsubscribedSerializer(serializers.Serializer):
    kind = serializers.CharField()
    email = serializers.BooleanField(help_text="Always false: that kind's email is now off.")
    detail = serializers.CharField()
