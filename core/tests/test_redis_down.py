"""Redis is an accelerator, not a dependency of REST (README, "When Redis is down").

Every test here points the production configuration (``config.settings.base.redis_caches``
and ``redis_channel_layers``, and the Celery broker) at a closed port on 127.0.0.1, where
connecting is refused at once: reads and writes keep answering, throttles and caches fail
open and the outage is logged once, what truly needs Redis answers 503 with a code, and a
socket is accepted and closed with 1013 rather than refused with an HTTP 500.
``core/tests/test_redis_outage.py`` does the same against a real Redis that goes away.
"""

import logging
import socket

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.models import User
from accounts.services import tokens_for
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.helpers import client_for
from ai.models import Generation
from community.tests.factories import MembershipFactory, TierFactory
from config import celery_app
from config.asgi import application
from config.settings.base import redis_caches, redis_channel_layers
from core import realtime
from core.cache import FailOpenRedisCache

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me"
CACHE_LOGGER = "core.cache"


def closed_port() -> int:
    """A port nothing listens on. Each test gets its own, so each sees a fresh outage (the
    process remembers one per Redis address)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url() -> str:
    return f"redis://127.0.0.1:{closed_port()}/0"


@pytest.fixture
def cache_down(settings, redis_url) -> str:
    settings.CACHES = redis_caches(redis_url)
    return redis_url


@pytest.fixture
def layer_down(settings, redis_url) -> str:
    settings.CHANNEL_LAYERS = redis_channel_layers(redis_url)
    return redis_url


@pytest.fixture
def broker_down(settings, redis_url):
    """Celery publishing for real, to the closed port. Celery reads its broker once and
    keeps a pool of connections to it, so both are swapped for the test and back."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = redis_url
    _forget_broker_connections()
    yield redis_url
    celery_app.conf.broker_url = original
    _forget_broker_connections()


def _forget_broker_connections() -> None:
    celery_app.amqp._producer_pool = None
    celery_app._pool = None


def warnings_of(caplog, logger: str) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == logger and record.levelno >= logging.WARNING
    ]


# --- REST ----------------------------------------------------------------------------------


def test_reads_writes_and_sign_in_answer_while_the_cache_is_down(cache_down, member, api):
    # given
    client = client_for(member)

    # when
    me = client.get(ME)
    post = client.post("/api/v1/community/posts", {"title": "Hi", "content": "Still here"})
    login = api.post("/api/v1/auth/login", {"email": member.email, "password": PASSWORD})
    profile = client.patch("/api/v1/me/profile", {"display_name": "Unbothered"})

    # then
    assert (me.status_code, me.json()["email"]) == (200, member.email)
    assert (post.status_code, post.json()["content"]) == (201, "Still here")
    assert (login.status_code, login.json()["user"]["id"]) == (200, str(member.pk))
    assert (profile.status_code, profile.json()["display_name"]) == (200, "Unbothered")


def test_throttles_let_requests_through_without_their_counters(cache_down, member, settings):
    # given: one community write a minute, which a working cache would enforce at once
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "community_write": "1/min"},
    }
    client = client_for(member)

    # when
    statuses = [
        client.post("/api/v1/community/posts", {"content": f"post {n}"}).status_code
        for n in range(3)
    ]

    # then
    assert statuses == [201, 201, 201]


def test_the_outage_is_logged_once_not_per_request(cache_down, member, caplog):
    # given
    client = client_for(member)

    # when
    with caplog.at_level(logging.WARNING):
        statuses = [client.get(ME).status_code for _ in range(3)]

    # then
    assert statuses == [200, 200, 200]
    port = cache_down.rsplit(":", 1)[1].split("/")[0]
    assert warnings_of(caplog, CACHE_LOGGER) == [
        f"The Redis cache at 127.0.0.1:{port}/0 is unavailable (ConnectionError: Error 111 "
        f"connecting to 127.0.0.1:{port}. Connection refused.); carrying on without it "
        "until it is back."
    ]


def test_a_socket_ticket_is_a_503_realtime_unavailable(cache_down, member):
    # when
    response = client_for(member).post("/api/v1/auth/ws-ticket")

    # then
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "type": "server_error",
        "errors": [
            {
                "code": "realtime_unavailable",
                "detail": "Real-time connections are unavailable right now; try again shortly.",
                "attr": None,
            }
        ],
    }


def test_recommendations_keep_their_built_reasons_and_ask_the_ai_nothing(cache_down, offline_ai):
    # given: two members with a goal in common, whose AI reasons would be cached
    tier = TierFactory(name="Gold", slug="gold", rank=2)
    viewer = UserFactory(onboarding__goals=["Find clients"])
    other = UserFactory(onboarding__goals=["Find clients"])
    MembershipFactory(user=viewer, tier=tier)
    client = client_for(viewer)

    # when: twice, since without the cache nothing remembers that reasons were asked for
    first = client.get("/api/v1/community/recommendations")
    second = client.get("/api/v1/community/recommendations")

    # then: the built reasons, nothing pending, and no generation (no quota spent) at all
    for response in (first, second):
        assert response.status_code == 200
        body = response.json()
        assert body["reasons_pending"] is False
        assert [item["member"]["id"] for item in body["results"]] == [str(other.pk)]
        assert body["results"][0]["reason_source"] == "template"
    assert Generation.objects.count() == 0


def test_health_sees_the_real_failure_behind_the_fail_open_cache(cache_down, api):
    # when
    response = api.get("/health/")

    # then
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["status"] == "error"
    assert response.json()["checks"]["cache"]["detail"] == "ConnectionError"


def test_the_fail_open_cache_answers_as_an_empty_cache_that_keeps_nothing(redis_url):
    # given
    cache = FailOpenRedisCache(redis_url, {"OPTIONS": {"retry_after": 0}})

    # when
    cache.set("key", "value")
    added = cache.add("other", "value")

    # then
    assert added is False
    assert cache.get("key") is None
    assert cache.get("key", "default") == "default"
    assert cache.get_many(["key", "other"]) == {}
    assert cache.get_or_set("key", "computed") == "computed"
    assert cache.has_key("key") is False
    assert cache.touch("key") is False
    assert cache.delete("key") is False
    assert cache.set_many({"a": 1}) == []
    assert cache.delete_many(["a"]) is None
    assert cache.clear() is False
    with pytest.raises(ValueError, match="not found"):
        cache.incr("counter")


# --- Celery ----------------------------------------------------------------------------------


def test_a_committed_write_is_not_a_500_when_its_task_cannot_be_enqueued(
    broker_down, api, caplog, django_capture_on_commit_callbacks
):
    # given
    payload = {
        "email": "new@example.com",
        "password": "a sturdy passphrase 42",
        "confirm_password": "a sturdy passphrase 42",
        "agreed_to_terms": True,
        "agreed_to_privacy": True,
    }

    # when: the verification email's task is published after the commit
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/auth/register", payload)

    # then
    assert response.status_code == 201
    assert User.objects.filter(email="new@example.com").exists()
    assert [r.getMessage() for r in caplog.records if r.name == "core.tasks"] == [
        "The Celery broker is unavailable (OperationalError: Error 111 connecting to "
        f"127.0.0.1:{broker_down.rsplit(':', 1)[1].split('/')[0]}. Connection refused.); "
        "carrying on without it until it is back.",
        "Task core.tasks.deliver_email was not enqueued: the broker is unavailable.",
    ]


# --- sockets ---------------------------------------------------------------------------------


async def _handshake(path: str = "/ws/", **kwargs) -> tuple[bool, str | None, dict]:
    communicator = WebsocketCommunicator(application, path, **kwargs)
    connected, subprotocol = await communicator.connect(timeout=5)
    closed = await communicator.receive_output(timeout=5)
    await communicator.wait(timeout=5)
    return connected, subprotocol, closed


@pytest.mark.django_db(transaction=True)
async def test_a_handshake_while_the_layer_is_down_is_accepted_then_closed_1013(layer_down):
    # given
    user = await User.objects.acreate(email="ada@example.com")
    access = (await database_sync_to_async(tokens_for)(user=user))["access"]

    # when
    result = await _handshake(subprotocols=["bearer", access])

    # then
    assert result == (True, "bearer", {"type": "websocket.close", "code": 1013})
    assert realtime.CLOSE_TRY_AGAIN_LATER == 1013


@pytest.mark.django_db(transaction=True)
async def test_a_ticket_handshake_while_the_cache_is_down_is_1013_not_unauthorised(cache_down):
    # when: the ticket cannot be looked up, which says nothing about the credentials
    result = await _handshake("/ws/?ticket=abc")

    # then
    assert result == (True, None, {"type": "websocket.close", "code": 1013})


def test_a_push_from_sync_code_is_dropped_once_and_logged_once(
    layer_down, member, caplog, django_capture_on_commit_callbacks
):
    # when
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        realtime.send_to_user(member.pk, {"type": "test.frame"})
        realtime.send_to_user(member.pk, {"type": "test.frame"})

    # then: no error from the commit hooks, and one warning
    assert [r.levelname for r in caplog.records if r.name != "core.realtime"] == []
    assert len(warnings_of(caplog, "core.realtime")) == 1
    assert warnings_of(caplog, "core.realtime")[0].startswith(
        "The channel layer (pushes from sync code) is unavailable (ConnectionError: "
    )
