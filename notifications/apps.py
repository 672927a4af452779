from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401  (system checks; hears allauth)

        # Each app declares its kinds in its notification_kinds.py, this one included, so
        # no shared file lists the apps.
        autodiscover_modules("notification_kinds")
