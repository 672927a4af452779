"""Django's Redis cache backends: one Redis client per connection pool, and a fail-open one.

Django's client builds a new ``redis.Redis`` for every cache call, and building one (its
table of response callbacks) costs more CPU than the round trip it makes. Throttles,
lockouts and tickets hit the cache on most requests, so that cost showed up in every
endpoint (``bench/README.md``). A ``redis.Redis`` is thread-safe and owns nothing but its
pool, so one per pool is enough.

Redis is an accelerator, not a dependency of the REST API (README, "When Redis is down").
The ``default`` alias is a :class:`FailOpenRedisCache`: when Redis cannot be reached it
behaves as an empty cache that keeps nothing (``get`` answers the default, ``add`` and
``delete`` answer False, ``incr`` finds no key), so throttles let requests through and
cached reads are computed afresh. The outage is logged once when it starts and once when
it ends (:mod:`core.outages`). What must not silently fail (a socket ticket that was never
stored is worse than a 503) uses the ``strict`` alias, :func:`strict_cache`, which raises
:data:`UNAVAILABLE` errors; so does the health check, which must see the real failure.

Both retry a command once on a connection error: after Redis restarts, every pooled
connection is stale, and without the retry the first command on each would fail.
"""

from __future__ import annotations

import functools
import logging
import threading
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from .outages import Outage

logger = logging.getLogger(__name__)

# What an unreachable or unresponsive Redis raises (BusyLoadingError, a Redis still
# loading its data after a restart, is a ConnectionError).
UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

STRICT_ALIAS = "strict"
# Seconds after a failure during which the fail-open cache does not try Redis at all.
DEFAULT_RETRY_AFTER = 1.0


def strict_cache():
    """The cache for what must fail loudly when Redis is down: the ``strict`` alias, or
    ``default`` where no strict alias is configured (a laptop's local memory, a test)."""
    alias = STRICT_ALIAS if STRICT_ALIAS in settings.CACHES else DEFAULT_CACHE_ALIAS
    return caches[alias]


class PooledClientRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, **options):
        # A stale pooled connection (Redis restarted) fails its first command: reconnect
        # and send it again once. A Redis that is really gone fails both attempts.
        options.setdefault("retry_on_error", [redis.exceptions.ConnectionError])
        super().__init__(servers, **options)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class PooledRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledClientRedisCacheClient


# --- fail-open ------------------------------------------------------------------------------

_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def _outage_of(servers: list[str], retry_after: float) -> Outage:
    """One record per Redis for the whole process: cache instances are per thread, and an
    outage must be logged once, not once per thread."""
    # Host, port and database only: a URL may carry a password.
    where = ", ".join(
        f"{parts.hostname}:{parts.port or 6379}{parts.path}"
        for parts in (urlsplit(server) for server in servers)
    )
    with _outages_lock:
        outage = _outages.get(where)
        if outage is None:
            outage = _outages[where] = Outage(
                f"The Redis cache at {where}", logger=logger, retry_after=retry_after
            )
        return outage


def _fail_open(fallback):
    """Run the client's method; when Redis is unreachable answer ``fallback(*args)``."""

    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, *args):
            if self._outage.skip():
                return fallback(*args)
            try:
                result = method(self, *args)
            except UNAVAILABLE as error:
                self._outage.failed(error)
                return fallback(*args)
            self._outage.succeeded()
            return result

        return wrapper

    return decorator


def _no_such_key(key, *args):
    # What Django's backends raise for incr() of a missing key; callers handle it already.
    raise ValueError(f"Key {key!r} not found.")


class FailOpenRedisCacheClient(PooledClientRedisCacheClient):
    """An empty cache that keeps nothing while Redis is unreachable (module docstring)."""

    def __init__(self, servers, *, retry_after: float = DEFAULT_RETRY_AFTER, **options):
        super().__init__(servers, **options)
        self._outage = _outage_of(servers, retry_after)

    add = _fail_open(lambda *args: False)(PooledClientRedisCacheClient.add)
    get = _fail_open(lambda key, default: default)(PooledClientRedisCacheClient.get)
    set = _fail_open(lambda *args: None)(PooledClientRedisCacheClient.set)
    touch = _fail_open(lambda *args: False)(PooledClientRedisCacheClient.touch)
    delete = _fail_open(lambda *args: False)(PooledClientRedisCacheClient.delete)
    get_many = _fail_open(lambda *args: {})(PooledClientRedisCacheClient.get_many)
    has_key = _fail_open(lambda *args: False)(PooledClientRedisCacheClient.has_key)
    incr = _fail_open(_no_such_key)(PooledClientRedisCacheClient.incr)
    set_many = _fail_open(lambda *args: None)(PooledClientRedisCacheClient.set_many)
    delete_many = _fail_open(lambda *args: None)(PooledClientRedisCacheClient.delete_many)
    clear = _fail_open(lambda *args: False)(PooledClientRedisCacheClient.clear)


class FailOpenRedisCache(PooledRedisCache):
    """``OPTIONS`` are redis-py's pool options, plus ``retry_after`` (seconds during which
    a failed Redis is not tried again; :data:`DEFAULT_RETRY_AFTER`)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        options = dict(self._options)
        retry_after = float(options.pop("retry_after", DEFAULT_RETRY_AFTER))
        self._options = options
        self._class = functools.partial(FailOpenRedisCacheClient, retry_after=retry_after)
