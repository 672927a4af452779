from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class AiConfig(AppConfig):
    name = "ai"
    verbose_name = "AI gateway"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)

        # Each app declares its AI features in ai_features.py, found here like admin.py.
        autodiscover_modules("ai_features")
