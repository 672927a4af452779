from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers the system checks)
            signals,  # noqa: F401  (hears allauth)
        )


class PlatformAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, on a site that throttles its login (``accounts.admin_site``).
    Named in INSTALLED_APPS; not this module's default, which stays AccountsConfig."""

    default = False

    default_site = "accounts.admin_site.PlatformAdminSite"
