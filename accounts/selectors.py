"""Reads of accounts that need care: the annotated user for ``/auth/me`` and the profile."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet, Subquery

from .models import Consent, Onboarding, Profile, User


def plan_for(user) -> str:
    """The caller's plan name. Every member is on ``DEFAULT_PLAN`` until billing derives
    plans from subscriptions (then this defers to ``billing.selectors.plan_for``)."""
    return settings.DEFAULT_PLAN


def users_with_state() -> QuerySet[User]:
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return User.objects.select_related("onboarding").annotate(email_verified=Exists(verified))


def me(user) -> User:
    return users_with_state().get(pk=user.pk)


def profile_of(user) -> Profile:
    latest_marketing = Consent.objects.filter(
        user=OuterRef("user_id"), kind=Consent.Kind.MARKETING
    ).order_by("-created_at")
    return (
        Profile.objects.select_related("user")
        .annotate(marketing_opt_in=Subquery(latest_marketing.values("granted")[:1]))
        .get(user=user)
    )


def onboarding_of(user) -> Onboarding:
    onboarding, _ = Onboarding.objects.get_or_create(user=user)
    return onboarding
