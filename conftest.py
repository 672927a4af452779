"""Fixtures shared by every app's tests; each app's factories live in its tests/factories.py.

Tests that need a real PostgreSQL or Redis carry ``@pytest.mark.postgres`` /
``@pytest.mark.redis``: they run when ``DATABASE_URL`` / ``REDIS_URL`` point at one, are
left out on a laptop without them, and fail under CI (``CI`` set) when the URL is missing.
"""

import os

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from accounts.services import tokens_for
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import bearer, client_for
from ai.tests.fake_openai import FakeOpenAI


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs DATABASE_URL pointing at PostgreSQL")
    config.addinivalue_line("markers", "redis: needs REDIS_URL pointing at Redis")


def _service_available(marker: str) -> bool:
    if marker == "postgres":
        return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    return bool(os.environ.get("REDIS_URL"))


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis"):
        if item.get_closest_marker(marker) and not _service_available(marker):
            if os.environ.get("CI"):
                pytest.fail(f"CI is set but no {marker} service is configured for this test.")
            pytest.skip(reason=f"needs the {marker} service (set its URL to run)")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle, lockout and ticket counters must not leak from one test to the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def member(db):
    """A member with a verified address, a profile and an empty onboarding."""
    return UserFactory()


@pytest.fixture
def other_member(db):
    return UserFactory()


@pytest.fixture
def tokens(member) -> dict[str, str]:
    return tokens_for(user=member)


@pytest.fixture
def member_api(tokens) -> APIClient:
    """An API client signed in as ``member``, with the access token of ``tokens``."""
    return bearer(tokens["access"])


@pytest.fixture
def grant_plan(db):
    """``grant_plan(user, plan="premium")``: give ``user`` a plan the way staff do
    (``billing.services.grant_create``), with no Stripe involved; returns the grant."""
    from billing.services import grant_create

    def grant(user, plan: str = "premium"):
        return grant_create(user=user, plan=plan, reason="test")

    return grant


@pytest.fixture
def premium_member(member, grant_plan):
    """``member`` on the premium plan (a staff grant)."""
    grant_plan(member)
    return member


@pytest.fixture
def staff(db):
    """A staff member (not a superuser): what the API's staff-only endpoints allow."""
    return UserFactory(is_staff=True)


@pytest.fixture
def staff_api(staff) -> APIClient:
    return client_for(staff)


@pytest.fixture
def superuser(db):
    """A staff superuser, who may do everything in the admin."""
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_browser(superuser) -> Client:
    """A browser signed in to the admin as ``superuser``."""
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def offline_ai(settings):
    """The offline AI provider, one model name and 20 units a day of every feature on the
    free plan, whatever the environment says."""
    settings.AI_API_KEY = ""
    settings.AI_MODEL = "test-model"
    settings.AI_MODELS = {}
    settings.AI_QUOTAS = {"free": {"*": 20}}
    settings.DEFAULT_PLAN = "free"


@pytest.fixture
def fake_openai(offline_ai, settings):
    """The openai provider against a fake OpenAI-compatible server on 127.0.0.1
    (ai/tests/fake_openai.py), without retries. Every scripted reply must be used."""
    server = FakeOpenAI().start()
    settings.AI_BASE_URL = server.base_url
    settings.AI_API_KEY = "test-key"
    settings.AI_TIMEOUT = 2.0
    settings.AI_MAX_RETRIES = 0
    yield server
    server.stop()
    assert server.unused == [], "scripted replies were never requested"


@pytest.fixture
async def socket_of():
    """``await socket_of(user)``: a socket of ``user`` on the real ASGI application, opened
    with a fresh ticket and asserted accepted; every one is closed at the end."""
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from core import realtime

    opened: list[WebsocketCommunicator] = []

    async def connect(user) -> WebsocketCommunicator:
        ticket, _ = await database_sync_to_async(realtime.issue_ws_ticket)(user)
        communicator = WebsocketCommunicator(application, f"/ws/?ticket={ticket}")
        opened.append(communicator)
        assert await communicator.connect() == (True, None)
        return communicator

    yield connect
    for communicator in opened:
        await communicator.disconnect()
