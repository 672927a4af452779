"""``GET /health/``: can this process reach everything it needs? (docs/API.md, Conventions)

Load balancers and container healthchecks call it, so it answers without credentials and is
never throttled: 200 ``{"status": "ok", "checks": {...}}`` when the database, the cache,
the channel layer and the Celery broker all answer, 503 ``{"status": "error", ...}`` naming
the one that did not. Each check reports ``{"status", "latency_ms"}`` and, when there is
something to say, a ``detail``.

A dead dependency must not hang the probe: the checks run side by side, each in its own
thread, and whatever has not answered after ``HEALTH_CHECK_TIMEOUT`` seconds (3 by default)
is reported as timed out. The checks that open their own connections also use short socket
timeouts, so their threads end soon after. The endpoint is public, so a failure's detail is
only the exception's class name; the full error, which may name hosts, goes to the log.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable

from asgiref.sync import async_to_sync
from celery import current_app
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers
from django.conf import settings
from django.core.cache import caches
from django.db import connection, connections
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.cache import strict_cache

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 3.0
# Budget of the checks that open their own connections; below the overall deadline so that
# they usually report their own error rather than a bare timeout.
CONNECT_TIMEOUT = 2.0

OK = "ok"
ERROR = "error"


def check_database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def check_cache() -> str | None:
    # The strict alias: the default one fails open (core.cache), so a dead Redis would look
    # like an empty cache there and this probe would pass.
    cache = strict_cache()
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    try:
        if cache.get(key) != "1":
            raise RuntimeError("The cache did not return the value just written.")
    finally:
        cache.delete(key)
    return None


def check_channel_layer() -> str | None:
    # A layer instance of its own: the process's shared instance may be receiving on the
    # event loop of an open socket, and channels-redis allows one receiving loop per
    # instance, so a probe through it would fail (or disturb the socket).
    if DEFAULT_CHANNEL_LAYER not in settings.CHANNEL_LAYERS:
        raise RuntimeError("No channel layer is configured.")
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)

    async def round_trip() -> None:
        channel = await layer.new_channel()
        message = {"type": "health.check", "nonce": uuid.uuid4().hex}
        await layer.send(channel, message)
        received = await layer.receive(channel)
        if received != message:
            raise RuntimeError("The channel layer returned another message.")

    async def bounded() -> None:
        try:
            await asyncio.wait_for(round_trip(), timeout=CONNECT_TIMEOUT)
        finally:
            if hasattr(layer, "close_pools"):
                await layer.close_pools()

    async_to_sync(bounded)()
    return None


def check_broker() -> str | None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    # config's app, the default in every thread (config/celery.py): core imports nothing
    # above it.
    with current_app.connection_for_write(connect_timeout=CONNECT_TIMEOUT) as broker:
        # One immediate retry rides out a blip without outlasting the probe's deadline.
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=CONNECT_TIMEOUT)
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "cache": check_cache,
    "channel_layer": check_channel_layer,
    "broker": check_broker,
}


def _measure(name: str, check: Callable[[], str | None]) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
    except Exception as exc:
        logger.warning("Health check %s failed", name, exc_info=True)
        outcome, detail = ERROR, type(exc).__name__
    else:
        outcome = OK
    result = {"status": outcome, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
    if detail is not None:
        result["detail"] = detail
    return result


def run_checks(timeout: float | None = None) -> dict[str, dict]:
    """Run every check in parallel; one that has not answered by ``timeout`` is an error."""
    if timeout is None:
        timeout = getattr(settings, "HEALTH_CHECK_TIMEOUT", DEFAULT_TIMEOUT)
    results: dict[str, dict] = {}

    def run(name: str, check: Callable[[], str | None]) -> None:
        try:
            results[name] = _measure(name, check)
        finally:
            # Database and cache connections belong to the thread, which ends here: close
            # them so that probes do not leak connections.
            connections.close_all()
            caches.close_all()

    # Daemon threads: a check stuck on a dead socket must not keep the process from exiting.
    threads = {
        name: threading.Thread(target=run, args=(name, check), name=f"health-{name}", daemon=True)
        for name, check in CHECKS.items()
    }
    for thread in threads.values():
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads.values():
        thread.join(max(0.0, deadline - time.monotonic()))

    timed_out = {"status": ERROR, "latency_ms": round(timeout * 1000, 2), "detail": "timed out"}
    return {name: results.get(name, timed_out) for name in CHECKS}


def _status_field() -> serializers.CharField:
    # A plain string: an enum here would collide with the other ``status`` enums of the
    # schema, which only an ENUM_NAME_OVERRIDES entry in the settings could name.
    return serializers.CharField(help_text='"ok" or "error".')


_check_result = inline_serializer(
    "HealthCheckResult",
    fields={
        "status": _status_field(),
        "latency_ms": serializers.FloatField(),
        "detail": serializers.CharField(required=False),
    },
)
_health_report = inline_serializer(
    "HealthReport",
    fields={
        "status": _status_field(),
        "checks": serializers.DictField(child=_check_result),
    },
)


class HealthView(APIView):
    """Public, unthrottled, and without authentication: probes carry no credentials."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    parser_classes = []  # no request body to read

    @extend_schema(
        operation_id="health",
        summary="Health of the service and its dependencies",
        description=(
            "Checks the database, the cache, the channel layer and the Celery broker. "
            "503 when any of them fails, naming it; each check reports its latency."
        ),
        tags=["health"],
        auth=[],
        responses={200: _health_report, 503: _health_report},
    )
    def get(self, request):
        checks = run_checks()
        healthy = all(check["status"] == OK for check in checks.values())
        return Response(
            {"status": OK if healthy else ERROR, "checks": checks},
            status=status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE,
        )
