"""Scale-out: two real ASGI server processes share one fan-out through channels-redis.

Member A's socket is on one uvicorn process and member B's on another, both on the test
database and the same Redis. Everything a client sees when its counterpart sits on another
process must still arrive: the ack and the delivery of ``message.send``, the order of a
burst, the delivery and read receipts, the copy on the sender's other socket, and ``typing``
(docs/API.md, WebSocket); and a socket that stays silent for a while must still be open. The
in-process socket tests run on the in-memory layer and cannot show any of this.

The servers run ``config.settings`` (not the test settings, which pin the in-memory layer)
with the test process's database, Redis, secret key, JWT signing key and encryption keys,
so the tokens minted here and the rows written here are good there. They are stopped in the
fixture's teardown whatever happens; their logs are printed there, which pytest shows only
when the test failed.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Q
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from accounts.services import tokens_for
from accounts.tests.factories import UserFactory
from community.models import Message

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

READY_SECONDS = 30  # both servers answering /health/ (Django starts in 3-12 s here)
SCENARIO_SECONDS = 25  # every exchange below, once both are up
FRAME_SECONDS = 5  # any one expected frame
BURST = 20
# Longer than a channel layer's blocking read (channels-redis: 5 s) and than redis-py's
# default socket timeout (5 s since redis-py 8): an idle socket must outlive both.
IDLE_SECONDS = 6.5
# The consumer drops a socket's frames beyond 20 in any one second (core.consumers); the
# burst waits until the sender's earlier frames have left that window.
FRAME_WINDOW_SECONDS = 1.05


# --- the two servers ---------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    log: Path
    process: subprocess.Popen

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/"


def url_of_the_test_database() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment() -> dict[str, str]:
    """The laptop/production settings pointed at the test's database and Redis, with the
    test's keys (tokens and encrypted fields must read the same) and its offline edges."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": url_of_the_test_database(),
        "REDIS_URL": os.environ["REDIS_URL"],
        # Fresh names for this run's groups and channels: nothing left in Redis by an
        # earlier run (or another test) can reach these sockets.
        "CHANNELS_PREFIX": f"scale-out-{uuid.uuid4().hex[:12]}",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "AI_API_KEY": "",
        "STRIPE_SECRET_KEY": "",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def start_server(name: str, log_dir: Path, environment: dict[str, str]) -> Server:
    port = free_port()
    log = log_dir / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host=127.0.0.1",
                f"--port={port}",
                # As the realtime service runs it (docker-compose.yml), with a short grace.
                "--workers=1",
                "--lifespan=off",
                "--timeout-graceful-shutdown=2",
                "--log-level=warning",
            ],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Server(name, port, log, process)


def health_status(server: Server) -> int | None:
    try:
        with urllib.request.urlopen(  # noqa: S310 (a fixed http URL on loopback)
            f"http://127.0.0.1:{server.port}/health/", timeout=2
        ) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None  # not listening yet


def wait_until_ready(servers: list[Server]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    waiting = list(servers)
    while waiting:
        for server in list(waiting):
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} exited with {server.process.returncode}")
            if health_status(server) == 200:
                waiting.remove(server)
        if waiting and time.monotonic() > deadline:
            raise RuntimeError(f"not healthy within {READY_SECONDS} s: {[s.name for s in waiting]}")
        if waiting:
            time.sleep(0.1)


def stop(servers: list[Server]) -> None:
    """SIGTERM to all first, then wait; a server that does not stop in time is killed."""
    for server in servers:
        if server.process.poll() is None:
            server.process.terminate()
    for server in servers:
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)


@pytest.fixture
def servers(transactional_db, tmp_path):
    """Two uvicorn processes on free loopback ports, sharing the test database and Redis.

    They depend on ``transactional_db`` so that they stop before the test database is
    flushed (and long before it is dropped)."""
    environment = server_environment()
    started: list[Server] = []
    try:
        for name in ("server-1", "server-2"):
            started.append(start_server(name, tmp_path, environment))
        wait_until_ready(started)
        yield started
    finally:
        stop(started)
        # Captured output: pytest shows it only for a test that failed.
        for server in started:
            print(f"----- {server.name} (port {server.port}, exit {server.process.returncode})")
            print(server.log.read_text(errors="replace")[-5000:])


# --- a client ------------------------------------------------------------------------------


@dataclass
class Client:
    """One socket, with the frames it received but nobody has asked for yet."""

    name: str
    ws: ClientConnection
    unclaimed: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, frame: dict[str, Any]) -> None:
        try:
            await self.ws.send(json.dumps(frame))
        except ConnectionClosed:
            raise AssertionError(self.closed()) from None

    def closed(self) -> str:
        return f"{self.name}: the server closed the socket (close code {self.ws.close_code})"

    async def expect(self, frame_type: str, count: int = 1) -> list[dict[str, Any]]:
        """The next ``count`` frames of ``frame_type``, in arrival order. Frames of other
        types are kept aside; an ``error`` frame fails at once."""
        found = [f for f in self.unclaimed if f.get("type") == frame_type][:count]
        for frame in found:
            self.unclaimed.remove(frame)
        try:
            async with asyncio.timeout(FRAME_SECONDS):
                while len(found) < count:
                    frame = json.loads(await self.ws.recv())
                    assert frame.get("type") != "error", f"{self.name} got {frame}"
                    if frame.get("type") == frame_type:
                        found.append(frame)
                    else:
                        self.unclaimed.append(frame)
        except ConnectionClosed:
            raise AssertionError(self.closed()) from None
        except TimeoutError:
            raise AssertionError(
                f"{self.name}: {len(found)} of {count} {frame_type!r} frames within "
                f"{FRAME_SECONDS} s; also received {self.unclaimed}"
            ) from None
        return found


async def open_socket(name: str, server: Server, access: str) -> Client:
    ws = await connect(
        server.ws_url, subprotocols=["bearer", access], proxy=None, open_timeout=FRAME_SECONDS
    )
    assert ws.subprotocol == "bearer"
    return Client(name, ws)


# --- the test ------------------------------------------------------------------------------


def test_two_server_processes_share_one_fan_out(servers, grant_plan):
    # given: A and B, committed (the servers read them through their own connections); A
    # writes, which needs the premium plan
    server_1, server_2 = servers
    a, b = UserFactory(), UserFactory()
    grant_plan(a)
    a_access, b_access = tokens_for(user=a)["access"], tokens_for(user=b)["access"]

    def delivered(message: dict[str, Any], message_id: str, content: str, client_id: str):
        assert {
            key: message[key]
            for key in (
                "id",
                "sender_id",
                "recipient_id",
                "content",
                "client_id",
                "status",
                "read_at",
            )
        } == {
            "id": message_id,
            "sender_id": str(a.pk),
            "recipient_id": str(b.pk),
            "content": content,
            "client_id": client_id,
            "status": "sent",
            "read_at": None,
        }

    def receipt_of(frame: dict[str, Any]) -> tuple:
        return (frame["recipient_id"], frame["sender_id"], frame["count"], frame["ids"])

    async def scenario() -> None:
        clients: list[Client] = []
        try:
            for name, server, access in (
                ("A on server-1", server_1, a_access),
                ("A's second socket, on server-2", server_2, a_access),
                ("B on server-2", server_2, b_access),
            ):
                clients.append(await open_socket(name, server, access))
            a1, a2, b1 = clients

            # when: every socket stays silent for a while; then each still answers
            await asyncio.sleep(IDLE_SECONDS)
            for client in clients:
                await client.send({"type": "ping"})
                await client.expect("pong")

            # when: A sends one message on server-1
            await a1.send(
                {
                    "type": "message.send",
                    "recipient": str(b.pk),
                    "content": "Hello from the other process",
                    "client_id": "first",
                }
            )
            # then: A is acknowledged; B and A's other socket, both on server-2, get it
            [ack] = await a1.expect("message.ack")
            assert (ack["client_id"], ack["duplicate"], ack["status"]) == ("first", False, "sent")
            for client in (b1, a2):
                [frame] = await client.expect("message.new")
                delivered(frame["message"], ack["id"], "Hello from the other process", "first")
            # then: B's socket on server-2 marked it delivered; both of A's sockets hear it
            for client in (a1, a2):
                [receipt] = await client.expect("message.delivered")
                assert receipt_of(receipt) == (str(b.pk), str(a.pk), 1, [ack["id"]])

            # when: A types on server-1; then B hears of it on server-2
            await a1.send({"type": "typing", "recipient": str(b.pk)})
            last_frame_at = time.monotonic()
            [typing] = await b1.expect("typing")
            assert typing["from"] == str(a.pk)

            # when: B reads it on server-2; then A gets the receipt on server-1
            await b1.send({"type": "message.read", "id": ack["id"]})
            [receipt] = await a1.expect("message.read")
            assert (receipt["id"], receipt["reader_id"], receipt["count"]) == (
                ack["id"],
                str(b.pk),
                1,
            )

            # when: A sends a burst as fast as the socket takes it (within its frame rate)
            await asyncio.sleep(max(0.0, last_frame_at + FRAME_WINDOW_SECONDS - time.monotonic()))
            contents = [f"burst {n:02d}" for n in range(BURST)]
            client_ids = client_ids_of_the_burst()
            for content, client_id in zip(contents, client_ids, strict=True):
                await a1.send(
                    {
                        "type": "message.send",
                        "recipient": str(b.pk),
                        "content": content,
                        "client_id": client_id,
                    }
                )
            # then: each is acknowledged in turn, and B and A's other socket get them in order
            acks = await a1.expect("message.ack", BURST)
            assert [frame["client_id"] for frame in acks] == client_ids
            ids = [frame["id"] for frame in acks]
            assert len(set(ids)) == BURST
            for client in (b1, a2):
                frames = await client.expect("message.new", BURST)
                for frame, message_id, content, client_id in zip(
                    frames, ids, contents, client_ids, strict=True
                ):
                    delivered(frame["message"], message_id, content, client_id)
            # then: each reached B's socket, and A's sockets get one receipt per message
            for client in (a1, a2):
                receipts = await client.expect("message.delivered", BURST)
                assert sorted(receipt_of(r) for r in receipts) == sorted(
                    (str(b.pk), str(a.pk), 1, [message_id]) for message_id in ids
                )

            # when: B reads the last one, which marks the whole burst read
            await b1.send({"type": "message.read", "id": ids[-1]})
            [receipt] = await a1.expect("message.read")
            assert (receipt["id"], receipt["count"]) == (ids[-1], BURST)
            # then: the sending socket heard of its messages through its acks and receipts
            # only (a copy would have been pushed to it before this read receipt, so it
            # would be here by now)
            assert [frame["type"] for frame in a1.unclaimed] == []
        finally:
            for client in clients:
                await client.ws.close()

    async def bounded() -> None:
        async with asyncio.timeout(SCENARIO_SECONDS):
            await scenario()

    # when / then
    asyncio.run(bounded())

    # and every message was stored once, and is delivered and read
    stored = Message.objects.filter(sender=a, recipient=b)
    assert sorted(stored.values_list("client_id", flat=True)) == sorted(
        ["first", *client_ids_of_the_burst()]
    )
    assert not stored.filter(Q(read_at=None) | Q(delivered_at=None)).exists()


def client_ids_of_the_burst() -> list[str]:
    return [f"burst-{n:02d}" for n in range(BURST)]
