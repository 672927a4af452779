"""A member's CRM settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from ..models import CrmSettings

if TYPE_CHECKING:
    from accounts.models import User

EDITABLE = (
    "default_phone_region",
    "timezone",
    "referral_points",
    "referee_points",
    "reward_delay_hours",
)


@transaction.atomic
def crm_settings_update(*, owner: User, **changes) -> CrmSettings:
    """Change some of ``owner``'s settings, creating their row on the first change.
    ``changes`` are already validated (region, IANA zone, points)."""
    # The stored values, not settings_of's: a blank time zone keeps following the profile.
    current = CrmSettings.objects.filter(owner=owner).first() or CrmSettings(owner=owner)
    values = {name: changes.get(name, getattr(current, name)) for name in EDITABLE}
    settings, _ = CrmSettings.objects.update_or_create(owner=owner, defaults=values)
    return settings
