"""Reads of accounts that need care: the annotated user for ``/auth/me`` and the profile."""

from collections.abc import Callable
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet, Subquery

from .models import Consent, Onboarding, Profile, User

_plan_provider: Callable[[Any], str] | None = None


def register_plan_provider(provider: Callable[[Any], str]) -> None:
    """Billing registers ``billing.selectors.plan_for`` here at start-up, so accounts and
    the apps that ask it never import billing (dependencies point one way)."""
    global _plan_provider
    _plan_provider = provider


def plan_for(user) -> str:
    """The caller's plan name: billing's answer when billing is installed, otherwise
    ``DEFAULT_PLAN`` for everyone."""
    if _plan_provider is None:
        return settings.DEFAULT_PLAN
    return _plan_provider(user)


def users_with_state() -> QuerySet[User]:
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return User.objects.select_related("onboarding").annotate(email_verified=Exists(verified))


def me(user) -> User:
    return users_with_state().get(pk=user.pk)


def profile_of(user) -> Profile:
    """The caller's profile with their marketing choice. Every user gets a profile when
    created (``services.user_rows_ensure``); one made without ``save()`` (``bulk_create``, a
    fixture) gets it here rather than a 500."""
    latest_marketing = Consent.objects.filter(
        user=OuterRef("user_id"), kind=Consent.Kind.MARKETING
    ).order_by("-created_at")
    profiles = Profile.objects.select_related("user").annotate(
        marketing_opt_in=Subquery(latest_marketing.values("granted")[:1])
    )
    try:
        return profiles.get(user=user)
    except Profile.DoesNotExist:
        Profile.objects.get_or_create(user=user)
        return profiles.get(user=user)


def onboarding_of(user) -> Onboarding:
    onboarding, _ = Onboarding.objects.get_or_create(user=user)
    return onboarding
