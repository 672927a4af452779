"""The accounts API (docs/API.md, accounts): doorways that validate, call one service or
selector, and serialize."""

from functools import partial

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_serializers import (
    ErrorResponse401Serializer,
    ErrorResponse403Serializer,
    ErrorResponse429Serializer,
)
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView

from core import privacy, realtime
from core.links import public_url
from core.pagination import CursorPagination
from core.permissions import OwnedQuerysetMixin
from core.schema import AutoSchema
from core.tasks import enqueue
from core.throttles import AuthThrottle

from . import selectors, serializers, services, tasks
from .models import Consent

# The anon/user defaults and the per-IP auth throttle (they let requests through while the
# cache is down: core.cache); the sign-in lockout lives in the database (accounts.lockout).
AUTH_THROTTLES = [*api_settings.DEFAULT_THROTTLE_CLASSES, AuthThrottle]
ACCEPTED = "If an account matches, an email is on its way."


class PublicAuthView(APIView):
    """Endpoints used before sign-in: no credentials read, throttled per client IP."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = AUTH_THROTTLES


def _accept_email(request, task) -> Response:
    """Check the address's form and leave the rest to ``task``, after commit: whether an
    account matches is looked up there, so the request does the same work, and takes the
    same time, for an address with an account and one without. (With Celery eager, on a
    laptop, the task runs inline once the view's work is done, and the timing differs.)
    The email's links start with the address this request reached (``core.links``)."""
    serializer = serializers.EmailSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    email, base_url = serializer.validated_data["email"], public_url(request)
    transaction.on_commit(partial(enqueue, task, email=email, base_url=base_url))
    return Response({"detail": ACCEPTED}, status=status.HTTP_202_ACCEPTED)


# --- Registration, verification, sign-in --------------------------------------------------


class RegisterView(PublicAuthView):
    error_codes = {
        400: {
            "email": ["unique"],
            "confirm_password": ["mismatch"],
            "agreed_to_terms": ["required"],
            "agreed_to_privacy": ["required"],
        }
    }

    @extend_schema(
        tags=["auth"],
        request=serializers.RegisterSerializer,
        responses={201: serializers.MeSerializer},
        summary="Create an account and send the verification email",
    )
    def post(self, request):
        serializer = serializers.RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = services.user_register(
            email=data["email"],
            password=data["password"],
            marketing_opt_in=data["marketing_opt_in"],
            request=request,
        )
        return Response(
            serializers.MeSerializer(selectors.me(user)).data, status=status.HTTP_201_CREATED
        )


class VerifyEmailView(PublicAuthView):
    error_codes = {400: {"key": ["invalid_key", "required"], "token": ["mismatch"]}}

    @extend_schema(
        tags=["auth"],
        request=serializers.VerifyEmailSerializer,
        responses={200: serializers.DetailSerializer},
        summary="Confirm an email address with the key from the email",
        description="Send the emailed key as `key`, or as `token` (the same value): one of "
        "them is needed (none: 400 `required` on `key`); both must then be equal (else 400 "
        "`mismatch` on `token`). A bad, used or expired key: 400 `invalid_key` on `key`.",
    )
    def post(self, request):
        serializer = serializers.VerifyEmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.email_verify(key=serializer.validated_data["key"], request=request)
        return Response({"detail": "Email address verified."})


class ResendVerificationView(PublicAuthView):
    @extend_schema(
        tags=["auth"],
        request=serializers.EmailSerializer,
        responses={202: serializers.DetailSerializer},
        summary="Send the verification email again (always 202)",
    )
    def post(self, request):
        return _accept_email(request, tasks.verification_resend)


class LoginView(PublicAuthView):
    """Guarded per IP by the auth throttle, and per email by ``accounts.lockout`` (inside
    ``services.login``, where django-axes hears ``authenticate``)."""

    error_codes = {
        401: ["authentication_failed"],
        403: ["email_not_verified"],
        429: ["login_locked", "login_paced"],
    }

    @extend_schema(
        tags=["auth"],
        request=serializers.LoginSerializer,
        responses={
            200: serializers.LoginResponseSerializer,
            401: OpenApiResponse(ErrorResponse401Serializer, "Wrong email or password."),
            403: OpenApiResponse(
                ErrorResponse403Serializer, "The email address is not verified yet."
            ),
            429: OpenApiResponse(
                ErrorResponse429Serializer,
                "Throttled per client IP, `login_locked` (too many failures for this email "
                "from this address) or `login_paced` (from everywhere); see Retry-After.",
            ),
        },
        summary="Sign in: an access and a refresh token",
    )
    def post(self, request):
        serializer = serializers.LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, tokens = services.login(**serializer.validated_data, request=request)
        return Response({**tokens, "user": serializers.MeSerializer(selectors.me(user)).data})


@extend_schema_view(
    post=extend_schema(
        tags=["auth"],
        responses={
            200: serializers.TokenPairSerializer,
            401: OpenApiResponse(
                ErrorResponse401Serializer, "The refresh token is invalid, expired or revoked."
            ),
        },
    )
)
class RefreshView(TokenRefreshView):
    """A new access token and a rotated refresh token; the old refresh is blacklisted."""

    error_codes = {401: ["token_not_valid"]}

    serializer_class = serializers.RefreshSerializer
    throttle_classes = AUTH_THROTTLES


class LogoutView(PublicAuthView):
    error_codes = {401: ["token_not_valid"]}

    @extend_schema(
        tags=["auth"],
        request=serializers.LogoutSerializer,
        responses={
            204: None,
            401: OpenApiResponse(ErrorResponse401Serializer, "The refresh token is not valid."),
        },
        summary="Sign out this session: the refresh token is blacklisted",
    )
    def post(self, request):
        serializer = serializers.LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.refresh_token_blacklist(refresh=serializer.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Passwords ----------------------------------------------------------------------------


class PasswordForgotView(PublicAuthView):
    @extend_schema(
        tags=["auth"],
        request=serializers.EmailSerializer,
        responses={202: serializers.DetailSerializer},
        summary="Email a password reset link (always 202)",
    )
    def post(self, request):
        return _accept_email(request, tasks.password_reset_send)


class PasswordResetView(PublicAuthView):
    error_codes = {
        400: {
            "key": ["invalid_key", "required"],
            "token": ["mismatch"],
            "new_password": ["password_invalid", "required"],
            "password": ["mismatch"],
            "confirm_password": ["mismatch"],
        }
    }

    @extend_schema(
        tags=["auth"],
        request=serializers.PasswordResetSerializer,
        responses={200: serializers.DetailSerializer},
        summary="Set a new password from the emailed key; every session ends",
        description="The key as `key`, as `uid` and `token`, or whole as `token` alone "
        "(none: 400 `required` on `key`; `key` and a different lone `token`: 400 `mismatch` "
        "on `token`). The new password as `new_password` or `password` (none: 400 "
        "`required` on `new_password`; both, different: 400 `mismatch` on `password`); "
        "`confirm_password`, when sent, must equal it (400 `mismatch`).",
    )
    def post(self, request):
        serializer = serializers.PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_confirm(
            key=serializer.validated_data["key"],
            new_password=serializer.validated_data["new_password"],
        )
        return Response({"detail": "Password updated; sign in with the new password."})


class PasswordChangeView(APIView):
    error_codes = {400: {"old_password": ["incorrect"], "new_password": ["password_invalid"]}}
    throttle_classes = AUTH_THROTTLES

    @extend_schema(
        tags=["auth"],
        request=serializers.PasswordChangeSerializer,
        responses={200: serializers.PasswordChangeResponseSerializer},
        summary="Change the password; other sessions end, this one gets new tokens",
    )
    def post(self, request):
        serializer = serializers.PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens = services.password_change(user=request.user, **serializer.validated_data)
        return Response({"detail": "Password changed.", **tokens})


class WebSocketTicketView(APIView):
    # Tickets live in Redis; while it is down no socket could open, so this says so.
    error_codes = {503: ["realtime_unavailable"]}

    @extend_schema(
        tags=["auth"],
        request=None,
        responses={200: serializers.WebSocketTicketSerializer},
        summary="A one-time ticket for opening the WebSocket at /ws/?ticket=...",
    )
    def post(self, request):
        ticket, ttl = realtime.issue_ws_ticket(request.user)
        return Response({"ticket": ticket, "expires_in": ttl})


# --- The signed-in member -----------------------------------------------------------------


class MeView(APIView):
    @extend_schema(tags=["me"], responses={200: serializers.MeSerializer})
    def get(self, request):
        return Response(serializers.MeSerializer(selectors.me(request.user)).data)


@extend_schema_view(
    get=extend_schema(tags=["me"], summary="The caller's profile"),
    put=extend_schema(
        tags=["me"],
        summary="Replace the caller's profile",
        description="Full update: `display_name`, `headline`, `company`, `position` and "
        "`industry` are required (each may be blank); `phone`, `coaching_style` and "
        "`focus_areas` are reset to empty when left out; `timezone`, "
        "`directory_visibility`, `allow_messages_from`, `email_notifications`, "
        "`in_app_notifications` and `marketing_opt_in` change only when sent (leaving one "
        "out never lists a hidden member, turns emails back on or records a consent). "
        "`email` and `updated_at` are read-only: a body read with GET may be sent back.",
    ),
    patch=extend_schema(
        tags=["me"],
        summary="Change some of the caller's profile",
        description="Only the fields sent change. A change of `marketing_opt_in` is "
        "recorded as a consent.",
    ),
)
class ProfileView(generics.RetrieveUpdateAPIView):
    serializer_class = serializers.ProfileSerializer
    http_method_names = ["get", "put", "patch", "head", "options"]

    def get_object(self):
        return selectors.profile_of(self.request.user)

    def perform_update(self, serializer):
        services.profile_update(user=self.request.user, **serializer.validated_data)
        serializer.instance = selectors.profile_of(self.request.user)


@extend_schema_view(get=extend_schema(tags=["me"]))
class ConsentListView(OwnedQuerysetMixin, generics.ListAPIView):
    """The caller's consent history, newest first."""

    queryset = Consent.objects.all()
    serializer_class = serializers.ConsentSerializer
    pagination_class = CursorPagination


class ExportView(APIView):
    @extend_schema(
        tags=["me"],
        responses={200: serializers.ExportSerializer},
        summary="Everything the platform holds about the caller (GDPR portability)",
    )
    def get(self, request):
        return Response(privacy.export_user(request.user))


class DeleteWithBodySchema(AutoSchema):
    """Documents the body of a DELETE: drf-spectacular leaves DELETE bodies out, but this
    one carries the password that confirms the deletion."""

    def _get_request_body(self, direction="request"):
        method = self.method
        if method == "DELETE":
            self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = method


class AccountView(APIView):
    error_codes = {400: {"password": ["incorrect"]}}
    throttle_classes = AUTH_THROTTLES
    schema = DeleteWithBodySchema()

    @extend_schema(
        tags=["me"],
        request=serializers.AccountDeleteSerializer,
        responses={204: None},
        summary="Delete the account (confirmed by password)",
        description="Erases the account and every app's personal data now, or closes it "
        "and erases it after the grace period set by ACCOUNT_ERASURE_GRACE_DAYS. Every "
        "session and socket ends.",
    )
    def delete(self, request):
        serializer = serializers.AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.account_delete_request(
            user=request.user, password=serializer.validated_data["password"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Onboarding ---------------------------------------------------------------------------


def _flow_response(user) -> Response:
    onboarding = selectors.onboarding_of(user)
    return Response(serializers.OnboardingFlowSerializer(onboarding).data)


class OnboardingFlowView(APIView):
    @extend_schema(
        tags=["onboarding"],
        responses={200: serializers.OnboardingFlowSerializer},
        summary="The onboarding steps: what each accepts, what was answered, what is left",
        description="Each step names its `path`, its `fields` (type, required, nullable, "
        "allowed values `{value, label, aliases}`, min and max for numbers, min_items and "
        "max_items for lists; read from the step's own validation), `required_one_of` and "
        "the stored `answers`. Every step's POST answers with this same body.",
    )
    def get(self, request):
        return _flow_response(request.user)


class OnboardingStepView(APIView):
    """One onboarding step: validate with ``serializer_class``, save through ``service``.
    The serializer is the step's entry in ``serializers.ONBOARDING_STEPS``, which the flow
    describes too."""

    # A step may need the earlier ones (attr: the step), and the age must be adult.
    error_codes = {
        400: {
            "birth_year": ["underage"],
            "target_age_max": ["invalid_range"],
            "relationship_goal": ["required"],
            "age_verification": ["step_pending"],
            "preferences": ["step_pending"],
        }
    }

    serializer_class: type
    service: staticmethod

    def post(self, request):
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.service(user=request.user, **serializer.validated_data)
        return _flow_response(request.user)


def _step(serializer_class, summary: str):
    return extend_schema_view(
        post=extend_schema(
            tags=["onboarding"],
            request=serializer_class,
            responses={200: serializers.OnboardingFlowSerializer},
            summary=summary,
        )
    )


@_step(
    serializers.AgeVerificationSerializer,
    "Confirm the member is 18 or older (the year is not kept)",
)
class AgeVerificationView(OnboardingStepView):
    serializer_class = serializers.ONBOARDING_STEPS["age_verification"][0]
    service = staticmethod(services.onboarding_verify_age)


@_step(
    serializers.PreferencesSerializer,
    "Whom to practise with (gender, ages) and what for; conversation kinds and goals",
)
class PreferencesView(OnboardingStepView):
    serializer_class = serializers.ONBOARDING_STEPS["preferences"][0]
    service = staticmethod(services.onboarding_set_preferences)


@_step(serializers.SkillGoalsSerializer, "Skills to build, challenges, experience and frequency")
class SkillGoalsView(OnboardingStepView):
    serializer_class = serializers.ONBOARDING_STEPS["skill_goals"][0]
    service = staticmethod(services.onboarding_set_skill_goals)


class OnboardingCompleteView(APIView):
    error_codes = {
        400: {step: ["step_pending"] for step in ("age_verification", "preferences", "skill_goals")}
    }

    @extend_schema(
        tags=["onboarding"],
        request=None,
        responses={200: serializers.OnboardingFlowSerializer},
        summary="Finish onboarding; 400 naming each step still pending",
    )
    def post(self, request):
        services.onboarding_complete(user=request.user)
        return _flow_response(request.user)
