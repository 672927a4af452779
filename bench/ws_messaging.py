"""Messages per second and send-to-receive latency over WebSockets, through one server.

One uvicorn process (as the ``realtime`` service runs it, docker-compose.yml) serves
``bench.ws_asgi``: the project's ASGI app and, beside it, a bare relay. N clients in N/2
pairs: in each pair one member sends ``message.send`` to the other as fast as a window of
``--window`` unanswered messages allows (a slot frees when the recipient receives the
message), for a warm-up then ``--duration`` seconds. The send time rides in the content and
the latency is taken where the recipient receives it (clients and server share the clock).

Two paths, with the same clients, the same frames and the same server process, one right
after the other at each N:

- ``relay``: ``/bench/relay/`` writes the frame to the partner's socket and echoes it to
  the sender. The floor: WebSocket framing, the event loop, the clients themselves.
- ``message.send``: ``/ws/`` as members use it: bearer-authenticated sockets, the frame
  checked (the sender's plan included: the senders are given premium, as staff would),
  the message stored in PostgreSQL (and its conversation updated), acknowledged, then
  pushed through the channel layer to the recipient's group (and the sender's); the
  recipient's socket then marks it delivered and the sender's gets the receipt.

and, for the second, two channel layers, each with a server of its own: in-memory (one
process only) and channels-redis (what lets several processes share one fan-out).

Prints one Markdown block. Needs a migrated PostgreSQL database and Redis:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/2 \\
        python -m bench.ws_messaging [--clients 10 50 100] [--duration 10] [--warmup 2] \\
        [--window 4] [--layers memory redis] [--logs bench/results]

The members and messages the run creates are deleted at the end.
"""

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import django

EMAIL_DOMAIN = "ws.bench.invalid"
CONNECT_CONCURRENCY = 20
DRAIN_SECONDS = 10
READY_SECONDS = 60
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Case:
    path: str  # "relay" or "message.send"
    layer: str
    clients: int
    seconds: float
    sent: int = 0
    delivered: int = 0  # received by the recipient inside the measured window
    acks: int = 0
    errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    stored: int | None = None  # messages in the database after the run (message.send)
    tag: str = ""

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds

    def percentile(self, q: float) -> float:
        values = sorted(self.latencies_ms)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]

    @property
    def server_cpu_per_message_ms(self) -> float:
        return self.server_cpu_s * 1000 / self.delivered if self.delivered else float("nan")


# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime, all threads


@contextmanager
def server(layer: str, logs: Path):
    """uvicorn with the realtime service's flags, on a free loopback port."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.ws_settings", "BENCH_WS_LAYER": layer}
    log = logs / f"ws-{layer}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.ws_asgi:application",
                "--host=127.0.0.1",
                f"--port={port}",
                "--workers=1",
                "--lifespan=off",
                "--timeout-graceful-shutdown=10",
                "--log-level=warning",
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + READY_SECONDS
        while True:
            try:
                with urllib.request.urlopen(  # noqa: S310 (fixed http URL on loopback)
                    f"http://127.0.0.1:{port}/health/", timeout=3
                ) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the {layer} server did not become healthy; see {log}")
            time.sleep(0.2)
        yield process, f"ws://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the clients ---------------------------------------------------------------------------


async def run_case(case: Case, *, base: str, pid: int, pairs, args) -> None:
    """``pairs``: (sender id, sender token, recipient id, recipient token) per pair."""
    from websockets.asyncio.client import connect

    tag = case.tag = uuid.uuid4().hex[:10]
    padding = "x" * max(0, args.size - 20)
    options = {"proxy": None, "compression": None, "open_timeout": 30, "max_size": None}

    async def open_pair(k, pair, gate):
        sender_id, sender_token, recipient_id, recipient_token = pair
        async with gate:
            if case.path == "relay":
                url = f"{base}/bench/relay/?pair={tag}-{k}&side="
                a = await connect(url + "a", **options)
                b = await connect(url + "b", **options)
            else:
                a = await connect(f"{base}/ws/", subprotocols=["bearer", sender_token], **options)
                b = await connect(
                    f"{base}/ws/", subprotocols=["bearer", recipient_token], **options
                )
        return a, b, recipient_id

    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    sockets = await asyncio.gather(*(open_pair(k, p, gate) for k, p in enumerate(pairs)))

    stopping = asyncio.Event()
    in_flight = 0
    drained = asyncio.Event()
    start = time.perf_counter_ns() + 200_000_000  # senders start together, shortly
    window_start = start + int(args.warmup * 1e9)
    window_end = window_start + int(case.seconds * 1e9)

    def settle(window: asyncio.Semaphore) -> None:
        nonlocal in_flight
        in_flight -= 1
        window.release()
        if stopping.is_set() and in_flight == 0:
            drained.set()

    async def send(k, ws, recipient_id, window):
        nonlocal in_flight
        await asyncio.sleep((start - time.perf_counter_ns()) / 1e9)
        seq = 0
        while True:
            await window.acquire()
            if stopping.is_set():
                return
            seq += 1
            in_flight += 1
            case.sent += 1
            content = f"{time.perf_counter_ns():019d} {padding}"
            await ws.send(
                json.dumps(
                    {
                        "type": "message.send",
                        "recipient": recipient_id,
                        "content": content,
                        "client_id": f"{tag}-{k}-{seq}",
                    }
                )
            )

    async def receive(ws, window):
        async for raw in ws:
            now = time.perf_counter_ns()
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "message.new":
                content = frame["message"]["content"]
            elif kind == "message.send":  # the relay hands the frame over as it is
                content = frame["content"]
            else:
                continue
            if window_start <= now < window_end:
                case.delivered += 1
                case.latencies_ms.append((now - int(content[:19])) / 1e6)
            settle(window)

    async def hear_back(ws, window):
        """The sender's own socket: acks (the relay's echo), its copies, errors."""
        async for raw in ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind in ("message.ack", "message.send"):
                case.acks += 1
            elif kind == "error":
                case.errors.append(f"{frame.get('code')}: {frame.get('detail')}")
                settle(window)

    async def sample_cpu():
        await asyncio.sleep((window_start - time.perf_counter_ns()) / 1e9)
        server, client = process_cpu_seconds(pid), time.process_time()
        await asyncio.sleep((window_end - time.perf_counter_ns()) / 1e9)
        case.server_cpu_s = process_cpu_seconds(pid) - server
        case.client_cpu_s = time.process_time() - client

    windows = [asyncio.Semaphore(args.window) for _ in sockets]
    tasks = [
        task
        for (a, b, recipient_id), window, k in zip(
            sockets, windows, range(len(sockets)), strict=True
        )
        for task in (
            asyncio.create_task(send(k, a, recipient_id, window)),
            asyncio.create_task(receive(b, window)),
            asyncio.create_task(hear_back(a, window)),
        )
    ]
    await sample_cpu()
    stopping.set()
    for window in windows:  # wake the senders waiting for a slot
        window.release()
    if in_flight:
        # The backlog clears at about the measured rate; a stuck message fails the check.
        allowed = DRAIN_SECONDS + 2 * in_flight / max(case.rate, 1.0)
        try:
            await asyncio.wait_for(drained.wait(), allowed)
        except TimeoutError:
            case.errors.append(f"{in_flight} messages still in flight after {allowed:.0f} s")
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.gather(*(ws.close() for a, b, _ in sockets for ws in (a, b)))


def run(coro):
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


# --- one message_send without any server ----------------------------------------------


@dataclass
class InProcess:
    runs: int
    wall_ms: float
    cpu_ms: float
    queries: float
    layer: str


def in_process_cost(sender, recipient, runs: int = 200) -> InProcess:
    """What the ``message.send`` handler's sync part costs on its own: the service the
    handler calls on channels' database thread, with the plan and the throttle it checks
    first, run back to back in this process (the pushes go through the configured layer)."""
    from types import SimpleNamespace

    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts import entitlements
    from community.services import messages as services
    from core.throttles import MessagingThrottle

    tag = uuid.uuid4().hex[:10]

    def one(n: int) -> None:
        entitlements.require(sender, services.MESSAGING_FEATURE)
        MessagingThrottle().allow_request(SimpleNamespace(user=sender), None)
        services.message_send(
            sender=sender,
            recipient_id=str(recipient.pk),
            content=f"{n:019d} " + "x" * 80,
            client_id=f"{tag}-{n}",
        )

    for n in range(10):  # connections, caches, the layer's loop
        one(-n - 1)
    # The median of batches: a burst of other work on the machine spoils one batch, not all.
    batches, size = 10, max(1, runs // 10)
    walls, cpus = [], []
    with CaptureQueriesContext(connection) as queries:
        for batch in range(batches):
            wall, cpu = time.perf_counter(), time.process_time()
            for n in range(size):
                one(batch * size + n)
            walls.append((time.perf_counter() - wall) * 1000 / size)
            cpus.append((time.process_time() - cpu) * 1000 / size)
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    return InProcess(
        batches * size,
        statistics.median(walls),
        statistics.median(cpus),
        len(queries) / (batches * size),
        layer,
    )


# --- the report ----------------------------------------------------------------------------


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"


def _rate(value: float) -> str:
    return f"{value:,.0f}"


def report(cases: list[Case], args, pg_version: str, alone: InProcess) -> str:
    by_key = {(c.layer, c.clients, c.path): c for c in cases}
    lines = [
        "| clients (pairs) | layer | relay msg/s | relay p50 / p99 | message.send msg/s "
        "| message.send p50 / p99 | ratio | server CPU per message: relay / message.send "
        "| server CPU busy: relay / message.send |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    problems = []
    for layer in args.layers:
        for clients in args.clients:
            relay = by_key[(layer, clients, "relay")]
            real = by_key[(layer, clients, "message.send")]
            lines.append(
                f"| {clients} ({clients // 2}) | {layer} | {_rate(relay.rate)} | "
                f"{_ms(relay.percentile(0.5))} / {_ms(relay.percentile(0.99))} | "
                f"{_rate(real.rate)} | {_ms(real.percentile(0.5))} / "
                f"{_ms(real.percentile(0.99))} | {real.rate / relay.rate:.3f}x | "
                f"{relay.server_cpu_per_message_ms:.3f} / {real.server_cpu_per_message_ms:.2f} ms | "
                f"{relay.server_cpu_s / relay.seconds:.0%} / {real.server_cpu_s / real.seconds:.0%} |"
            )
            for case in (relay, real):
                if case.errors:
                    problems.append(
                        f"- {case.path}, {layer}, {clients} clients: {len(case.errors)} errors, "
                        f"first: {case.errors[0]}"
                    )
                if case.stored is not None and case.stored != case.sent:
                    problems.append(
                        f"- {case.path}, {layer}, {clients} clients: {case.sent} sent but "
                        f"{case.stored} stored"
                    )
    clients_cpu = max(c.client_cpu_s / c.seconds for c in cases)
    cores = len(os.sched_getaffinity(0))
    machine = (
        f"{cores} CPUs, Python {platform.python_version()}, uvicorn {_version('uvicorn')} "
        f"(websockets {_version('websockets')}, uvloop {_version('uvloop')}), "
        f"channels {_version('channels')}, channels-redis {_version('channels-redis')}, "
        f"Django {_version('django')}, PostgreSQL {pg_version}"
    )
    checked = (
        "Every message.send run checked: each message sent was stored once and delivered, "
        "with no error frame."
        if not problems
        else "Problems:\n" + "\n".join(problems)
    )
    ceiling = 1000 / alone.cpu_ms
    best = {
        layer: max(
            (c for c in cases if c.path == "message.send" and c.layer == layer),
            key=lambda c: c.rate,
        )
        for layer in args.layers
    }
    alone_line = (
        f"One `message_send` alone, in-process, no server (the handler's database part, "
        f"plan and throttle included, pushes through {alone.layer}; {alone.runs} back to back, "
        f"median of 10 batches): **{alone.wall_ms:.1f} ms** wall, {alone.cpu_ms:.1f} ms of it CPU, "
        f"{alone.queries:.0f} SQL statements (BEGIN, SAVEPOINT and COMMIT included). "
        "`message.send` stores on a thread pool (community/events.py), so sends overlap "
        "their database round trips and a process is bound by its CPU: at this cost about "
        f"1000 / {alone.cpu_ms:.1f} = **{ceiling:,.0f} messages/s** of one core. "
        "Best message.send runs: "
        + "; ".join(
            f"{layer} {_rate(c.rate)} msg/s ({c.clients} clients, server process busy "
            f"{c.server_cpu_s / c.seconds:.0%} of one CPU)"
            for layer, c in best.items()
        )
        + "."
    )
    return "\n".join(
        [
            "### WebSocket messaging through one server process",
            "",
            f"Machine: {machine}; load average {os.environ.get('BENCH_LOADAVG') or _loadavg()} "
            f"at the start, clients in one process on the same machine (at most "
            f"{clients_cpu:.0%} of a CPU).",
            "",
            f"Each pair keeps up to {args.window} messages unanswered; {args.size}-byte "
            f"contents; {args.warmup:g} s warm-up, then {args.duration:g} s measured. msg/s: "
            "messages the recipients received in the measured window; latency: from the "
            "sender's `send` to the recipient's receipt; *server CPU busy*: the server "
            "process's CPU time over the window (100% = one core). *ratio*: message.send "
            "msg/s over the relay's in the same server process, measured right before it.",
            "",
            *lines,
            "",
            alone_line,
            "",
            checked,
        ]
    )


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--window", type=int, default=4)
    parser.add_argument("--size", type=int, default=100, help="bytes of message content")
    parser.add_argument(
        "--layers", nargs="+", choices=["memory", "redis"], default=["memory", "redis"]
    )
    parser.add_argument("--logs", type=Path, default=Path("bench/results"))
    args = parser.parse_args()
    if any(n < 2 or n % 2 for n in args.clients):
        sys.exit("--clients takes even numbers: clients come in pairs")

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a migrated PostgreSQL database.")
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL: the cache, and the channel layer under test.")
    # The server's settings here too (bench/run.sh exports bench.settings for the others).
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.ws_settings"
    # The server inherits these: tokens must outlive the run, connections persist as in
    # docker-compose.yml, and per-frame logging stays out of the measurement.
    os.environ.setdefault("JWT_ACCESS_MINUTES", "60")
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    args.logs.mkdir(parents=True, exist_ok=True)
    django.setup()

    from django.db import connection, connections
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import Profile, User
    from billing.services import grant_create
    from community.models import Conversation, Message

    def bench_users():
        return User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")

    def clean_up() -> None:
        users = bench_users()
        Conversation.objects.filter(user_low__in=users).delete()
        Conversation.objects.filter(user_high__in=users).delete()
        users.delete()

    clean_up()
    most = max(args.clients)
    users = User.objects.bulk_create(  # the last two for the in-process measurement
        [User(email=f"member{n}@{EMAIL_DOMAIN}", password="!") for n in range(most + 2)]
    )
    Profile.objects.bulk_create([Profile(user=user) for user in users])
    # Sending needs the messaging plan: every pair's sender, and the in-process one, gets
    # it as staff would give it (the grants go with the members at the end).
    for sender in [*users[0:most:2], users[-2]]:
        grant_create(user=sender, plan="premium", reason="bench: senders need messaging")
    tokens = [str(RefreshToken.for_user(user).access_token) for user in users]
    pairs = [
        (str(users[2 * k].pk), tokens[2 * k], str(users[2 * k + 1].pk), tokens[2 * k + 1])
        for k in range(most // 2)
    ]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0].split()[0]
    cases: list[Case] = []
    try:
        alone = in_process_cost(users[-2], users[-1])
        print(
            f"in-process message_send: {alone.wall_ms:.1f} ms wall, {alone.cpu_ms:.1f} ms CPU, "
            f"{alone.queries:.0f} queries",
            file=sys.stderr,
        )
        connections.close_all()
        for layer in args.layers:
            with server(layer, args.logs) as (process, base):
                for clients in args.clients:
                    for path in ("relay", "message.send"):
                        case = Case(path, layer, clients, args.duration)
                        run(
                            run_case(
                                case,
                                base=base,
                                pid=process.pid,
                                pairs=pairs[: clients // 2],
                                args=args,
                            )
                        )
                        if path == "message.send":
                            case.stored = Message.objects.filter(
                                client_id__startswith=f"{case.tag}-"
                            ).count()
                        cases.append(case)
                        print(
                            f"{layer:6} {clients:4} clients {path:12} {case.rate:8,.0f} msg/s "
                            f"p50 {case.percentile(0.5):7.1f} ms p99 {case.percentile(0.99):7.1f} ms "
                            f"server CPU {case.server_cpu_s / case.seconds:4.0%} "
                            f"errors {len(case.errors)}",
                            file=sys.stderr,
                        )
    finally:
        clean_up()
    print(report(cases, args, pg_version, alone))


if __name__ == "__main__":
    main()
