"""Every write to accounts: registration, sign-in, tokens, passwords, profile, onboarding,
consent and erasure. Views, admin actions and management commands call these."""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.signals import user_signed_up
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import authenticate, password_validation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from analytics.services import track
from core import privacy, realtime
from core.encryption import blind_index
from core.exceptions import DomainError

from . import lockout, selectors
from .adapters import AccountAdapter
from .addresses import normalise_email
from .models import Consent, Onboarding, Profile, User
from .tokens import RefreshToken

ERASED = "erased member"


class InvalidCredentials(DomainError):
    status_code = 401
    code = "authentication_failed"


class EmailNotVerified(DomainError):
    status_code = 403
    code = "email_not_verified"


# --- Registration and email verification --------------------------------------------------


@transaction.atomic
def user_register(
    *, email: str, password: str, marketing_opt_in: bool = False, request=None
) -> User:
    """Create a member with their profile, onboarding, consents and unverified address, and
    send the verification email. A taken email is a field error on ``email``."""
    email = normalise_email(email)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
    except IntegrityError as exc:
        raise DomainError(
            "An account with this email already exists.", code="unique", attr="email"
        ) from exc
    address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    # The profile and onboarding rows came with the user (``user_rows_ensure``).
    consents_record_registration(user=user, marketing_opt_in=marketing_opt_in)
    EmailConfirmationHMAC(address).send(request, signup=True)
    _announce_signup(user, request)
    track("signup", user, marketing_opt_in=marketing_opt_in)
    return user


@transaction.atomic
def user_rows_ensure(*, user: User) -> tuple[Profile, Onboarding]:
    """The rows every user has from the moment they exist: an empty profile and onboarding.

    Called for every new user by ``signals.user_rows_on_create`` (the user model's own
    ``post_save``), because users are made on paths accounts does not control: Django's
    ``createsuperuser``, the admin's add form, ``User.objects.create`` in a shell or a
    factory, as well as registration. Idempotent (``get_or_create`` on the one-to-one), so
    a caller that creates the rows itself, or a second call, is harmless. Users made
    without ``save()`` (``bulk_create``, fixtures) get theirs when first read
    (``selectors.profile_of``, ``selectors.onboarding_of``) and from migration 0004."""
    profile, _ = Profile.objects.get_or_create(user=user)
    onboarding, _ = Onboarding.objects.get_or_create(user=user)
    return profile, onboarding


def _announce_signup(user: User, request) -> None:
    # allauth's signal, sent once the account exists for sure: apps that act on a new member
    # (notifications' welcome email) listen to it instead of accounts calling up to them.
    transaction.on_commit(
        lambda: user_signed_up.send(sender=User, request=request, user=user), robust=True
    )


def consents_record_registration(*, user: User, marketing_opt_in: bool) -> list[Consent]:
    """The consents given by registering: the terms and privacy policy in force, and the
    marketing choice."""
    return Consent.objects.bulk_create(
        [
            Consent(
                user=user, kind=Consent.Kind.TERMS, version=settings.TERMS_VERSION, granted=True
            ),
            Consent(
                user=user, kind=Consent.Kind.PRIVACY, version=settings.PRIVACY_VERSION, granted=True
            ),
            Consent(user=user, kind=Consent.Kind.MARKETING, granted=marketing_opt_in),
        ]
    )


@transaction.atomic
def user_provision(*, user: User, request=None) -> User:
    """Give a user created outside registration (by staff in the admin) what registration
    gives: profile, onboarding, and an unverified address with its verification email.
    Consents stay for the member to give."""
    user_rows_ensure(user=user)
    address, created = EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"primary": True, "verified": False}
    )
    if created:
        EmailConfirmationHMAC(address).send(request, signup=True)
        _announce_signup(user, request)
    track("signup", user, source="staff")
    return user


def email_verify(*, key: str, request=None) -> EmailAddress:
    confirmation = EmailConfirmationHMAC.from_key(key)
    if confirmation is None:
        raise DomainError(
            "This verification link is invalid or has expired.", code="invalid_key", attr="key"
        )
    address = confirmation.confirm(request)
    if address is None:
        raise DomainError("This address cannot be verified.", code="invalid_key", attr="key")
    return address


def verification_resend(*, email: str, request=None, base_url: str = "") -> None:
    """Send a new verification email if ``email`` belongs to an unverified address; say
    nothing either way (no account enumeration). Its link starts with ``base_url`` when
    given (the address the asking request reached; ``core.links``)."""
    address = (
        EmailAddress.objects.filter(email__iexact=normalise_email(email), verified=False)
        .select_related("user")
        .first()
    )
    if address is not None and address.user.is_active:
        AccountAdapter(request, base_url=base_url).send_confirmation_mail(
            request, EmailConfirmationHMAC(address), signup=False
        )


# --- Sign-in and tokens -------------------------------------------------------------------


def tokens_for(*, user: User) -> dict[str, str]:
    """A new token pair (access and refresh) for ``user``; the refresh token is recorded."""
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def login(*, email: str, password: str, request) -> tuple[User, dict[str, str]]:
    """Check the credentials and issue a token pair. Repeated failures lock this email out
    from this client address, and slow it down from everywhere else (``lockout``); a
    refused attempt is answered before the password is checked. ``authenticate`` needs the
    request: django-axes records every failure through it."""
    email = normalise_email(email)
    lockout.raise_if_paced(request, email)
    user = authenticate(request, email=email, password=password)
    if user is None:
        lockout.raise_if_locked_out(request, email)
        track("login_failed", None)
        raise InvalidCredentials("No active account found with the given credentials.")
    lockout.record_success(request, email)
    if settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory" and not _email_verified(user):
        raise EmailNotVerified(
            "Verify your email address first; POST /api/v1/auth/verify-email/resend sends a "
            "new link."
        )
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    track("login", user)
    return user, tokens_for(user=user)


def _email_verified(user: User) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def refresh_token_blacklist(*, refresh: str) -> None:
    """Log out one session: its refresh token can no longer be used."""
    try:
        RefreshToken(refresh).blacklist()
    except TokenError as exc:
        raise InvalidCredentials("Token is invalid or expired.", code="token_not_valid") from exc


def refresh_tokens_revoke_all(*, user: User) -> int:
    """Blacklist every refresh token of the user still outstanding; returns how many."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    return len(created)


def sessions_end(*, user: User) -> None:
    """End every session of the user: refresh tokens blacklisted, sockets closed."""
    refresh_tokens_revoke_all(user=user)
    realtime.close_user_sockets(user.pk)


# --- Passwords ----------------------------------------------------------------------------


def _validate_password(password: str, user: User, attr: str = "new_password") -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="password_invalid", attr=attr) from exc


def password_reset_request(*, email: str, request=None, base_url: str = "") -> None:
    """Email a reset link if an active account has this address; say nothing either way.
    The link starts with ``base_url`` when given, as in ``verification_resend``."""
    user = User.objects.filter(email=normalise_email(email), is_active=True).first()
    if user is None:
        return
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    adapter = AccountAdapter(request, base_url=base_url)
    adapter.send_password_reset_mail(
        user,
        user.email,
        {
            "user": user,
            "key": key,
            "password_reset_url": adapter.get_reset_password_from_key_url(key),
            "expires_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
    )


@transaction.atomic
def password_reset_confirm(*, key: str, new_password: str) -> User:
    """Set a new password from an emailed key and end every session of the user. The key
    works once: it is derived from the password hash, which this changes."""
    user = selectors.password_reset_user(key)
    if user is None:
        raise DomainError(
            "This reset link is invalid or has expired.", code="invalid_key", attr="key"
        )
    _validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # Receiving the reset email proves the address is theirs.
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    sessions_end(user=user)
    track("password_reset", user)
    return user


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> dict[str, str]:
    """Change the password, end every other session, and return a fresh token pair for
    this one (tokens carry a hash of the password, so the old access token stops working)."""
    if not user.check_password(old_password):
        raise DomainError(
            "The current password is not correct.", code="incorrect", attr="old_password"
        )
    _validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    sessions_end(user=user)
    track("password_changed", user)
    return tokens_for(user=user)


# --- Profile and consent ------------------------------------------------------------------


def marketing_opted_in(user: User) -> bool:
    latest = (
        Consent.objects.filter(user=user, kind=Consent.Kind.MARKETING)
        .order_by("-created_at")
        .first()
    )
    return bool(latest and latest.granted)


@transaction.atomic
def profile_update(*, user: User, marketing_opt_in: bool | None = None, **fields: Any) -> Profile:
    """Update the caller's profile; a change of marketing opt-in is a new consent row."""
    profile, _ = Profile.objects.select_for_update().get_or_create(user=user)
    for name, value in fields.items():
        setattr(profile, name, value)
    if "phone" in fields:
        profile.phone_index = blind_index(profile.phone) if profile.phone else ""
        fields["phone_index"] = profile.phone_index
    if fields:
        profile.save(update_fields=[*fields, "updated_at"])
    if marketing_opt_in is not None and marketing_opt_in != marketing_opted_in(user):
        Consent.objects.create(
            user=user, kind=Consent.Kind.MARKETING, granted=marketing_opt_in, source="profile"
        )
        track("marketing_consent_changed", user, granted=marketing_opt_in)
    return profile


# --- Onboarding ---------------------------------------------------------------------------


def _onboarding_for_update(user: User) -> Onboarding:
    onboarding, _ = Onboarding.objects.select_for_update().get_or_create(user=user)
    return onboarding


def _require_done(onboarding: Onboarding, *steps: str) -> None:
    missing = [step for step in steps if onboarding.step_done_at(step) is None]
    if missing:
        raise DomainError(
            "Complete the earlier onboarding steps first.",
            code="step_pending",
            fields={step: f"Complete the {step} step first." for step in missing},
        )


def is_certainly_adult(birth_year: int, today: dt.date) -> bool:
    """With only the year known, someone born in ``today.year - 18`` may still be 17, so
    only those born at least 19 calendar years ago are certainly 18 or older."""
    return today.year - birth_year >= settings.MINIMUM_AGE + 1


def onboarding_verify_age(*, user: User, birth_year: int) -> Onboarding:
    """Record whether the member is an adult (the birth year itself is not stored). A
    refusal is recorded too, then raised, so a retry with another year is visible."""
    with transaction.atomic():
        onboarding = _onboarding_for_update(user)
        now = timezone.now()
        onboarding.is_adult = is_certainly_adult(birth_year, now.date())
        onboarding.age_verified_at = now
        onboarding.save(update_fields=["is_adult", "age_verified_at", "updated_at"])
        if onboarding.is_adult:
            track("onboarding_step", user, step="age_verification")
        else:
            track("onboarding_age_refused", user)
    if not onboarding.is_adult:
        raise DomainError(
            f"You must be {settings.MINIMUM_AGE} or older to use this service.",
            code="underage",
            attr="birth_year",
        )
    return onboarding


@transaction.atomic
def onboarding_set_preferences(
    *,
    user: User,
    target_gender: str = "",
    target_age_min: int | None = None,
    target_age_max: int | None = None,
    relationship_goal: str = "",
    target_preferences: list[str] | None = None,
    goals: list[str] | None = None,
) -> Onboarding:
    """Replace the member's preferences: every answer of the step is set, those not given
    to empty. The ages must be in order (a database constraint holds it too)."""
    onboarding = _onboarding_for_update(user)
    _require_done(onboarding, "age_verification")
    if target_age_min is not None and target_age_max is not None:
        if target_age_min > target_age_max:
            raise DomainError(
                "target_age_max must be at least target_age_min.",
                code="invalid_range",
                attr="target_age_max",
            )
    onboarding.target_gender = target_gender
    onboarding.target_age_min = target_age_min
    onboarding.target_age_max = target_age_max
    onboarding.relationship_goal = relationship_goal
    onboarding.target_preferences = list(target_preferences or [])
    onboarding.goals = list(goals or [])
    onboarding.preferences_at = timezone.now()
    onboarding.save(update_fields=[*Onboarding.PREFERENCE_FIELDS, "preferences_at", "updated_at"])
    track("onboarding_step", user, step="preferences")
    return onboarding


@transaction.atomic
def onboarding_set_skill_goals(
    *,
    user: User,
    primary_skills: list[str],
    specific_challenges: list[str],
    experience_level: str,
    practice_frequency: str,
) -> Onboarding:
    onboarding = _onboarding_for_update(user)
    _require_done(onboarding, "age_verification", "preferences")
    onboarding.primary_skills = primary_skills
    onboarding.specific_challenges = specific_challenges
    onboarding.experience_level = experience_level
    onboarding.practice_frequency = practice_frequency
    onboarding.skill_goals_at = timezone.now()
    onboarding.save(
        update_fields=[
            "primary_skills",
            "specific_challenges",
            "experience_level",
            "practice_frequency",
            "skill_goals_at",
            "updated_at",
        ]
    )
    track("onboarding_step", user, step="skill_goals")
    return onboarding


@transaction.atomic
def onboarding_complete(*, user: User) -> Onboarding:
    onboarding = _onboarding_for_update(user)
    if onboarding.completed_at is not None:
        return onboarding
    missing = onboarding.pending_steps
    if missing:
        raise DomainError(
            "Onboarding has steps left.",
            code="step_pending",
            fields={step: f"The {step} step is not done yet." for step in missing},
        )
    onboarding.completed_at = timezone.now()
    onboarding.save(update_fields=["completed_at", "updated_at"])
    track("onboarding_completed", user)
    return onboarding


# --- Erasure ------------------------------------------------------------------------------


@transaction.atomic
def account_erase(*, user: User, source: str) -> dict[str, int]:
    """Erase the account now through the privacy registry: every app's rows are deleted or
    pseudonymised, then the user; raises if any row still points at them. Returns the rows
    handled per model."""
    user_id = user.pk
    refresh_tokens_revoke_all(user=user)
    realtime.close_user_sockets(user_id)
    emails = [user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)]
    lockout.records_erase(emails)
    counts = privacy.erase_user(user)
    # The admin's own history of changes to this account outlives it, without the email and
    # under the same pseudonym as the audit log (privacy.erase_user).
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user_id)
    ).update(object_repr=ERASED, change_message="", object_id=privacy.pseudonym_of(user_id))
    track("account_deleted", None, source=source)
    return counts


def purge_expired(*, dry_run: bool = False) -> dict[str, int]:
    """Apply every retention rule of the privacy registry; accounts past theirs are erased
    like any other erasure (sessions ended, sockets closed, ``account_deleted`` tracked)."""
    return privacy.purge_expired(
        dry_run=dry_run, erase=lambda user: account_erase(user=user, source="retention")
    )


@transaction.atomic
def account_delete_request(*, user: User, password: str) -> dict[str, int] | None:
    """The member's own deletion: confirmed by password, then erased at once, or after
    ``ACCOUNT_ERASURE_GRACE_DAYS`` (the account is closed meanwhile and ``purge_expired``
    erases it). Returns the per-model counts when erased at once."""
    if not user.check_password(password):
        raise DomainError("The password is not correct.", code="incorrect", attr="password")
    if settings.ACCOUNT_ERASURE_GRACE_DAYS <= 0:
        return account_erase(user=user, source="self")
    user.is_active = False
    user.erasure_requested_at = timezone.now()
    user.save(update_fields=["is_active", "erasure_requested_at"])
    sessions_end(user=user)
    track("account_erasure_requested", user)
    return None


# --- Opening and closing accounts ---------------------------------------------------------


@transaction.atomic
def user_set_active(*, user: User, is_active: bool) -> User:
    """Open or close ``user``'s account (staff's doing). Closing it ends every session at
    once: refresh tokens are blacklisted and sockets closed (``sessions_end``), and the
    access tokens still out are refused from the next request, as simplejwt refuses an
    inactive user. An account waiting for its erasure stays closed: reopening it would not
    stop the erasure (``erasure_requested_at``), so it is refused naming ``is_active``.
    Setting the state it already has changes nothing."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == is_active:
        return user
    if is_active and user.erasure_requested_at is not None:
        raise DomainError(
            "This member asked for their account to be erased; it cannot be reopened.",
            code="erasure_requested",
            attr="is_active",
        )
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    if not is_active:
        sessions_end(user=user)
    track("account_activated" if is_active else "account_deactivated", user)
    return user
