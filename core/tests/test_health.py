"""GET /health/: every dependency checked, a failing one named, none able to hang the probe."""

import os
import socket

import pytest

from config import celery_app

pytestmark = pytest.mark.django_db

# A closed port on loopback: connecting is refused at once.
UNREACHABLE_REDIS = "redis://:s3cret-password@127.0.0.1:1/0"


class Latency:
    """Equal to any non-negative float: latencies vary, their presence and type do not."""

    def __eq__(self, other):
        return isinstance(other, float) and other >= 0

    def __repr__(self):
        return "<latency_ms>"


LATENCY = Latency()
OK = {"status": "ok", "latency_ms": LATENCY}


@pytest.fixture
def broker_url():
    """Point the Celery app at another broker for one test; Celery read its settings once."""
    original = celery_app.conf.broker_url

    def use(url: str) -> None:
        celery_app.conf.broker_url = url

    yield use
    celery_app.conf.broker_url = original


@pytest.fixture
def silent_server():
    """A TCP port on 127.0.0.1 that completes the handshake and then never answers."""
    server = socket.create_server(("127.0.0.1", 0), backlog=16)
    yield server.getsockname()[1]
    # Closing resets the queued connections, so the stuck client thread ends too.
    server.close()


def test_all_checks_pass_without_credentials(api):
    # when
    response = api.get("/health/")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": OK,
            "cache": OK,
            "channel_layer": OK,
            "broker": {"status": "ok", "latency_ms": LATENCY, "detail": "eager"},
        },
    }


def test_unreachable_cache_is_named_and_the_others_still_reported(api, settings):
    # given
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNREACHABLE_REDIS,
        }
    }

    # when
    response = api.get("/health/")

    # then
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {
            "database": OK,
            "cache": {"status": "error", "latency_ms": LATENCY, "detail": "ConnectionError"},
            "channel_layer": OK,
            "broker": {"status": "ok", "latency_ms": LATENCY, "detail": "eager"},
        },
    }
    assert b"s3cret-password" not in response.content


def test_unreachable_broker_is_named(api, settings, broker_url):
    # given
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = UNREACHABLE_REDIS
    broker_url(UNREACHABLE_REDIS)

    # when
    response = api.get("/health/")

    # then
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {
            "database": OK,
            "cache": OK,
            "channel_layer": OK,
            "broker": {"status": "error", "latency_ms": LATENCY, "detail": "OperationalError"},
        },
    }
    assert b"s3cret-password" not in response.content


def test_a_hanging_dependency_is_cut_off_at_the_deadline(api, settings, silent_server):
    # given: a "Redis" that accepts the connection and never replies
    settings.HEALTH_CHECK_TIMEOUT = 0.5
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{silent_server}/0",
        }
    }

    # when
    response = api.get("/health/")

    # then
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {
            "database": OK,
            "cache": {"status": "error", "latency_ms": 500.0, "detail": "timed out"},
            "channel_layer": OK,
            "broker": {"status": "ok", "latency_ms": LATENCY, "detail": "eager"},
        },
    }


@pytest.mark.redis
def test_real_redis_cache_channel_layer_and_broker(api, settings, broker_url):
    # given
    redis_url = os.environ["REDIS_URL"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "health-test",
        }
    }
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": "health-test"},
        }
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    broker_url(redis_url)

    # when
    response = api.get("/health/")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": OK, "cache": OK, "channel_layer": OK, "broker": OK},
    }
