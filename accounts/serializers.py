"""Input validation and output shapes for the accounts API. No business logic: views hand
validated data to ``accounts.services``."""

import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
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


def password_field(**options) -> serializers.CharField:
    """A password as typed: write-only, never trimmed (spaces count), at most 128 characters."""
    return serializers.CharField(write_only=True, max_length=128, trim_whitespace=False, **options)


class VocabularyChoiceField(serializers.ChoiceField):
    """One value of ``vocabulary`` (a ``TextChoices``), or one of its aliases
    (``choices.ALIASES``), which is stored as the value it stands for. The aliases are valid
    input, so OpenAPI lists them among the values."""

    def __init__(self, vocabulary, **kwargs):
        self.vocabulary = vocabulary
        self.aliases = choices.aliases_of(vocabulary)
        if self.aliases and "help_text" not in kwargs:
            kwargs["help_text"] = "Also accepted: " + ", ".join(
                f"`{alias}` for `{value}`" for alias, value in self.aliases.items()
            )
        super().__init__(
            choices=[
                *vocabulary.choices,
                *((alias, f"{alias} (stored as {value})") for alias, value in self.aliases.items()),
            ],
            **kwargs,
        )

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = self.aliases.get(data, data)
        return super().to_internal_value(data)


def choice_list(choice_class, *, allow_empty: bool = False, **kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=VocabularyChoiceField(choice_class),
        allow_empty=allow_empty,
        max_length=MAX_CHOICES,
        **kwargs,
    )


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# --- Auth ---------------------------------------------------------------------------------


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = password_field()
    confirm_password = password_field()
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
    password = password_field()


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


class VerifyEmailSerializer(KeySerializer):
    """The ``key`` from the verification email; ``token`` is the same value under the name
    some clients send it by. One of them is needed; both must then agree."""

    key = serializers.CharField(
        max_length=512, required=False, help_text="The key from the email (or send `token`)."
    )
    token = serializers.CharField(
        max_length=512, required=False, help_text="Accepted in place of `key`."
    )

    def validate(self, attrs):
        key, token = attrs.get("key"), attrs.get("token")
        if key and token and key != token:
            raise serializers.ValidationError(
                {"token": ErrorDetail("key and token differ; send one of them.", code="mismatch")}
            )
        if not (key or token):
            raise serializers.ValidationError(
                {"key": ErrorDetail("Give the key from the email.", code="required")}
            )
        return {"key": key or token}


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetSerializer(serializers.Serializer):
    """The emailed ``key`` (or its two halves, ``uid`` and ``token``; or the whole key as
    ``token`` alone) and the new password, as ``new_password`` or ``password``, with an
    optional ``confirm_password`` that must match it."""

    key = serializers.CharField(max_length=512, required=False)
    uid = serializers.CharField(max_length=64, required=False)
    token = serializers.CharField(
        max_length=512,
        required=False,
        help_text="With `uid`: the second half of the key; alone: the whole key.",
    )
    new_password = password_field(required=False, help_text="Required (or send it as `password`).")
    password = password_field(required=False, help_text="Accepted in place of `new_password`.")
    confirm_password = password_field(
        required=False, help_text="Optional; when sent, it must equal the new password."
    )

    def validate(self, attrs):
        errors: dict[str, ErrorDetail] = {}
        key, uid, token = attrs.get("key"), attrs.get("uid"), attrs.get("token")
        if key and token and not uid and key != token:
            errors["token"] = ErrorDetail("key and token differ; send one of them.", "mismatch")
        elif not key:
            if uid and token:
                key = f"{uid}-{token}"
            elif token and not uid:
                key = token
            else:
                errors["key"] = ErrorDetail(
                    "Give the key from the email, or uid and token.", "required"
                )
        new_password, password = attrs.get("new_password"), attrs.get("password")
        if new_password and password and new_password != password:
            errors["password"] = ErrorDetail(
                "new_password and password differ; send one of them.", "mismatch"
            )
        new_password = new_password or password
        if not new_password:
            errors["new_password"] = ErrorDetail("This field is required.", "required")
        elif "confirm_password" in attrs and attrs["confirm_password"] != new_password:
            errors["confirm_password"] = ErrorDetail("The two passwords do not match.", "mismatch")
        if errors:
            raise serializers.ValidationError(errors)
        return {"key": key, "new_password": new_password}


class PasswordChangeSerializer(serializers.Serializer):
    old_password = password_field()
    new_password = password_field()


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


# What a PUT of the profile must send (each may be blank): the member's public card.
PROFILE_PUT_REQUIRED = ("display_name", "headline", "company", "position", "industry")
# What a PUT sets to its default when left out: the rest of what the member shows.
PROFILE_PUT_DEFAULTS = {"phone": "", "coaching_style": "", "focus_areas": list}


class ProfileSerializer(serializers.ModelSerializer):
    """The caller's profile. PATCH changes what it is sent. PUT replaces the profile: the
    card (``PROFILE_PUT_REQUIRED``) must be sent, ``phone``, ``coaching_style`` and
    ``focus_areas`` go back to empty when left out, and the settings (``timezone``,
    directory and messaging privacy, notifications, ``marketing_opt_in``) change only when
    sent, so that leaving one out never lists a hidden member, turns emails back on or
    records a consent."""

    email = serializers.EmailField(source="user.email", read_only=True)
    marketing_opt_in = serializers.BooleanField(required=False)
    focus_areas = choice_list(
        choices.FocusArea, allow_empty=True, default=PROFILE_PUT_DEFAULTS["focus_areas"]
    )
    timezone = serializers.CharField(max_length=64, required=False)
    phone = serializers.RegexField(
        r"^\+?[0-9 ()\-]{6,24}$",
        default=PROFILE_PUT_DEFAULTS["phone"],
        allow_blank=True,
        error_messages={"invalid": "Enter a phone number in international format."},
    )

    class Meta:
        model = Profile
        fields = ["email", *Profile.MEMBER_FIELDS, "marketing_opt_in", "updated_at"]
        read_only_fields = ["email", "updated_at"]
        extra_kwargs = {
            **{name: {"required": True} for name in PROFILE_PUT_REQUIRED},
            "coaching_style": {"default": PROFILE_PUT_DEFAULTS["coaching_style"]},
        }

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


class AgeVerificationSerializer(serializers.Serializer):
    # Only the outcome of the check is kept (``Onboarding.is_adult``), never the year.
    answer_fields = ("is_adult",)

    def get_fields(self):
        # The latest possible year is this one: the limit is set each time the form is built.
        return {
            "birth_year": serializers.IntegerField(
                min_value=1900, max_value=timezone.now().year, write_only=True
            )
        }


class PreferencesSerializer(serializers.Serializer):
    """Whom the member wants to practise with and what for, in the conversation-practice
    product's words (``target_gender``, ``target_age_min``/``max``, ``relationship_goal``)
    and the platform's (``target_preferences``, ``goals``); either, or both. A goal is
    needed: ``relationship_goal`` or ``goals``. Sending the step replaces its answers."""

    required_one_of = ("relationship_goal", "goals")

    target_gender = VocabularyChoiceField(choices.TargetGender, required=False, allow_null=True)
    target_age_min = serializers.IntegerField(
        min_value=settings.MINIMUM_AGE,
        max_value=Onboarding.TARGET_AGE_MAX,
        required=False,
        allow_null=True,
        help_text="The youngest partner age to practise with.",
    )
    target_age_max = serializers.IntegerField(
        min_value=settings.MINIMUM_AGE,
        max_value=Onboarding.TARGET_AGE_MAX,
        required=False,
        allow_null=True,
        help_text="The oldest partner age to practise with; at least target_age_min.",
    )
    relationship_goal = VocabularyChoiceField(
        choices.RelationshipGoal, required=False, allow_null=True
    )
    target_preferences = choice_list(choices.TargetPreference, required=False)
    goals = choice_list(choices.Goal, required=False)

    answer_fields = Onboarding.PREFERENCE_FIELDS

    def validate_target_preferences(self, value):
        return _unique(value)

    def validate_goals(self, value):
        return _unique(value)

    def validate(self, attrs):
        youngest, oldest = attrs.get("target_age_min"), attrs.get("target_age_max")
        if youngest is not None and oldest is not None and youngest > oldest:
            raise serializers.ValidationError(
                {
                    "target_age_max": ErrorDetail(
                        "target_age_max must be at least target_age_min.", code="invalid_range"
                    )
                }
            )
        if not (attrs.get("relationship_goal") or attrs.get("goals")):
            raise serializers.ValidationError(
                {
                    "relationship_goal": ErrorDetail(
                        "Give a relationship_goal, or goals.", code="required"
                    )
                }
            )
        return {
            "target_gender": attrs.get("target_gender") or "",
            "target_age_min": youngest,
            "target_age_max": oldest,
            "relationship_goal": attrs.get("relationship_goal") or "",
            "target_preferences": attrs.get("target_preferences") or [],
            "goals": attrs.get("goals") or [],
        }


class SkillGoalsSerializer(serializers.Serializer):
    primary_skills = choice_list(choices.Skill)
    specific_challenges = choice_list(choices.Challenge, allow_empty=True)
    experience_level = VocabularyChoiceField(choices.ExperienceLevel)
    practice_frequency = VocabularyChoiceField(choices.PracticeFrequency)

    answer_fields = Onboarding.SKILL_GOAL_FIELDS

    def validate_primary_skills(self, value):
        return _unique(value)

    def validate_specific_challenges(self, value):
        return _unique(value)


# Each onboarding step: the serializer its POST is checked with, and the route it is at.
ONBOARDING_STEPS = {
    "age_verification": (AgeVerificationSerializer, "accounts:onboarding-age-verification"),
    "preferences": (PreferencesSerializer, "accounts:onboarding-preferences"),
    "skill_goals": (SkillGoalsSerializer, "accounts:onboarding-skill-goals"),
}


def describe_field(name: str, field: serializers.Field) -> dict:
    """What a client needs to fill ``field`` in, read from the field itself (so the flow
    never says other than the step checks)."""
    row = {
        "name": name,
        "type": "string",
        "required": field.required,
        "nullable": field.allow_null,
        "description": str(field.help_text or ""),
        "choices": None,
        "min": None,
        "max": None,
        "min_items": None,
        "max_items": None,
    }
    values = field
    if isinstance(field, serializers.ListField):
        values = field.child
        row.update(
            type="array", min_items=0 if field.allow_empty else 1, max_items=field.max_length
        )
    elif isinstance(field, serializers.IntegerField):
        row.update(type="integer", min=field.min_value, max=field.max_value)
    elif isinstance(field, serializers.BooleanField):
        row["type"] = "boolean"
    if isinstance(values, VocabularyChoiceField):
        aliases: dict[str, list[str]] = {}
        for alias, value in values.aliases.items():
            aliases.setdefault(value, []).append(alias)
        row["choices"] = [
            {"value": value, "label": str(label), "aliases": aliases.get(value, [])}
            for value, label in values.vocabulary.choices
        ]
    return row


def _shown(value):
    return None if value == "" else value


class OnboardingChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    aliases = serializers.ListField(
        child=serializers.CharField(), help_text="Accepted in place of `value`, stored as it."
    )


class OnboardingFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=["string", "integer", "boolean", "array"])
    required = serializers.BooleanField()
    nullable = serializers.BooleanField(help_text="Whether null is accepted (as not given).")
    description = serializers.CharField(allow_blank=True)
    choices = OnboardingChoiceSerializer(
        many=True,
        allow_null=True,
        help_text="The allowed values (of each item, for an array); null when free.",
    )
    min = serializers.IntegerField(allow_null=True, help_text="For an integer: the least.")
    max = serializers.IntegerField(allow_null=True, help_text="For an integer: the most.")
    min_items = serializers.IntegerField(allow_null=True, help_text="For an array.")
    max_items = serializers.IntegerField(allow_null=True, help_text="For an array.")


class OnboardingStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    status = serializers.ChoiceField(choices=["done", "pending"])
    completed_at = serializers.DateTimeField(allow_null=True)
    path = serializers.CharField(help_text="Where the step is sent (POST).")
    fields = OnboardingFieldSerializer(many=True, help_text="What the step accepts.")
    required_one_of = serializers.ListField(
        child=serializers.CharField(),
        help_text="Fields of which at least one must be given (empty: no such rule).",
    )
    answers = serializers.DictField(
        help_text="The stored answers of the step (null where not given); the age check "
        "keeps only `is_adult`."
    )


class OnboardingFlowSerializer(serializers.Serializer):
    steps = OnboardingStepSerializer(many=True)
    current_step = serializers.CharField(allow_null=True)
    percent_complete = serializers.IntegerField()
    completed = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, onboarding: Onboarding):
        steps = []
        for step in Onboarding.STEPS:
            serializer_class, route = ONBOARDING_STEPS[step]
            form = serializer_class()
            steps.append(
                {
                    "step": step,
                    "status": "done" if onboarding.step_done_at(step) else "pending",
                    "completed_at": onboarding.step_done_at(step),
                    "path": reverse(route),
                    "fields": [describe_field(name, field) for name, field in form.fields.items()],
                    "required_one_of": list(getattr(serializer_class, "required_one_of", ())),
                    "answers": {
                        name: _shown(getattr(onboarding, name))
                        for name in serializer_class.answer_fields
                    },
                }
            )
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


class AccountDeleteSerializer(serializers.Serializer):
    password = password_field()


class ExportSerializer(serializers.Serializer):
    format = serializers.CharField()
    generated_at = serializers.DateTimeField()
    user = serializers.DictField()
    data = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField()),
        help_text="Rows per model (`app_label.model`), from every app of the platform.",
    )
