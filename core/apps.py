from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)

        # Each app declares its privacy policies in privacy.py and its WebSocket frame
        # handlers in events.py; both are found here, so no shared file lists the apps.
        autodiscover_modules("privacy")
        autodiscover_modules("events")
