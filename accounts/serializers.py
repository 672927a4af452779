"""Input validation and output shapes for the accounts API. No business logic: views hand
validated data to ``accounts.services``."""

import zoneinfo

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

from . import choices, selectors
from .models import Consent, Onboarding, Profile
from .tokens import RefreshToken

User = get_user_model()

MAX_CHOICES = 10


def _validate_new_password(password: str, email: str = "") -> None:
    try:
        password_validation.validate_password(password, User(email=email))
    except DjangoValidationError as exc:
        raise serializers.ValidationError(list(exc.messages), code="password_invalid") from exc


def choice_list(choice_class, *, allow_empty: bool = False) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=choice_class.choices),
        allow_empty=allow_empty,
        max_length=MAX_CHOICES,
    )


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# --- Auth ---------------------------------------------------------------------------------


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)
    confirm_password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)
    agreed_to_terms = serializers.BooleanField()
    agreed_to_privacy = serializers.BooleanField()
    marketing_opt_in = serializers.BooleanField(default=False)

    def validate_agreed_to_terms(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError("You must accept the terms.", code="required")
        return value

    def validate_agreed_to_privacy(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                "You must accept the privacy policy.", code="required"
            )
        return value

    def validate(self, attrs):
        if attrs["password"] != attrs["confirm_password"]:
            raise serializers.ValidationError(
                {"confirm_password": "The two passwords do not match."}, code="mismatch"
            )
        try:
            _validate_new_password(attrs["password"], attrs["email"])
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"password": exc.detail}) from exc
        return attrs


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)


class RefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh, rotating and blacklisting; a token whose user is gone is a 401
    rather than simplejwt's unhandled DoesNotExist. The rotated token is recorded by its
    digest only (``accounts.tokens``)."""

    token_class = RefreshToken
    refresh = serializers.CharField()
    access = serializers.CharField(read_only=True)

    def validate(self, attrs):
        from rest_framework_simplejwt.exceptions import AuthenticationFailed

        try:
            return super().validate(attrs)
        except User.DoesNotExist as exc:
            raise AuthenticationFailed(
                "No active account found for the given token.", "no_active_account"
            ) from exc


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class KeySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=512)


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetSerializer(serializers.Serializer):
    """Either the emailed ``key`` or its two halves, ``uid`` and ``token``."""

    key = serializers.CharField(max_length=512, required=False)
    uid = serializers.CharField(max_length=64, required=False)
    token = serializers.CharField(max_length=256, required=False)
    new_password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)

    def validate(self, attrs):
        if not attrs.get("key"):
            if not (attrs.get("uid") and attrs.get("token")):
                raise serializers.ValidationError(
                    {"key": "Give the key from the email, or uid and token."}, code="required"
                )
            attrs["key"] = f"{attrs['uid']}-{attrs['token']}"
        return attrs


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class WebSocketTicketSerializer(serializers.Serializer):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds the ticket stays valid.")


# --- The user -----------------------------------------------------------------------------


class OnboardingStateSerializer(serializers.Serializer):
    completed = serializers.BooleanField()
    current_step = serializers.CharField(allow_null=True)
    pending_steps = serializers.ListField(child=serializers.CharField())

    def to_representation(self, onboarding: Onboarding):
        pending = onboarding.pending_steps
        return {
            "completed": onboarding.completed_at is not None,
            "current_step": pending[0] if pending else None,
            "pending_steps": pending,
        }


class MeSerializer(serializers.ModelSerializer):
    email_verified = serializers.SerializerMethodField()
    plan = serializers.SerializerMethodField()
    onboarding = OnboardingStateSerializer(read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "email_verified", "plan", "onboarding", "is_staff", "date_joined"]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_email_verified(self, user) -> bool:
        return bool(getattr(user, "email_verified", False))

    @extend_schema_field(serializers.CharField())
    def get_plan(self, user) -> str:
        return selectors.plan_for(user)


class LoginResponseSerializer(TokenPairSerializer):
    user = MeSerializer()


class PasswordChangeResponseSerializer(TokenPairSerializer):
    detail = serializers.CharField()


# --- Profile ------------------------------------------------------------------------------


class ProfileSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    marketing_opt_in = serializers.BooleanField(required=False)
    focus_areas = choice_list(choices.FocusArea, allow_empty=True)
    timezone = serializers.CharField(max_length=64, required=False)
    phone = serializers.RegexField(
        r"^\+?[0-9 ()\-]{6,24}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": "Enter a phone number in international format."},
    )

    class Meta:
        model = Profile
        fields = ["email", *Profile.MEMBER_FIELDS, "marketing_opt_in", "updated_at"]
        read_only_fields = ["email", "updated_at"]

    def validate_timezone(self, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise serializers.ValidationError(
                "Unknown time zone; use an IANA name such as Europe/Paris.", code="invalid"
            ) from exc
        return value

    def validate_focus_areas(self, value: list[str]) -> list[str]:
        return _unique(value)

    def to_representation(self, profile: Profile):
        data = super().to_representation(profile)
        data["marketing_opt_in"] = bool(getattr(profile, "marketing_opt_in", False))
        return data


class ConsentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consent
        fields = ["id", "kind", "version", "granted", "source", "created_at"]
        read_only_fields = fields


# --- Onboarding ---------------------------------------------------------------------------


class OnboardingStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    status = serializers.ChoiceField(choices=["done", "pending"])
    completed_at = serializers.DateTimeField(allow_null=True)


class OnboardingFlowSerializer(serializers.Serializer):
    steps = OnboardingStepSerializer(many=True)
    current_step = serializers.CharField(allow_null=True)
    percent_complete = serializers.IntegerField()
    completed = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, onboarding: Onboarding):
        steps = [
            {
                "step": step,
                "status": "done" if onboarding.step_done_at(step) else "pending",
                "completed_at": onboarding.step_done_at(step),
            }
            for step in Onboarding.STEPS
        ]
        pending = onboarding.pending_steps
        done = len(Onboarding.STEPS) - len(pending)
        return super().to_representation(
            {
                "steps": steps,
                "current_step": pending[0] if pending else None,
                "percent_complete": round(100 * done / len(Onboarding.STEPS)),
                "completed": onboarding.completed_at is not None,
                "completed_at": onboarding.completed_at,
            }
        )


class AgeVerificationSerializer(serializers.Serializer):
    birth_year = serializers.IntegerField(min_value=1900, max_value=2100, write_only=True)

    def validate_birth_year(self, value: int) -> int:
        from django.utils import timezone

        if value > timezone.now().year:
            raise serializers.ValidationError("A birth year cannot be in the future.")
        return value


class PreferencesSerializer(serializers.Serializer):
    target_preferences = choice_list(choices.TargetPreference)
    goals = choice_list(choices.Goal)

    def validate_target_preferences(self, value):
        return _unique(value)

    def validate_goals(self, value):
        return _unique(value)


class SkillGoalsSerializer(serializers.Serializer):
    primary_skills = choice_list(choices.Skill)
    specific_challenges = choice_list(choices.Challenge, allow_empty=True)
    experience_level = serializers.ChoiceField(choices=choices.ExperienceLevel.choices)
    practice_frequency = serializers.ChoiceField(choices=choices.PracticeFrequency.choices)

    def validate_primary_skills(self, value):
        return _unique(value)

    def validate_specific_challenges(self, value):
        return _unique(value)


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)


class ExportSerializer(serializers.Serializer):
    format = serializers.CharField()
    generated_at = serializers.DateTimeField()
    user = serializers.DictField()
    data = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField()),
        help_text="Rows per model (`app_label.model`), from every app of the platform.",
    )
