"""The member's choice of channels per kind, and the unsubscribe link of emails."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from analytics.services import track
from core.exceptions import DomainError

from .. import emails, kinds
from ..kinds import Kind
from ..models import NotificationPreference

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def preferences_update(*, user: User, changes: dict[str, dict[str, bool]]) -> None:
    """Apply ``{kind: {channel: bool}}`` to the member's choices. An unknown kind or an
    attempt to switch off a channel of an essential kind is refused, naming
    ``<kind>`` / ``<kind>.<channel>``; nothing is changed then."""
    unknown = [name for name in changes if kinds.find(name) is None]
    if unknown:
        raise DomainError(
            "Unknown notification kind.",
            code="unknown_kind",
            fields={name: "Unknown notification kind." for name in unknown},
        )
    refused = {
        f"{name}.{channel}": "This notification is essential and cannot be switched off."
        for name, channels in changes.items()
        for channel, value in channels.items()
        if kinds.get(name).essential and value != kinds.get(name).channel_default(channel)
    }
    if refused:
        raise DomainError(
            "Essential notifications cannot be switched off.", code="essential", fields=refused
        )
    for name, channels in changes.items():
        values = {c: bool(v) for c, v in channels.items() if c in kinds.CHANNELS}
        if values and not kinds.get(name).essential:
            NotificationPreference.objects.update_or_create(user=user, kind=name, defaults=values)


def unsubscribe(*, token: str) -> tuple[Any, Kind]:
    """Switch off the email of the kind the signed ``token`` names, for the member it names
    (the link in every non-essential email). Returns (user, kind). Idempotent. A bad,
    expired or unusable token is a 400 on ``token``."""
    try:
        user_id, kind_name = emails.read_unsubscribe_token(token)
    except signing.SignatureExpired as exc:
        raise DomainError(
            "This unsubscribe link has expired; change your notification settings in the app.",
            code="expired",
            attr="token",
        ) from exc
    except signing.BadSignature as exc:
        raise DomainError(
            "This unsubscribe link is not valid.", code="invalid", attr="token"
        ) from exc
    kind = kinds.find(kind_name)
    try:
        user = get_user_model().objects.filter(pk=user_id).first()
    except DjangoValidationError:
        user = None
    if user is None or kind is None or kind.essential:
        raise DomainError("This unsubscribe link is no longer valid.", code="invalid", attr="token")
    NotificationPreference.objects.update_or_create(
        user=user, kind=kind.name, defaults={"email": False}
    )
    track("notification_unsubscribed", user, kind=kind.name)
    return user, kind
