"""Streamed AI replies delivered to many sockets at once, against the provider's own rate.

N members (100 by default), each with an active practice conversation and one socket
open (``/ws/?ticket=``), all send a message at the same moment over REST
(``POST /api/v1/conversations/{id}/messages``); each reply streams from a fake
OpenAI-compatible provider (``ai/tests/fake_openai.py``, in a process of its own: 60 pieces
of 5 characters, one every 20 ms) through the AI gateway and reaches the member's socket as
``ai.token`` frames coalesced every ``CONVERSATIONS_COALESCE_MS``, then one ``ai.message``.
Measured per socket: the time from the send to the first ``ai.token`` (TTFT), the pieces
per second between the first and the last ``ai.token``, and completeness (the deltas, in
``seq`` order with no gap, joined == ``ai.message``'s content == what the provider sent).

The baseline, measured in the same run: the same N streams read straight from the fake
provider by N concurrent clients (time to the first piece, pieces per second).

Two set-ups, each with one uvicorn process (``bench.ws_settings``, as ``bench/ws_messaging.py``
starts it):

- **redis**: channels-redis, the reply on a Celery worker (``celery -A config worker -Q
  replies -P threads -c N``), as production runs it;
- **memory**: the in-memory layer, the reply on a thread of the ASGI process
  (``CONVERSATIONS_REPLY_RUNNER=thread``), no worker.

Each at coalescing intervals of 25, 50 and 100 ms (and the default 30): one warm-up round,
then ``--rounds`` measured rounds. Also: the CPU time of the server and of the worker per
frame delivered, the peak RSS of the process running the replies, and, in-process, the SQL
statements of one whole turn (the REST request, then the reply run inline).

Runs alone (creates and drops the PostgreSQL database ``bench_streaming``, uses and empties
Redis db 3)::

    .venv/bin/python bench/ws_streaming.py [--streams 100] [--rounds 3] [--intervals 30 25 50 100]
        [--variants redis memory] [--logs bench/results] [--no-readme]

Prints one Markdown block and writes it into bench/README.md between the
``bench:ws_streaming`` markers (unless ``--no-readme``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ws_messaging import free_port, process_cpu_seconds, run  # noqa: E402

DB_NAME = "bench_streaming"
REDIS_DB = 3
EMAIL_DOMAIN = "stream.bench.invalid"
PIECES = 60
PIECE = "t{:03d} "  # 5 characters each
PIECE_LEN = 5
CHUNK_DELAY = 0.02
READY_SECONDS = 60
ROUND_TIMEOUT = 100
CONNECT_CONCURRENCY = 20
PG = ["psql", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qtA"]
README = ROOT / "bench" / "README.md"
START, END = "<!-- bench:ws_streaming:start -->", "<!-- bench:ws_streaming:end -->"
EXPECTED = "".join(PIECE.format(i) for i in range(PIECES))


# --- the fake provider, in a process of its own --------------------------------------------


def _serve_fake(port_queue, replies: int, stop_event) -> None:
    from ai.tests import fake_openai
    from ai.tests.fake_openai import FakeOpenAI, streamed

    # socketserver's default backlog of 5 resets connections when 100 streams open at once.
    fake_openai._Server.request_queue_size = 512
    fake = FakeOpenAI()
    pieces = [PIECE.format(i) for i in range(PIECES)]
    fake.script(*(streamed(pieces, chunk_delay=CHUNK_DELAY) for _ in range(replies)))
    fake.start()
    port_queue.put(fake.base_url)
    stop_event.wait()
    fake.stop()


class Provider:
    def __init__(self, replies: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._queue = ctx.Queue()
        self._stop = ctx.Event()
        self.process = ctx.Process(
            target=_serve_fake, args=(self._queue, replies, self._stop), daemon=True
        )

    def __enter__(self) -> Provider:
        self.process.start()
        self.base_url = self._queue.get(timeout=30)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


# --- raw HTTP from asyncio (no client library in the venv) ----------------------------------


async def http_post(port: int, path: str, body: dict, headers: dict[str, str]) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    )
    writer.write(head.encode() + payload)
    await writer.drain()
    data = await reader.read()
    writer.close()
    head_bytes, _, rest = data.partition(b"\r\n\r\n")
    status = int(head_bytes.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head_bytes.lower():
        out, pos = b"", 0
        while True:
            end = rest.index(b"\r\n", pos)
            size = int(rest[pos:end], 16)
            if size == 0:
                break
            out += rest[end + 2 : end + 2 + size]
            pos = end + 2 + size + 2
        rest = out
    return status, rest


@dataclass
class Stream:
    """One reply (or one direct provider stream), as its client saw it."""

    sent: float = 0.0
    accepted: float | None = None  # the 202 of the REST send
    status_code: int | None = None
    first: float | None = None
    last: float | None = None
    final: float | None = None
    first_chars: int = 0
    frames: list[tuple[int, str]] = field(default_factory=list)
    content: str | None = None
    status: str | None = None
    error: str = ""

    @property
    def ttft_ms(self) -> float | None:
        return None if self.first is None else (self.first - self.sent) * 1000

    @property
    def rate(self) -> float | None:
        """Pieces per second between the first and the last delta."""
        if self.first is None or self.last is None or self.last <= self.first:
            return None
        chars = sum(len(d) for _, d in self.frames) - self.first_chars
        return chars / PIECE_LEN / (self.last - self.first)

    @property
    def complete(self) -> bool:
        seqs = [s for s, _ in self.frames]
        joined = "".join(d for _, d in sorted(self.frames))
        return (
            self.status == "complete"
            and seqs == list(range(1, len(seqs) + 1))
            and joined == self.content == EXPECTED
        )


async def provider_stream(base_url: str, stream: Stream) -> None:
    """One streamed completion read straight from the fake provider."""
    host_port = base_url.split("//", 1)[1].split("/", 1)[0]
    port = int(host_port.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    payload = json.dumps(
        {"model": "test-model", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    ).encode()
    writer.write(
        (
            f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host_port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode()
        + payload
    )
    stream.sent = time.perf_counter()
    await writer.drain()
    seq = 0
    text = []
    while line := await reader.readline():
        if not line.startswith(b"data: "):
            continue
        data = line[6:].strip()
        if data == b"[DONE]":
            break
        chunk = json.loads(data)
        for choice in chunk.get("choices") or []:
            piece = (choice.get("delta") or {}).get("content")
            if piece:
                now = time.perf_counter()
                seq += 1
                if stream.first is None:
                    stream.first, stream.first_chars = now, len(piece)
                stream.last = now
                stream.frames.append((seq, piece))
                text.append(piece)
    stream.final = time.perf_counter()
    stream.content, stream.status = "".join(text), "complete"
    writer.close()


def provider_baseline(base_url: str, n: int) -> list[Stream]:
    streams = [Stream() for _ in range(n)]

    async def main():
        await asyncio.gather(*(provider_stream(base_url, s) for s in streams))

    run(main())
    return streams


# --- processes: uvicorn and the Celery worker --------------------------------------------


class Proc:
    def __init__(self, name: str, argv: list[str], env: dict, logs: Path) -> None:
        self.log = logs / f"streaming-{name}.log"
        self.output = self.log.open("wb")
        self.process = subprocess.Popen(
            argv, env=env, stdout=self.output, stderr=subprocess.STDOUT, cwd=ROOT
        )
        self.pid = self.process.pid
        self.rss_peak_kb = 0

    def rss_kb(self) -> int:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def cpu(self) -> float:
        return process_cpu_seconds(self.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()


def start_server(env: dict, logs: Path, name: str) -> tuple[Proc, int]:
    port = free_port()
    proc = Proc(
        name,
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
        env,
        logs,
    )
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            with urllib.request.urlopen(  # noqa: S310 (fixed http URL on loopback)
                f"http://127.0.0.1:{port}/health/", timeout=3
            ) as response:
                if response.status == 200:
                    return proc, port
        except (urllib.error.URLError, OSError):
            pass
        if proc.process.poll() is not None or time.monotonic() > deadline:
            proc.stop()
            raise RuntimeError(f"the server did not become healthy; see {proc.log}")
        time.sleep(0.2)


def start_worker(env: dict, logs: Path, name: str, concurrency: int) -> Proc:
    proc = Proc(
        name,
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            env["CONVERSATIONS_REPLY_QUEUE"],
            "-P",
            "threads",
            "-c",
            str(concurrency),
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=bench-streaming-{uuid.uuid4().hex[:6]}@%h",
        ],
        env,
        logs,
    )
    deadline = time.monotonic() + READY_SECONDS
    while " ready." not in proc.log.read_text(errors="replace"):
        if proc.process.poll() is not None or time.monotonic() > deadline:
            proc.stop()
            raise RuntimeError(f"the worker did not start; see {proc.log}")
        time.sleep(0.2)
    return proc


# --- one configuration: sockets open, rounds of N sends at once -----------------------------


@dataclass
class Config:
    variant: str  # "redis" (Celery worker) or "memory" (thread of the ASGI process)
    interval_ms: int
    rounds: list[list[Stream]] = field(default_factory=list)
    server_cpu_s: float = 0.0
    worker_cpu_s: float = 0.0
    seconds: float = 0.0
    rss_idle_kb: int = 0
    rss_peak_kb: int = 0
    errors: list[str] = field(default_factory=list)
    failed: str = ""

    @property
    def streams(self) -> list[Stream]:
        return [s for r in self.rounds for s in r]

    @property
    def frames(self) -> int:
        # ai.token frames plus the one ai.message of each reply
        return sum(len(s.frames) + (s.final is not None) for s in self.streams)


async def run_config(
    cfg: Config, *, port: int, members, tickets, rounds: int, sampler, via: str
) -> None:
    """``members``: (conversation id, access token) per socket; ``tickets`` one per socket."""
    from websockets.asyncio.client import connect

    options = {"proxy": None, "compression": None, "open_timeout": 30, "max_size": None}
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_socket(ticket):
        async with gate:
            return await connect(f"ws://127.0.0.1:{port}/ws/?ticket={ticket}", **options)

    sockets = await asyncio.gather(*(open_socket(t) for t in tickets))
    # message id -> Stream, filled by the readers (frames can beat the 202 of the send)
    seen: list[dict[str, Stream]] = [{} for _ in sockets]
    done: list[dict[str, asyncio.Event]] = [{} for _ in sockets]

    def entry(k: int, message_id: str) -> Stream:
        if message_id not in seen[k]:
            seen[k][message_id] = Stream()
            done[k][message_id] = asyncio.Event()
        return seen[k][message_id]

    async def reader(k, ws):
        async for raw in ws:
            now = time.perf_counter()
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "ai.token":
                s = entry(k, frame["message_id"])
                if s.first is None:
                    s.first, s.first_chars = now, len(frame["delta"])
                s.last = now
                s.frames.append((frame["seq"], frame["delta"]))
            elif kind == "ai.message":
                s = entry(k, frame["message_id"])
                s.final, s.content, s.status = now, frame.get("content"), frame.get("status")
                if frame.get("error"):
                    s.error = str(frame["error"].get("code"))
                done[k][frame["message_id"]].set()
            elif kind == "conversation.message.ack":
                future = pending[k].pop(frame.get("client_id"), None)
                if future is not None and not future.done():
                    future.set_result(frame)
            elif kind == "error":
                cfg.errors.append(f"socket error frame: {frame}")
                for future in pending[k].values():
                    if not future.done():
                        future.set_exception(RuntimeError(f"error frame: {frame}"))
                pending[k].clear()

    pending: list[dict[str, asyncio.Future]] = [{} for _ in sockets]
    readers = [asyncio.create_task(reader(k, ws)) for k, ws in enumerate(sockets)]

    async def post_over_socket(k, conversation_id, client_id):
        future = asyncio.get_running_loop().create_future()
        pending[k][client_id] = future
        await sockets[k].send(
            json.dumps(
                {
                    "type": "conversation.message",
                    "conversation_id": conversation_id,
                    "content": "Hi! Is this seat free?",
                    "client_id": client_id,
                }
            )
        )
        try:
            ack = await asyncio.wait_for(future, ROUND_TIMEOUT)
        except (TimeoutError, RuntimeError) as error:
            return 0, str(error).encode()
        return 202, json.dumps({"id": ack["reply_id"]}).encode()

    async def send(k, conversation_id, token, start):
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        sent = time.perf_counter()
        if via == "ws":
            status, body = await post_over_socket(k, conversation_id, uuid.uuid4().hex)
        else:
            status, body = await http_post(
                port,
                f"/api/v1/conversations/{conversation_id}/messages",
                {"content": "Hi! Is this seat free?", "client_id": uuid.uuid4().hex},
                {"Authorization": f"Bearer {token}"},
            )
        accepted = time.perf_counter()
        if status != 202:
            s = Stream(sent=sent, accepted=accepted, status_code=status, error=body[:200].decode())
            return s
        message_id = json.loads(body)["id"]
        s = entry(k, message_id)
        s.sent, s.accepted, s.status_code = sent, accepted, status
        try:
            await asyncio.wait_for(done[k][message_id].wait(), ROUND_TIMEOUT)
        except TimeoutError:
            s.error = s.error or f"no ai.message within {ROUND_TIMEOUT} s"
        return s

    try:
        for n in range(rounds + 1):  # the first one warms up
            measured = n > 0
            if measured and n == 1:
                cfg.rss_idle_kb = sampler.proc.rss_kb()
                cpu0 = (sampler.server.cpu(), sampler.worker_cpu())
                t0 = time.perf_counter()
                sampler.reset()
            start = time.perf_counter() + 0.2
            result = await asyncio.gather(
                *(send(k, cid, tok, start) for k, (cid, tok) in enumerate(members))
            )
            if measured:
                cfg.rounds.append(result)
            elif not any(s.first is not None for s in result):
                cfg.failed = (
                    "no ai.token reached any socket in the warm-up round; statuses: "
                    + ", ".join(sorted({f"{s.status_code}/{s.status}/{s.error}" for s in result}))
                )
                return
            await asyncio.sleep(0.3)
        cfg.seconds = time.perf_counter() - t0
        cfg.server_cpu_s = sampler.server.cpu() - cpu0[0]
        cfg.worker_cpu_s = sampler.worker_cpu() - cpu0[1]
        cfg.rss_peak_kb = sampler.peak
    finally:
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


class Sampler:
    """Peak RSS of the process that runs the replies, every 20 ms, in a thread."""

    def __init__(self, server: Proc, worker: Proc | None) -> None:
        self.server, self.worker = server, worker
        self.proc = worker or server
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def worker_cpu(self) -> float:
        return self.worker.cpu() if self.worker else 0.0

    def reset(self) -> None:
        self.peak = 0

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.proc.rss_kb())

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


# --- SQL statements of one turn, in-process -------------------------------------------------


def sql_per_turn(user, conversation, token: str) -> dict:
    """One whole turn in this process: the REST send through Django's test client, the reply
    run inline right after the commit (``CONVERSATIONS_REPLY_RUNNER=inline``), counted by
    ``CaptureQueriesContext``; the reply's share is what runs inside ``reply_run``."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from conversations.models import Message
    from conversations.services import replies

    marks: dict[str, int] = {}
    original = replies.reply_run
    holder: dict = {}

    def wrapped(message_id):
        marks["reply_start"] = len(holder["q"].captured_queries)
        try:
            return original(message_id)
        finally:
            marks["reply_end"] = len(holder["q"].captured_queries)

    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    results = []
    with override_settings(CONVERSATIONS_REPLY_RUNNER="inline"):
        replies.reply_run = wrapped
        try:
            for n in range(3):  # the first warms up
                with CaptureQueriesContext(connection) as q:
                    holder["q"] = q
                    response = client.post(
                        url,
                        {"content": "Hi! Is this seat free?", "client_id": f"sql-{n}"},
                        content_type="application/json",
                    )
                assert response.status_code == 202, response.content
                reply = Message.objects.get(pk=response.json()["id"])
                assert reply.status == "complete", (reply.status, reply.error_code)
                results.append(
                    {
                        "total": len(q.captured_queries),
                        "reply": marks["reply_end"] - marks["reply_start"],
                        "sql": [x["sql"] for x in q.captured_queries],
                    }
                )
        finally:
            replies.reply_run = original
    return results[-1]


# --- the report -----------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def _v(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def _ms(value: float) -> str:
    if value != value:
        return "-"
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def summarize(streams: list[Stream]) -> dict:
    ttft = [s.ttft_ms for s in streams if s.ttft_ms is not None]
    rates = [s.rate for s in streams if s.rate is not None]
    accept = [(s.accepted - s.sent) * 1000 for s in streams if s.accepted is not None]
    total = [(s.final - s.sent) * 1000 for s in streams if s.final is not None]
    frames = [len(s.frames) for s in streams if s.final is not None]
    return {
        "n": len(streams),
        "complete": sum(s.complete for s in streams),
        "ttft50": pct(ttft, 0.5),
        "ttft99": pct(ttft, 0.99),
        "rate50": statistics.median(rates) if rates else float("nan"),
        "rate_min": min(rates) if rates else float("nan"),
        "accept50": pct(accept, 0.5),
        "accept99": pct(accept, 0.99),
        "total50": pct(total, 0.5),
        "total99": pct(total, 0.99),
        "frames": statistics.mean(frames) if frames else float("nan"),
    }


def report(args, base: dict, configs: list[Config], sql: dict | None, pg: str, conc: int) -> str:
    cores = len(os.sched_getaffinity(0))
    provider_rate = 1 / CHUNK_DELAY
    lines = [
        "### Streaming replies to many sockets at once",
        "",
        f"Machine: {cores} CPUs, Python {platform.python_version()}, uvicorn {_v('uvicorn')}, "
        f"channels {_v('channels')}, channels-redis {_v('channels-redis')}, celery {_v('celery')}, "
        f"Django {_v('django')}, PostgreSQL {pg}; load average "
        f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])} at the end; the clients and "
        "the fake provider on the same machine.",
        "",
        f"{args.streams} members, one socket each, send a message at the same moment "
        + ("as the socket frame `conversation.message`" if args.send == "ws" else "over REST")
        + ", "
        f"{args.rounds} measured rounds after a warm-up round (so {args.streams * args.rounds} "
        f"replies per row). Every reply is {PIECES} pieces of {PIECE_LEN} characters that the "
        f"fake provider sends one every {CHUNK_DELAY * 1000:.0f} ms: **{provider_rate:.0f} "
        "pieces/s** scripted. *TTFT*: from the send to the first `ai.token` on the socket; "
        "*ack*: the `conversation.message.ack` (or the REST 202); *pieces/s*: per socket, between its first and last `ai.token` "
        "(median; the first frame's pieces not counted); *ratio*: over the provider's own "
        "pieces/s measured in this run; *complete*: `ai.message` said `complete` and the "
        "deltas, in `seq` order with no gap, join to its content and to what the provider "
        "sent. *CPU per frame*: the process's CPU time over the measured rounds divided by "
        "the frames delivered (`ai.token` + `ai.message`); *RSS*: the process that runs the "
        "replies (the worker for redis, the server for memory), idle and at its peak during "
        "the rounds.",
        "",
        "| set-up | coalesce | TTFT p50 / p99 | ack p50 / p99 | pieces/s p50 (min) | ratio "
        "| send to `ai.message` p50 / p99 | frames per reply | complete "
        "| CPU per frame: server / worker | CPU busy: server / worker | RSS idle -> peak |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| provider alone ({args.streams} direct streams) | - | {_ms(base['ttft50'])} / "
        f"{_ms(base['ttft99'])} | - | {base['rate50']:.1f} ({base['rate_min']:.1f}) | 1.00x | "
        f"{_ms(base['total50'])} / {_ms(base['total99'])} | {PIECES} pieces | "
        f"{base['complete']}/{base['n']} | - | - | - |",
    ]
    problems = []
    for cfg in configs:
        label = (
            f"redis layer + Celery worker (-P threads -c {conc})"
            if cfg.variant == "redis"
            else "in-memory layer + thread runner"
        )
        if cfg.failed:
            lines.append(
                f"| {label} | {cfg.interval_ms} ms | failed: {cfg.failed[:160]} |||||||||||"
            )
            problems.append(f"- {label}, {cfg.interval_ms} ms: {cfg.failed}")
            continue
        s = summarize(cfg.streams)
        frames = max(cfg.frames, 1)
        worker = (
            f"{cfg.worker_cpu_s * 1000 / frames:.2f} ms"
            if cfg.variant == "redis"
            else "(in server)"
        )
        busy_w = f"{cfg.worker_cpu_s / cfg.seconds:.0%}" if cfg.variant == "redis" else "-"
        lines.append(
            f"| {label} | {cfg.interval_ms} ms | {_ms(s['ttft50'])} / {_ms(s['ttft99'])} | "
            f"{_ms(s['accept50'])} / {_ms(s['accept99'])} | {s['rate50']:.1f} ({s['rate_min']:.1f}) | "
            f"{s['rate50'] / base['rate50']:.2f}x | {_ms(s['total50'])} / {_ms(s['total99'])} | "
            f"{s['frames']:.1f} | {s['complete']}/{s['n']} | "
            f"{cfg.server_cpu_s * 1000 / frames:.2f} ms / {worker} | "
            f"{cfg.server_cpu_s / cfg.seconds:.0%} / {busy_w} | "
            f"{cfg.rss_idle_kb / 1024:.0f} -> {cfg.rss_peak_kb / 1024:.0f} MB |"
        )
        bad = [x for x in cfg.streams if not x.complete]
        if bad:
            kinds: dict[str, int] = {}
            for x in bad:
                key = (
                    f"HTTP {x.status_code}: {x.error[:120]}"
                    if x.status_code != 202
                    else f"status {x.status} {x.error}".strip()
                    if x.status != "complete"
                    else "deltas do not join to the content"
                )
                kinds[key] = kinds.get(key, 0) + 1
            problems.append(
                f"- {label}, {cfg.interval_ms} ms: {len(bad)} of {len(cfg.streams)} replies "
                "incomplete: " + "; ".join(f"{v} x {k}" for k, v in kinds.items())
            )
        if cfg.errors:
            problems.append(f"- {label}, {cfg.interval_ms} ms: {cfg.errors[0]}")
    lines.append("")
    if conc < args.streams and "redis" in args.variants:
        lines.append(
            f"The worker ran {conc} threads, not {args.streams}: each streaming reply holds a "
            "PostgreSQL connection for its whole stream and PostgreSQL's free connections "
            "(`max_connections` less those in use) capped it; the other replies waited in the "
            "queue for a free thread. The memory set-up, which starts a thread per reply, ran "
            "that many sockets."
        )
        lines.append("")
    if sql:
        lines.append(
            f"SQL statements of one turn, in-process (the REST send through Django's test client "
            f"and the reply run inline after its commit; BEGIN/COMMIT/SAVEPOINT included): "
            f"**{sql['total']}**, of which {sql['total'] - sql['reply']} in the request and "
            f"{sql['reply']} in the reply (one per coalesced frame would show here: none does, "
            "the frames go to the replay log in Redis and the channel layer)."
        )
        lines.append("")
    lines.append(
        "Every reply checked complete." if not problems else "Problems:\n" + "\n".join(problems)
    )
    return "\n".join(lines)


def write_readme(block: str) -> None:
    text = README.read_text()
    if START not in text or END not in text:
        print(f"{README} lacks the {START} markers: not written", file=sys.stderr)
        return
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{block}\n{END}{tail}")


# --- main -----------------------------------------------------------------------------------


def pg(*sql: str) -> str:
    argv = [*PG]
    for s in sql:
        argv += ["-c", s]
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--intervals", type=int, nargs="+", default=[30, 25, 50, 100])
    parser.add_argument(
        "--variants", nargs="+", choices=["redis", "memory"], default=["redis", "memory"]
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=0,
        help="worker threads (0: --streams, capped by PostgreSQL's free connections)",
    )
    parser.add_argument(
        "--send",
        choices=["ws", "rest"],
        default="ws",
        help="the member's message as the socket frame conversation.message (default) or POST",
    )
    parser.add_argument("--logs", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="keep the database afterwards, and reuse it if it exists (no new migration)",
    )
    args = parser.parse_args()
    os.chdir(ROOT)
    args.logs.mkdir(parents=True, exist_ok=True)

    # The bench's own database and Redis db, whatever the caller exported for the others.
    env = os.environ
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    env["REDIS_URL"] = f"redis://127.0.0.1:6379/{REDIS_DB}"
    env.pop("CELERY_BROKER_URL", None)
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    env["DJANGO_SETTINGS_MODULE"] = "bench.ws_settings"
    env.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(32))
    env.setdefault("BLIND_INDEX_KEY", secrets.token_urlsafe(32))
    if not env.get("FIELD_ENCRYPTION_KEYS"):
        from cryptography.fernet import Fernet

        env["FIELD_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    env.setdefault("JWT_ACCESS_MINUTES", "60")
    env.setdefault("DATABASE_CONN_MAX_AGE", "60")
    env["LOG_LEVEL"] = "WARNING"
    env["AI_API_KEY"] = "bench"
    env.pop("AI_MODERATION_API_KEY", None)  # the local rule set: only the model is remote
    env["AI_MAX_RETRIES"] = "0"
    env["CONVERSATIONS_MAX_TURNS"] = "10000"
    big = {"*": 100000, "conversations.partner": 100000}
    env["AI_QUOTAS"] = json.dumps({"free": big, "premium": big})
    env.setdefault("CONVERSATIONS_REPLY_QUEUE", "replies")

    redis_flush = ["redis-cli", "-h", "127.0.0.1", "-n", str(REDIS_DB), "flushdb"]
    started: list[Proc] = []
    replies_needed = args.streams * (args.rounds + 1) * len(args.intervals) * len(args.variants)
    provider = Provider(replies_needed + args.streams + 50)
    try:
        print(f"== database {DB_NAME}, Redis db {REDIS_DB}", file=sys.stderr)
        exists = pg(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'") == "1"  # noqa: S608
        if not (args.keep_db and exists):
            pg(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)", f"CREATE DATABASE {DB_NAME}")
        # (Migrating from scratch takes minutes here, djstripe's migrations mostly.)
        subprocess.run(redis_flush, check=True, capture_output=True)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], check=True, env=env
        )
        provider.__enter__()
        env["AI_BASE_URL"] = provider.base_url
        _run(args, env, provider, started)
    finally:
        for proc in started:
            proc.stop()
        provider.__exit__(None, None, None)
        if not args.keep_db:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001, S110 (Django was never set up)
                pass
            pg(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            subprocess.run(redis_flush, capture_output=True)


def _run(args, env, provider: Provider, started: list[Proc]) -> None:
    import django

    django.setup()
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import Onboarding, Profile, User
    from conversations import ai_offline
    from conversations.models import Conversation, Message, Scenario
    from conversations.services.practice import scenario_snapshot
    from core.realtime import issue_ws_ticket

    n = args.streams
    User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()  # a kept database
    users = User.objects.bulk_create(
        [User(email=f"member{k}@{EMAIL_DOMAIN}", password="!") for k in range(n + 1)]
    )
    Profile.objects.bulk_create([Profile(user=u) for u in users])
    now = timezone.now()
    Onboarding.objects.bulk_create(
        [Onboarding(user=u, is_adult=True, age_verified_at=now) for u in users]
    )
    scenario = Scenario.objects.filter(active=True).order_by("order").first()
    snapshot = (
        scenario_snapshot(scenario)
        if scenario
        else {
            "slug": "coffee",
            "title": "Coffee",
            "setting": "coffee_shop",
            "description": "A busy café.",
            "target": "social",
            "premium": False,
        }
    )
    character = ai_offline.character(
        inputs={"scenario": snapshot, "difficulty": "green"}, context=None
    )
    conversations = Conversation.objects.bulk_create(
        [
            Conversation(
                user=u,
                kind=Conversation.Kind.PRACTICE,
                scenario=scenario,
                scenario_snapshot=snapshot,
                difficulty="green",
                status=Conversation.Status.ACTIVE,
                character=character,
                canary=secrets.token_hex(8),
                quota_day=now.date(),
                started_at=now,
                last_message_at=now,
            )
            for u in users
        ]
    )
    Message.objects.bulk_create(
        [
            Message(
                conversation=c,
                role=Message.Role.PARTNER,
                content=character["opener"],
                status=Message.Status.COMPLETE,
                finished_at=now,
            )
            for c in conversations
        ]
    )
    tokens = [str(RefreshToken.for_user(u).access_token) for u in users]
    members = [(str(c.pk), t) for c, t in zip(conversations[:n], tokens[:n], strict=True)]

    with django.db.connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0].split()[0]
        cursor.execute("SHOW max_connections")
        max_conn = int(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM pg_stat_activity")
        in_use = int(cursor.fetchone()[0])

    print("== SQL statements of one turn, in-process (inline runner)", file=sys.stderr)
    try:
        sql = sql_per_turn(users[n], conversations[n], tokens[n])
        print(f"   {sql['total']} statements, {sql['reply']} in the reply", file=sys.stderr)
        (args.logs / "streaming-sql.txt").write_text("\n".join(sql["sql"]) + "\n")
    except Exception as error:  # noqa: BLE001 (reported, the rest still runs)
        print(f"   failed: {error!r}", file=sys.stderr)
        sql = None

    print(f"== the provider alone: {n} direct streams", file=sys.stderr)
    provider_baseline(provider.base_url, min(n, 10))  # warm-up
    base = summarize(provider_baseline(provider.base_url, n))
    print(f"   TTFT p50 {base['ttft50']:.1f} ms, {base['rate50']:.1f} pieces/s", file=sys.stderr)
    django.db.connections.close_all()

    # Each reply holds a database connection for its whole stream: the worker's threads
    # (and the memory set-up's reply threads) need one each.
    headroom = max_conn - in_use - 12
    conc = args.concurrency or n
    if conc > headroom:
        print(
            f"   PostgreSQL max_connections={max_conn}, {in_use} in use: worker concurrency "
            f"{conc} -> {headroom}",
            file=sys.stderr,
        )
        conc = headroom

    configs: list[Config] = []
    for variant in args.variants:
        venv = {**env, "BENCH_WS_LAYER": variant}
        if variant == "memory":
            venv["CONVERSATIONS_REPLY_RUNNER"] = "thread"
        else:
            venv["CONVERSATIONS_REPLY_RUNNER"] = "celery"
        server = None
        try:
            if variant == "redis":
                server, port = start_server(venv, args.logs, "server-redis")
                started.append(server)
            for interval in args.intervals:
                cenv = {**venv, "CONVERSATIONS_COALESCE_MS": str(interval)}
                worker = None
                if variant == "memory":
                    server, port = start_server(cenv, args.logs, f"server-memory-{interval}")
                    started.append(server)
                else:
                    worker = start_worker(cenv, args.logs, f"worker-{interval}", conc)
                    started.append(worker)
                cfg = Config(variant, interval)
                sampler = Sampler(server, worker)
                # A reply thread of the memory set-up holds a connection too: no more
                # streams at once than PostgreSQL can serve (the worker's cap, see above).
                count = n if variant == "redis" else min(n, conc)
                tickets = [issue_ws_ticket(u)[0] for u in users[:count]]
                try:
                    run(
                        run_config(
                            cfg,
                            port=port,
                            members=members[:count],
                            tickets=tickets,
                            rounds=args.rounds,
                            sampler=sampler,
                            via=args.send,
                        )
                    )
                except Exception as error:  # noqa: BLE001
                    cfg.failed = f"{type(error).__name__}: {error}"
                finally:
                    sampler.close()
                configs.append(cfg)
                if cfg.failed:
                    print(f"   {variant} {interval} ms: FAILED {cfg.failed}", file=sys.stderr)
                else:
                    s = summarize(cfg.streams)
                    print(
                        f"   {variant} {interval:3} ms: TTFT p50 {s['ttft50']:.0f} p99 "
                        f"{s['ttft99']:.0f} ms, {s['rate50']:.1f} pieces/s, "
                        f"{s['frames']:.1f} frames/reply, complete {s['complete']}/{s['n']}, "
                        f"server CPU {cfg.server_cpu_s:.1f}s worker CPU {cfg.worker_cpu_s:.1f}s "
                        f"over {cfg.seconds:.1f}s, RSS peak {cfg.rss_peak_kb / 1024:.0f} MB",
                        file=sys.stderr,
                    )
                if worker is not None:
                    worker.stop()
                    started.remove(worker)
                if variant == "memory":
                    server.stop()
                    started.remove(server)
                    if cfg.failed:
                        break
        finally:
            if variant == "redis" and server is not None:
                server.stop()
                started.remove(server)

    block = report(args, base, configs, sql, pg_version, conc)
    print(block)
    if not args.no_readme:
        write_readme(block)


if __name__ == "__main__":
    main()
