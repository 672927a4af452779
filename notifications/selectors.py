"""Reads of notifications that need care: the inbox, the unread count, and the rule that
decides which channels a notification goes out on.

The channel rule, for a member and a kind:

1. An inactive account (closed, awaiting erasure) gets nothing.
2. An essential kind always uses its default channels: no preference, unsubscribe link or
   profile switch turns it off.
3. Otherwise a channel is on when the profile's master switch for it is on
   (``Profile.in_app_notifications`` / ``Profile.email_notifications``) **and** the
   member's choice for that kind says so; a kind they never chose for uses its default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from accounts.adapters import AccountAdapter

from . import kinds
from .kinds import Kind
from .models import Notification, NotificationPreference

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class Channels:
    in_app: bool
    email: bool


NO_CHANNELS = Channels(in_app=False, email=False)
# "Look the preference up": None already means "the member has no preference row".
LOOKUP = object()


def master_switches(user: User) -> tuple[bool, bool]:
    """The profile's (in_app, email) switches; an account without a profile has both on."""
    try:
        profile = user.profile
    except ObjectDoesNotExist:
        return True, True
    return profile.in_app_notifications, profile.email_notifications


def channels_for(
    user, kind: Kind, preference: NotificationPreference | None | object = LOOKUP
) -> Channels:
    """The channels a notification of ``kind`` uses for ``user`` right now (rule above).
    Pass ``preference`` (a row or None) when it is already loaded; otherwise it is looked
    up."""
    if not user.is_active:
        return NO_CHANNELS
    if kind.essential:
        return Channels(in_app=kind.in_app, email=kind.email)
    in_app_on, email_on = master_switches(user)
    if not (in_app_on or email_on):
        return NO_CHANNELS
    if preference is LOOKUP:
        preference = NotificationPreference.objects.filter(user=user, kind=kind.name).first()
    chosen = _chosen(kind, preference)
    return Channels(in_app=in_app_on and chosen["in_app"], email=email_on and chosen["email"])


def _chosen(kind: Kind, preference: NotificationPreference | None) -> dict[str, bool]:
    """The member's choice per channel for ``kind``, defaults filled in."""
    values = {}
    for channel in kinds.CHANNELS:
        stored = getattr(preference, channel, None) if preference is not None else None
        if kind.essential or stored is None:
            values[channel] = kind.channel_default(channel)
        else:
            values[channel] = stored
    return values


def preferences_for(user: User) -> dict[str, dict[str, Any]]:
    """Every kind with the member's choice (defaults filled in), for the preferences API.
    The profile's master switches are not folded in: they are shown on the profile."""
    stored = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    return {
        kind.name: {
            **_chosen(kind, stored.get(kind.name)),
            "essential": kind.essential,
            "description": kind.description,
        }
        for kind in kinds.all_kinds()
    }


def inbox(*, unread: bool | None = None) -> QuerySet[Notification]:
    """Inbox entries, newest first; ``unread=True`` keeps the unread ones only,
    ``unread=False`` the read ones. Scope it to a member (``inbox_for``, or the API's
    owner scoping)."""
    queryset = Notification.objects.filter(in_app=True)
    if unread is not None:
        queryset = queryset.filter(read_at__isnull=unread)
    return queryset.order_by("-created_at", "-id")


def inbox_for(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    return inbox(unread=unread).filter(user=user)


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, in_app=True, read_at__isnull=True).count()


# --- The verification reminder's hooks (notification_kinds.py) ----------------------------


def unverified_address(user: User) -> EmailAddress | None:
    return EmailAddress.objects.filter(user=user, verified=False).order_by("-primary", "pk").first()


def verification_reminder_skip_reason(*, user: User, data: dict[str, Any]) -> str | None:
    """``skip_reason`` of ``verify_email_reminder``: nothing to remind of any more."""
    if EmailAddress.objects.filter(user=user, verified=True).exists():
        return "The email address was verified before the reminder was due."
    if unverified_address(user) is None:
        return "No email address is waiting for verification."
    return None


def verification_email_context(*, notification: Notification) -> dict[str, Any]:
    """``email_context`` of ``verify_email_reminder``: a new key, made when the email is
    rendered, so it is valid for the full EMAIL_VERIFICATION_EXPIRE_DAYS from the moment
    the member receives it."""
    address = unverified_address(notification.user)
    if address is None:
        raise LookupError("No email address is waiting for verification.")
    confirmation = EmailConfirmationHMAC(address)
    return {
        "email": address.email,
        "key": confirmation.key,
        "activate_url": AccountAdapter().get_email_confirmation_url(None, confirmation),
    }
