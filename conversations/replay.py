"""The replay log of streamed replies: every ``ai.token`` frame a reply sent, by ``seq``,
so a client that lost its socket can ask for what it missed (``conversation.resume``) and
get it with no gap and no duplicate.

With ``REDIS_URL`` the log is a Redis stream per reply (``XADD`` with the seq as the entry
id, so the stream is ordered and an entry cannot be written twice), shared by the worker
that writes and every ASGI process that reads; it expires ``CONVERSATIONS_REPLAY_TTL``
seconds after its last write. Without Redis (a laptop, one process) it lives in this
process's memory, under the same expiry. Once a reply is finished, the database has its
final text: an expired log only means the client gets ``ai.message`` at once.

The log is a convenience, never the record: a write that fails (Redis away) is logged and
dropped, and the reply goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings

from core.cache import UNAVAILABLE

logger = logging.getLogger(__name__)

KEY = "conversations:replay:{}"
# A reply's log holds at most this many frames (a 300-token reply at 30 ms is far less).
MAX_FRAMES = 5000


@dataclass(frozen=True)
class Replay:
    frames: list[tuple[int, str]]
    # The reply's final status once it ended (the log's last entry), else None.
    ended: str | None


class MemoryLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: dict[str, tuple[list[tuple[int, str]], list[str | None], float]] = {}

    def append(self, message_id: str, seq: int, delta: str) -> None:
        with self._lock:
            self._sweep()
            frames, ended, _ = self._logs.get(message_id, ([], [None], 0.0))
            if (not frames or frames[-1][0] < seq) and len(frames) < MAX_FRAMES:
                frames.append((seq, delta))
            self._logs[message_id] = (frames, ended, time.monotonic() + _ttl())

    def end(self, message_id: str, status: str) -> None:
        with self._lock:
            frames, ended, _ = self._logs.get(message_id, ([], [None], 0.0))
            ended[0] = status
            self._logs[message_id] = (frames, ended, time.monotonic() + _ttl())

    def read(self, message_id: str, after: int) -> Replay | None:
        with self._lock:
            self._sweep()
            entry = self._logs.get(message_id)
            if entry is None:
                return None
            frames, ended, _ = entry
            return Replay([(s, d) for s, d in frames if s > after], ended[0])

    def forget(self, message_id: str) -> None:
        with self._lock:
            self._logs.pop(message_id, None)

    def _sweep(self) -> None:
        now = time.monotonic()
        for key in [k for k, (_, _, expires) in self._logs.items() if expires < now]:
            del self._logs[key]


class RedisLog:
    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2, retry_on_timeout=False
        )

    def append(self, message_id: str, seq: int, delta: str) -> None:
        key = KEY.format(message_id)
        pipe = self._client.pipeline(transaction=False)
        pipe.xadd(key, {"d": delta}, id=f"{seq}-1", maxlen=MAX_FRAMES, approximate=True)
        if seq == 1:
            pipe.expire(key, _ttl())
        pipe.execute(raise_on_error=False)

    def end(self, message_id: str, status: str) -> None:
        key = KEY.format(message_id)
        pipe = self._client.pipeline(transaction=False)
        # Greater than every token entry whatever the last seq: the end marker sorts last.
        pipe.xadd(key, {"end": status}, id="*")
        pipe.expire(key, _ttl())
        pipe.execute(raise_on_error=False)

    def read(self, message_id: str, after: int) -> Replay | None:
        entries = self._client.xrange(KEY.format(message_id), min=f"({after}-1")
        if not entries and not self._client.exists(KEY.format(message_id)):
            return None
        frames: list[tuple[int, str]] = []
        ended = None
        for entry_id, fields in entries:
            if b"end" in fields:
                ended = fields[b"end"].decode()
                continue
            seq = int(entry_id.split(b"-")[0])
            frames.append((seq, fields[b"d"].decode()))
        return Replay(frames, ended)

    def forget(self, message_id: str) -> None:
        self._client.delete(KEY.format(message_id))


def _ttl() -> int:
    return int(settings.CONVERSATIONS_REPLAY_TTL)


_lock = threading.Lock()
_logs: dict[str, MemoryLog | RedisLog] = {}


def _log() -> MemoryLog | RedisLog:
    url = settings.REDIS_URL
    with _lock:
        if url not in _logs:
            _logs[url] = RedisLog(url) if url else MemoryLog()
        return _logs[url]


def append(message_id, seq: int, delta: str) -> None:
    _quietly(lambda: _log().append(str(message_id), seq, delta))


def end(message_id, status: str) -> None:
    _quietly(lambda: _log().end(str(message_id), status))


def forget(message_id) -> None:
    _quietly(lambda: _log().forget(str(message_id)))


def read(message_id, after: int) -> Replay | None:
    """The frames after seq ``after`` and whether the reply ended; None when there is no
    log (never streamed here, expired, or Redis is away)."""
    try:
        return _log().read(str(message_id), after)
    except (*UNAVAILABLE, redis.exceptions.RedisError, OSError):
        logger.warning("The replay log could not be read", exc_info=True)
        return None


def text(message_id) -> tuple[str, int] | None:
    """The text streamed so far and its last seq, or None without a log."""
    replay = read(message_id, 0)
    if replay is None:
        return None
    return "".join(delta for _, delta in replay.frames), (
        replay.frames[-1][0] if replay.frames else 0
    )


def _quietly(write) -> None:
    try:
        write()
    except (*UNAVAILABLE, redis.exceptions.RedisError, OSError):
        logger.warning("The replay log could not be written", exc_info=True)
