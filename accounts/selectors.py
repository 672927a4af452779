"""Reads of accounts that need care: the annotated user for ``/auth/me``, the profile, and
what other apps read of users and profiles (the members the directory lists, a member's
messaging setting), so that only accounts knows its tables. The directory's search is
``accounts.search``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils.module_loading import import_string

from .choices import DirectoryVisibility
from .models import Consent, Onboarding, Profile, User


@functools.cache
def _plan_provider(path: str) -> Callable[[Any], str]:
    return import_string(path)


def plan_for(user: User) -> str:
    """The caller's plan name: the answer of the function the ``PLAN_PROVIDER`` setting
    names (``billing.selectors.plan_for``), or ``DEFAULT_PLAN`` for everyone when it is
    unset (no billing).

    A setting rather than a registry billing fills at start-up: grep for PLAN_PROVIDER
    lands on the provider, the answer does not depend on which app's ``ready`` has run,
    and accounts and the apps that ask it still never import billing (config, which
    knows every app, names it)."""
    if not settings.PLAN_PROVIDER:
        return settings.DEFAULT_PLAN
    return _plan_provider(settings.PLAN_PROVIDER)(user)


def users_with_state() -> QuerySet[User]:
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return User.objects.select_related("onboarding").annotate(email_verified=Exists(verified))


def me(user: User) -> User:
    return users_with_state().get(pk=user.pk)


def profile_of(user: User) -> Profile:
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


def onboarding_of(user: User) -> Onboarding:
    onboarding, _ = Onboarding.objects.get_or_create(user=user)
    return onboarding


def listed_users() -> QuerySet[User]:
    """The active users whose profile lists them in the member directory
    (``directory_visibility`` = ``members``), with the profile joined; unordered."""
    return User.objects.filter(
        is_active=True, profile__directory_visibility=DirectoryVisibility.MEMBERS
    ).select_related("profile")


# Plain SQL for a hot path that must stay one cheap query (community's message send, where
# compiling a queryset cost more than the database spent answering): the row ``(id,
# allow_messages_from)`` of the active user ``%(user)s``, none when there is no such active
# user; ``allow_messages_from`` is NULL for a user without a profile. Callers use it as a
# derived table, so these tables' names and columns are written here only.
MESSAGING_SETTING_SQL = """
    SELECT u.id AS id, p.allow_messages_from AS allow_messages_from
      FROM accounts_user u
      LEFT OUTER JOIN accounts_profile p ON p.user_id = u.id
     WHERE u.id = %(user)s AND u.is_active
"""
