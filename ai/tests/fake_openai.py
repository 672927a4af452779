"""An OpenAI-compatible server for tests: a real HTTP server on 127.0.0.1 that answers
``POST /v1/chat/completions`` and ``POST /v1/moderations`` from a script of replies, in
order, and records every request it got. The real ``openai`` client talks to it (settings
``AI_BASE_URL``/``AI_API_KEY``, ``AI_MODERATION_BASE_URL``/``AI_MODERATION_API_KEY``).

    fake_openai.script(error(429, headers={"Retry-After": "0.1"}), completion('{"a": 1}'))

A reply is a JSON body, or a stream of server-sent events (``data: {...}`` chunks, then
``data: [DONE]``) sent with chunked transfer encoding as real providers do, so a connection
dropped mid-stream reads as one; each comes after an optional delay (longer than
``AI_TIMEOUT`` for a timeout). A request with nothing left in the script, or whose path is
not the one the next reply is for, gets a 418 naming the problem.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED = 1_767_225_600  # 2026-01-01


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # A streamed reply: each chunk (a dict, sent as JSON) becomes one `data:` event.
    chunks: list[Any] | None = None
    delay: float = 0.0
    chunk_delay: float = 0.0
    # A stream that goes quiet for ``stall`` seconds after ``stall_after`` chunks.
    stall_after: int | None = None
    stall: float = 0.0
    # A stream whose connection is cut after ``drop_after`` chunks, before it ends.
    drop_after: int | None = None
    path: str = "/v1/chat/completions"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


def completion(
    content: str | None = None,
    *,
    finish_reason: str = "stop",
    refusal: str | None = None,
    tokens: tuple[int, int] = (12, 7),
    delay: float = 0.0,
) -> Reply:
    """A chat completion answering ``content`` (or refusing)."""
    return Reply(
        body={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": CREATED,
            "model": "test-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal},
                    "finish_reason": finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": tokens[0],
                "completion_tokens": tokens[1],
                "total_tokens": sum(tokens),
            },
        },
        delay=delay,
    )


def _chunk(choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "test-model",
        "choices": choices,
        "usage": usage,
    }


def streamed(
    pieces: list[str],
    *,
    tokens: tuple[int, int] | None = (12, 7),
    finish_reason: str | None = "stop",
    chunk_delay: float = 0.0,
    delay: float = 0.0,
    stall_after_pieces: int | None = None,
    stall: float = 0.0,
    drop_after_pieces: int | None = None,
) -> Reply:
    """A streamed completion: a role chunk, one chunk per piece, a finishing chunk (none
    when ``finish_reason`` is None), and the usage chunk that
    ``stream_options.include_usage`` asks for (none when ``tokens`` is None). With
    ``drop_after_pieces`` the connection is cut after that many pieces."""
    chunks = [_chunk([{"index": 0, "delta": {"role": "assistant", "content": ""}}])]
    chunks += [_chunk([{"index": 0, "delta": {"content": piece}}]) for piece in pieces]
    if finish_reason is not None:
        chunks.append(_chunk([{"index": 0, "delta": {}, "finish_reason": finish_reason}]))
    if tokens is not None:
        usage = {"prompt_tokens": tokens[0], "completion_tokens": tokens[1]}
        chunks.append(_chunk([], {**usage, "total_tokens": sum(tokens)}))
    return Reply(
        chunks=chunks,
        chunk_delay=chunk_delay,
        delay=delay,
        stall_after=None if stall_after_pieces is None else stall_after_pieces + 1,
        stall=stall,
        drop_after=None if drop_after_pieces is None else drop_after_pieces + 1,
    )


def moderation(*flagged: str, delay: float = 0.0) -> Reply:
    """A moderation result for one input, flagged in the ``flagged`` categories (OpenAI's
    names: ``self-harm``, ``sexual/minors``, ``harassment/threatening``...)."""
    names = [
        "harassment",
        "harassment/threatening",
        "hate",
        "hate/threatening",
        "illicit",
        "illicit/violent",
        "self-harm",
        "self-harm/instructions",
        "self-harm/intent",
        "sexual",
        "sexual/minors",
        "violence",
        "violence/graphic",
        *flagged,
    ]
    categories = {name: name in flagged for name in names}
    return Reply(
        body={
            "id": "modr-test",
            "model": "omni-moderation-latest",
            "results": [
                {
                    "flagged": bool(flagged),
                    "categories": categories,
                    "category_scores": {
                        name: 0.9 if hit else 0.001 for name, hit in categories.items()
                    },
                    "category_applied_input_types": {name: ["text"] for name in categories},
                }
            ],
        },
        delay=delay,
        path="/v1/moderations",
    )


def error(status: int, message: str = "Something failed.", **kwargs: Any) -> Reply:
    return Reply(
        status=status,
        body={"error": {"message": message, "type": "server_error", "code": None}},
        **kwargs,
    )


class FakeOpenAI:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    @property
    def unused(self) -> list[Reply]:
        with self._lock:
            return list(self._script)

    def bodies(self) -> list[Any]:
        return [request.body for request in self.received]

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def _next(self, request: Received) -> Reply | None:
        with self._lock:
            self.received.append(request)
            return self._script.popleft() if self._script else None

    def wait(self, seconds: float) -> None:
        """Sleep, but wake up when the server stops (a test must not wait on it)."""
        if seconds > 0:
            self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeOpenAI

    def handle_error(self, request, client_address) -> None:
        # A client that timed out has hung up: writing to it fails, which is expected.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args) -> None:
        pass

    def do_POST(self) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = raw.decode(errors="replace")
        request = Received(
            method="POST",
            path=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        reply = fake._next(request)
        if reply is None:
            reply = error(418, f"The fake server has no reply scripted for POST {self.path}.")
        elif reply.path != self.path:
            reply = error(418, f"The fake server's next reply is for POST {reply.path}.")
        fake.wait(reply.delay)
        if reply.chunks is None:
            self._send_json(reply)
        else:
            self._send_stream(reply)

    def _send_json(self, reply: Reply) -> None:
        data = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
        payload = data.encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _send_stream(self, reply: Reply) -> None:
        self.close_connection = True
        self.send_response(reply.status)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        for sent, chunk in enumerate(reply.chunks or [], start=1):
            data = chunk if isinstance(chunk, str) else json.dumps(chunk)
            self._send_chunk(f"data: {data}\n\n".encode())
            if sent == reply.drop_after:
                # Cut mid-body: the client reads an unfinished chunked body.
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.server.fake.wait(reply.stall if sent == reply.stall_after else reply.chunk_delay)
        self._send_chunk(b"data: [DONE]\n\n")
        self._send_chunk(b"")

    def _send_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()
