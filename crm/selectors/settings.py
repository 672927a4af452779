"""A member's CRM settings, with the defaults when they never changed any."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.selectors import profile_of

from ..models import CrmSettings

if TYPE_CHECKING:
    from accounts.models import User


def settings_of(owner: User) -> CrmSettings:
    """``owner``'s row, or an unsaved one with the defaults (the profile's time zone)."""
    settings = CrmSettings.objects.filter(owner=owner).first()
    if settings is None:
        settings = CrmSettings(owner=owner)
    if not settings.timezone:
        settings.timezone = profile_of(owner).timezone
    return settings


def phone_region_of(owner: User) -> str:
    """The region numbers typed without a country code are read in ("" when none is set)."""
    region = (
        CrmSettings.objects.filter(owner=owner)
        .values_list("default_phone_region", flat=True)
        .first()
    )
    return region or ""
