"""Reads of accounts that need care: the annotated user for ``/auth/me``, the profile, and
what other apps read of users and profiles (the members the directory lists, a member's
messaging setting), so that only accounts knows its tables. The directory's search is
``accounts.search``."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable, Iterable
from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import url_str_to_user_pk
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils.module_loading import import_string
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from . import search
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


def plans_for(users: Iterable[User]) -> dict[Any, str]:
    """``plan_for`` of many members at once, ``{user id: plan}``, for lists that show each
    row's plan: the ``PLANS_PROVIDER`` setting names the batch twin of ``PLAN_PROVIDER``
    (``billing.selectors.plans_for``: one cache read, then a query or two for the rest);
    unset, each member is asked in turn."""
    users = list(users)
    if settings.PLANS_PROVIDER:
        return _plan_provider(settings.PLANS_PROVIDER)(users)
    return {user.pk: plan_for(user) for user in users}


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


def is_verified_adult(user: User) -> bool:
    """Whether the member passed onboarding's age check: adult, with the time it was
    verified. Read without ``onboarding_of``'s ``get_or_create``, so asking writes nothing."""
    return Onboarding.objects.filter(
        user=user, is_adult=True, age_verified_at__isnull=False
    ).exists()


def time_zone_of(user: User) -> zoneinfo.ZoneInfo:
    """The member's time zone from their profile; UTC without one, or with a name this
    machine does not know."""
    profile = Profile.objects.filter(user=user).values_list("timezone", flat=True).first()
    try:
        return zoneinfo.ZoneInfo(profile or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def email_confirmation_address(key: str) -> EmailAddress | None:
    """The unverified address an emailed verification key confirms; None when the key is
    forged, expired, or its address is verified already."""
    confirmation = EmailConfirmationHMAC.from_key(key)
    return None if confirmation is None else confirmation.email_address


def password_reset_user(key: str) -> User | None:
    """The active user an emailed reset key (``<uid>-<token>``) is for, while it works: the
    token is derived from the password hash, the last sign-in and the address, so it stops
    working once any of them changes, and after ``PASSWORD_RESET_TIMEOUT``."""
    uid, _, token = key.partition("-")
    try:
        user = User.objects.get(pk=url_str_to_user_pk(uid), is_active=True)
    except (User.DoesNotExist, ValidationError, ValueError):
        return None
    return user if default_token_generator.check_token(user, token) else None


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


# --- staff's member list ------------------------------------------------------------------

# ``ordering`` of ``users_for_staff``: each ends on a unique key, so pages never overlap.
STAFF_ORDERINGS = {
    "-date_joined": ("-date_joined", "-id"),
    "date_joined": ("date_joined", "id"),
    "-last_seen": (F("last_seen").desc(nulls_last=True), "-date_joined", "-id"),
    "email": ("email",),
}


def users_for_staff(
    *,
    search_text: str = "",
    is_active: bool | None = None,
    joined_after: dt.date | None = None,
    joined_before: dt.date | None = None,
    last_seen_after: dt.date | None = None,
    last_seen_before: dt.date | None = None,
    ordering: str = "-date_joined",
) -> QuerySet[User]:
    """Every account, staff included, for staff's member list, with the profile joined and
    ``email_verified`` and ``last_seen`` annotated; narrowed by ``search_text`` (display
    name or email, ``search.users_matching_name_or_email``), ``is_active`` and by dates,
    each bound inclusive, in whole UTC days.

    ``last_seen`` is the latest of what the platform records of a member coming back: their
    last sign-in (``last_login``, set by ``login`` and by the admin's sign-in) and the newest
    refresh token issued to them, which every sign-in and every token refresh records
    (``OutstandingToken.created_at``), so it moves while a client keeps a session alive.
    Refresh tokens go once expired (their retention), leaving the last sign-in. None for a
    member never seen."""
    latest_token = OutstandingToken.objects.filter(user=OuterRef("pk")).order_by("-created_at")
    queryset = (
        User.objects.select_related("profile")
        .annotate(
            email_verified=Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)),
            token_seen=Subquery(latest_token.values("created_at")[:1]),
        )
        .annotate(
            # GREATEST is NULL on SQLite as soon as one side is; each side falls back on the
            # other, so a member seen one way only is still seen.
            last_seen=Greatest(
                Coalesce("last_login", "token_seen"), Coalesce("token_seen", "last_login")
            )
        )
    )
    if search_text:
        queryset = search.users_matching_name_or_email(queryset, search_text)
    if is_active is not None:
        queryset = queryset.filter(is_active=is_active)
    queryset = _within_days(queryset, "date_joined", joined_after, joined_before)
    queryset = _within_days(queryset, "last_seen", last_seen_after, last_seen_before)
    return queryset.order_by(*STAFF_ORDERINGS[ordering])


def _within_days(queryset: QuerySet, name: str, first: dt.date | None, last: dt.date | None):
    """``queryset`` with ``name`` on or after the day ``first`` and on or before the day
    ``last`` (UTC), as half-open bounds on the timestamp, which an index can serve."""
    if first is not None:
        queryset = queryset.filter(**{f"{name}__gte": _start_of(first)})
    if last is not None and last < dt.date.max:
        queryset = queryset.filter(**{f"{name}__lt": _start_of(last + dt.timedelta(days=1))})
    return queryset


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
