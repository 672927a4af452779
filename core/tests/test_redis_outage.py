"""A real Redis goes away under REST and an open socket, then comes back (README, "When
Redis is down").

The test starts its own ``redis-server`` on a free loopback port (never the shared one),
points the production configuration at it (cache, channel layer, Celery broker), and stops
it while a socket is open: REST keeps answering, the socket gets a close frame with 1013,
``/health/`` names what is down. Redis then restarts on the same port, and the very first
handshake succeeds and a push reaches it, although every pooled connection is stale.
"""

import asyncio
import socket
import subprocess
import time
import uuid

import pytest
import redis
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.models import User
from accounts.services import tokens_for
from accounts.tests.helpers import bearer
from config import celery_app
from config.asgi import application
from config.settings.base import redis_caches, redis_channel_layers
from core import realtime

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

START_SECONDS = 5
FRAME_SECONDS = 5
SCENARIO_SECONDS = 30


class RedisServer:
    """A throwaway redis-server on 127.0.0.1: no persistence, stopped with the test."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_SECONDS
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def production_redis(settings, redis_server) -> RedisServer:
    """Cache, channel layer and Celery broker on ``redis_server``, as production has them."""
    settings.CACHES = redis_caches(redis_server.url, "outage-test")
    settings.CHANNEL_LAYERS = redis_channel_layers(redis_server.url, f"outage-{uuid.uuid4().hex}")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = redis_server.url
    celery_app.amqp._producer_pool = celery_app._pool = None
    yield redis_server
    celery_app.conf.broker_url = original
    celery_app.amqp._producer_pool = celery_app._pool = None


async def open_socket(access: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/", subprotocols=["bearer", access])
    assert await communicator.connect(timeout=FRAME_SECONDS) == (True, "bearer")
    return communicator


async def test_rest_and_sockets_ride_out_a_redis_outage(production_redis):
    # given: a member with an open socket and a REST client
    user = await User.objects.acreate(email="ada@example.com")
    access = (await database_sync_to_async(tokens_for)(user=user))["access"]
    client = bearer(access)
    get, post = sync_to_async(client.get), sync_to_async(client.post)
    push = database_sync_to_async(realtime.send_to_user)

    async def scenario() -> None:
        first = await open_socket(access)
        assert (await get("/api/v1/auth/me")).status_code == 200

        # when: Redis goes away under both
        production_redis.stop()

        # then: the socket is closed with 1013, not dropped
        assert await first.receive_output(timeout=FRAME_SECONDS) == {
            "type": "websocket.close",
            "code": realtime.CLOSE_TRY_AGAIN_LATER,
        }
        # and REST keeps answering, a write included; the ticket store says 503
        me = await get("/api/v1/auth/me")
        assert (me.status_code, me.json()["email"]) == (200, "ada@example.com")
        written = await post("/api/v1/community/posts", {"content": "Redis or not"})
        assert written.status_code == 201
        ticket = await post("/api/v1/auth/ws-ticket")
        assert (ticket.status_code, ticket.json()["errors"][0]["code"]) == (
            503,
            "realtime_unavailable",
        )
        # and the health check names the three Redis roles, and only those
        health = await get("/health/")
        assert health.status_code == 503
        assert {name: check["status"] for name, check in health.json()["checks"].items()} == {
            "database": "ok",
            "cache": "error",
            "channel_layer": "error",
            "broker": "error",
        }
        # and a handshake meanwhile is accepted, then closed with 1013 (not an HTTP 500)
        refused = WebsocketCommunicator(application, "/ws/", subprotocols=["bearer", access])
        assert await refused.connect(timeout=FRAME_SECONDS) == (True, "bearer")
        assert await refused.receive_output(timeout=FRAME_SECONDS) == {
            "type": "websocket.close",
            "code": realtime.CLOSE_TRY_AGAIN_LATER,
        }

        # when: Redis is back on the same port
        production_redis.start()

        # then: the very first handshake succeeds, and a push from sync code reaches it
        again = await open_socket(access)
        await push(user.pk, {"type": "test.back", "n": 1})
        assert await again.receive_json_from(timeout=FRAME_SECONDS) == {"type": "test.back", "n": 1}
        health = await get("/health/")
        assert health.status_code == 200
        await again.disconnect()

    await asyncio.wait_for(scenario(), timeout=SCENARIO_SECONDS)
