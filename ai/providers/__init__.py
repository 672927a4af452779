"""Who answers a generation: the ``openai`` provider when ``AI_API_KEY`` is set, else the
``offline`` one. Services ask :func:`get_provider` on every run, so a settings change (an
operator's key, a test's fake server) applies to the next generation."""

from django.conf import settings

from .base import (
    Completion,
    Delta,
    Provider,
    ProviderError,
    ProviderRequest,
    ProviderStream,
)
from .offline import OfflineProvider
from .openai_compatible import OpenAICompatibleProvider

__all__ = [
    "Completion",
    "Delta",
    "OfflineProvider",
    "OpenAICompatibleProvider",
    "Provider",
    "ProviderError",
    "ProviderRequest",
    "ProviderStream",
    "get_provider",
]


def get_provider() -> Provider:
    if settings.AI_API_KEY:
        return OpenAICompatibleProvider.from_settings()
    return OfflineProvider()
