import copy
from pathlib import Path

import pytest

from ai import features

from .fake_openai import FakeOpenAI

TEST_QUOTAS = {"free": {"*": 20, "ai.text_summary": 5}, "premium": {"*": 100}}
# Prompt templates of the features that only tests declare (aitest.*).
TEST_TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture(autouse=True)
def _ai_settings(settings):
    """The offline provider and known quotas, whatever the environment says; the fake
    server fixture switches to the openai provider."""
    settings.AI_API_KEY = ""
    settings.AI_MODERATION_API_KEY = ""
    settings.AI_MODEL = "test-model"
    settings.AI_MODELS = {}
    settings.AI_QUOTAS = TEST_QUOTAS
    settings.DEFAULT_PLAN = "free"


@pytest.fixture
def fake_openai(settings):
    """The openai provider against a fake OpenAI-compatible server on 127.0.0.1, with
    waits small enough for tests. Every scripted reply must be used."""
    server = FakeOpenAI().start()
    settings.AI_BASE_URL = server.base_url
    settings.AI_API_KEY = "test-key"
    settings.AI_TIMEOUT = 2.0
    settings.AI_MAX_RETRIES = 2
    settings.AI_RETRY_BACKOFF = 0.01
    settings.AI_RETRY_MAX_WAIT = 1.0
    yield server
    server.stop()
    assert server.unused == [], "scripted replies were never requested"


@pytest.fixture
def test_features(settings):
    """Register features for one test (their prompts come from ai/tests/templates); they
    are withdrawn afterwards."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], TEST_TEMPLATES]
    settings.TEMPLATES = templates
    registered: list[str] = []

    def register(name: str, **kwargs) -> features.Feature:
        feature = features.register(name, **kwargs)
        registered.append(name)
        return feature

    yield register
    for name in registered:
        features.unregister(name)
