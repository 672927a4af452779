"""What every provider takes and gives back, and how it fails."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

# Error codes recorded on a failed generation when the provider gave no usable answer;
# the quota of such a generation is refunded (ai/services.py).
RATE_LIMITED = "rate_limited"
UNAVAILABLE = "provider_unavailable"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection_error"
PROVIDER_ERROR = "provider_error"
# A stream that ended without saying why (no finish reason): the reply may be cut short.
INCOMPLETE_STREAM = "incomplete_stream"


@dataclass(frozen=True)
class ProviderRequest:
    model: str
    messages: list[dict[str, str]]
    # Structured output: the strict JSON schema and its name; None for a text reply.
    json_schema: dict[str, Any] | None = None
    schema_name: str | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    # The generation's inputs and member context, for the offline provider to build its
    # answer from, and the feature's own offline answer when it declares one
    # (offline(inputs=..., context=...) -> dict; ai/features.py).
    inputs: dict[str, Any] | None = None
    member_context: dict[str, Any] | None = None
    offline: Callable[..., dict[str, Any]] | None = None


@dataclass(frozen=True)
class Completion:
    content: str | None
    refusal: str | None
    finish_reason: str | None
    tokens_in: int
    tokens_out: int
    attempts: int


@dataclass(frozen=True)
class Delta:
    """A piece of a streamed reply. The last one usually carries the usage only."""

    text: str = ""
    refusal: str = ""
    finish_reason: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None


@dataclass
class ProviderStream:
    """An open streamed reply: iterate for deltas. ``attempts`` counts the requests it took
    to open it. ``abort`` may be called from another thread than the one iterating: it
    cuts the connection so a read blocked on it ends at once (with an error or an early
    end, which the caller that aborted expects)."""

    deltas: Iterator[Delta]
    attempts: int
    close: Callable[[], None] = field(default=lambda: None)
    abort: Callable[[], None] = field(default=lambda: None)

    def __iter__(self) -> Iterator[Delta]:
        return self.deltas


class ProviderError(Exception):
    """The provider gave no answer: rate limited, down, too slow, unreachable, or it refused
    the request itself. ``retryable`` errors are retried before they get here."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        attempts: int = 1,
        retryable: bool = False,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message[:500]
        self.attempts = attempts
        self.retryable = retryable
        self.retry_after = retry_after


class Provider(Protocol):
    name: str

    def model_for(self, configured: str) -> str:
        """The model name to record for a feature configured with ``configured``."""

    def complete(self, request: ProviderRequest) -> Completion: ...

    def stream(self, request: ProviderRequest) -> ProviderStream: ...
