"""Outages of an optional dependency (Redis as cache, channel layer or broker), as one
process sees them.

Code that carries on without a dependency (a cache that answers "not cached", a push that
is dropped) reports each failure and each success here. The log then says once that the
dependency went away and once that it came back, however many requests ran in between:
a warning per request would bury everything else in the log during an outage.

``retry_after`` adds a short circuit breaker: for that many seconds after a failure,
:meth:`Outage.skip` tells callers not to try at all. A refused connection costs nothing,
but a blackholed host costs a whole connect timeout per call, and a request makes several
cache calls; with the breaker one call per ``retry_after`` seconds pays it, not every call.
"""

from __future__ import annotations

import logging
import threading
import time


class Outage:
    def __init__(self, name: str, *, logger: logging.Logger, retry_after: float = 0.0):
        self.name = name
        self.retry_after = retry_after
        self._logger = logger
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._last_failure = 0.0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def skip(self) -> bool:
        """Whether a caller should not even try (a failure was seen very recently)."""
        return (
            self._down_since is not None
            and time.monotonic() - self._last_failure < self.retry_after
        )

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self._last_failure = time.monotonic()
            started = self._down_since is None
            if started:
                self._down_since = self._last_failure
        if started:
            # The class and message only: redis-py names the host and port, never the
            # password of the URL.
            self._logger.warning(
                "%s is unavailable (%s: %s); carrying on without it until it is back.",
                self.name,
                type(error).__name__,
                error,
            )

    def succeeded(self) -> None:
        if self._down_since is None:  # the common case, without taking the lock
            return
        with self._lock:
            since, self._down_since = self._down_since, None
        if since is not None:
            self._logger.warning(
                "%s is available again after %.1f s.", self.name, time.monotonic() - since
            )
