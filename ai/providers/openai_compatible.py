"""The ``openai`` provider: the official SDK against any OpenAI-compatible endpoint
(``AI_BASE_URL``, ``AI_API_KEY``).

Retries are ours, not the SDK's (it is built with ``max_retries=0``). The SDK would also
retry 408 and 409 answers, caps a ``Retry-After`` at its own limit and cannot tell us how
many requests it made; our loop retries only what is transient (429, 5xx, timeouts and
dropped connections), honours ``Retry-After`` / ``retry-after-ms`` up to
``AI_RETRY_MAX_WAIT`` seconds (a longer wait ends the attempts at once: holding a worker for
minutes is worse than failing and refunding), otherwise backs off exponentially from
``AI_RETRY_BACKOFF`` with jitter, and counts every request so the generation records it.
"""

from __future__ import annotations

import email.utils
import functools
import logging
import random
import socket
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import openai
from django.conf import settings

from .base import (
    CONNECTION_ERROR,
    INCOMPLETE_STREAM,
    PROVIDER_ERROR,
    RATE_LIMITED,
    TIMEOUT,
    UNAVAILABLE,
    Completion,
    Delta,
    ProviderError,
    ProviderRequest,
    ProviderStream,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")


class RetryPolicy:
    def __init__(
        self,
        *,
        max_retries: int,
        backoff: float,
        max_wait: float,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.max_retries = max(0, max_retries)
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep

    @classmethod
    def from_settings(cls) -> RetryPolicy:
        return cls(
            max_retries=settings.AI_MAX_RETRIES,
            backoff=settings.AI_RETRY_BACKOFF,
            max_wait=settings.AI_RETRY_MAX_WAIT,
        )

    def wait_before_retry(self, retry: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number ``retry`` (1-based), or None to give up."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_wait else None
        ceiling = min(self.max_wait, self.backoff * 2 ** (retry - 1))
        # Half fixed, half random: waits still grow, and workers that failed together do
        # not all come back at the same instant.
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311

    def run(self, call: Callable[[], T]) -> tuple[T, int]:
        """``call()``'s result and the number of requests it took."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return call(), attempt
            except openai.OpenAIError as exc:
                error = classify(exc)
            except ValueError as exc:
                # A 200 whose body is not the JSON the SDK expects (a proxy's HTML page).
                raise ProviderError(
                    PROVIDER_ERROR, "The AI provider's answer could not be read.", attempts=attempt
                ) from exc
            error.attempts = attempt
            if not error.retryable or attempt > self.max_retries:
                raise error
            wait = self.wait_before_retry(attempt, error.retry_after)
            if wait is None:
                error.message = (
                    f"{error.message} The provider asked to wait {error.retry_after:.0f} s, "
                    f"more than AI_RETRY_MAX_WAIT ({self.max_wait:g} s)."
                )[:500]
                raise error
            logger.info("AI request failed (%s); retry %d in %.2f s", error.code, attempt, wait)
            self.sleep(wait)


def classify(exc: openai.OpenAIError) -> ProviderError:
    """Our error for an SDK error, marked retryable when it is transient."""
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(
            TIMEOUT,
            f"The AI provider did not answer within {settings.AI_TIMEOUT:g} s.",
            retryable=True,
        )
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(
            CONNECTION_ERROR, "The AI provider could not be reached.", retryable=True
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        retry_after = retry_after_seconds(exc.response.headers)
        if status == 429:
            return ProviderError(
                RATE_LIMITED,
                "The AI provider is rate limiting our requests.",
                retryable=True,
                retry_after=retry_after,
            )
        if status >= 500:
            return ProviderError(
                UNAVAILABLE,
                f"The AI provider failed (HTTP {status}).",
                retryable=True,
                retry_after=retry_after,
            )
        return ProviderError(
            PROVIDER_ERROR,
            f"The AI provider refused the request (HTTP {status}): {_error_message(exc)}",
        )
    return ProviderError(PROVIDER_ERROR, f"The AI provider's answer could not be read: {exc}")


def _error_message(exc: openai.APIStatusError) -> str:
    """The message of the API's error body when it has one, else the SDK's summary."""
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return exc.message


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """``retry-after-ms``, else ``Retry-After`` in seconds or as an HTTP date."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


@functools.lru_cache(maxsize=8)
def client_for(base_url: str, api_key: str, timeout: float) -> openai.OpenAI:
    # One client (and connection pool) per configuration, reused by every generation.
    return openai.OpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0)


class OpenAICompatibleProvider:
    name = "openai"

    def __init__(self, *, client: openai.OpenAI, retry: RetryPolicy):
        self.client = client
        self.retry = retry

    @classmethod
    def from_settings(cls) -> OpenAICompatibleProvider:
        client = client_for(settings.AI_BASE_URL, settings.AI_API_KEY, float(settings.AI_TIMEOUT))
        return cls(client=client, retry=RetryPolicy.from_settings())

    def model_for(self, configured: str) -> str:
        return configured

    def _arguments(self, request: ProviderRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {"model": request.model, "messages": request.messages}
        if request.max_output_tokens is not None:
            arguments["max_completion_tokens"] = request.max_output_tokens
        if request.temperature is not None:
            arguments["temperature"] = request.temperature
        if settings.AI_EXTRA_BODY:
            arguments["extra_body"] = settings.AI_EXTRA_BODY
        return arguments

    def complete(self, request: ProviderRequest) -> Completion:
        arguments = self._arguments(request)
        if request.json_schema is not None:
            arguments["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": request.schema_name,
                    "strict": True,
                    "schema": request.json_schema,
                },
            }
        response, attempts = self.retry.run(
            lambda: self.client.chat.completions.create(**arguments)
        )
        if not response.choices:
            raise ProviderError(
                PROVIDER_ERROR, "The AI provider answered without a choice.", attempts=attempts
            )
        choice = response.choices[0]
        usage = response.usage
        return Completion(
            content=choice.message.content,
            refusal=getattr(choice.message, "refusal", None),
            finish_reason=choice.finish_reason,
            tokens_in=usage.prompt_tokens if usage else 0,
            tokens_out=usage.completion_tokens if usage else 0,
            attempts=attempts,
        )

    def stream(self, request: ProviderRequest) -> ProviderStream:
        """Retries apply to opening the stream only: once text has flowed, a failure ends
        the reply (what the user has seen cannot be taken back)."""
        arguments = self._arguments(request)
        if settings.AI_STREAM_INCLUDE_USAGE:
            arguments["stream_options"] = {"include_usage": True}
        response, attempts = self.retry.run(
            lambda: self.client.chat.completions.create(**arguments, stream=True)
        )
        return ProviderStream(
            _deltas(response),
            attempts=attempts,
            close=response.close,
            abort=functools.partial(_abort, response),
        )


def _deltas(response) -> Iterator[Delta]:
    """The deltas of a streamed completion. Once text has flowed, a dropped connection or a
    read timeout is the provider's failure, not ours: recent SDKs raise their own
    ``APIConnectionError`` / ``APITimeoutError`` for it, older ones let the HTTP library's
    exception through, and both are mapped here. A stream that ends without a finish
    reason was cut short (a proxy or the provider closed it early): its text may be half a
    sentence, so it fails rather than passing for a complete reply."""
    timeout_errors, transport_errors = _transport_errors(response)
    finished = False
    try:
        for chunk in response:
            usage = chunk.usage
            choice = chunk.choices[0] if chunk.choices else None
            delta = choice.delta if choice is not None else None
            finish_reason = choice.finish_reason if choice is not None else None
            finished = finished or finish_reason is not None
            yield Delta(
                text=(delta.content or "") if delta is not None else "",
                refusal=(getattr(delta, "refusal", None) or "") if delta is not None else "",
                finish_reason=finish_reason,
                tokens_in=usage.prompt_tokens if usage else None,
                tokens_out=usage.completion_tokens if usage else None,
            )
    except (openai.APITimeoutError, *timeout_errors) as exc:
        raise ProviderError(
            TIMEOUT,
            f"The AI provider did not answer within {settings.AI_TIMEOUT:g} s.",
            retryable=True,
        ) from exc
    except (openai.APIConnectionError, *transport_errors) as exc:
        raise ProviderError(
            CONNECTION_ERROR, "The AI provider's connection dropped mid-reply.", retryable=True
        ) from exc
    except openai.OpenAIError as exc:
        raise classify(exc) from exc
    finally:
        response.close()
    if not finished:
        raise ProviderError(
            INCOMPLETE_STREAM,
            "The AI provider's stream ended before the reply was finished.",
            retryable=True,
        )


def _transport_errors(response) -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """The timeout and transport exceptions of the HTTP library under the SDK (``httpx``
    or its successor ``httpx2``, depending on the SDK's version), read from the response
    it returned rather than imported, so either works."""
    library = sys.modules.get(type(response.response).__module__.split(".")[0])
    timeout = getattr(library, "TimeoutException", None)
    transport = getattr(library, "TransportError", None)
    return ((timeout,) if timeout else ()), ((transport,) if transport else ())


def _abort(response) -> None:
    """Cut a stream that another thread may be blocked reading. Shutting the socket down
    wakes a blocked ``recv`` at once; closing the response alone may not (closing a socket
    does not interrupt a read in progress on Linux), and closing it from this thread could
    race the reader's own use of the connection pool, so the reader closes it when its read
    ends. Without a socket to reach (another transport), closing the response is the best
    there is."""
    network_stream = response.response.extensions.get("network_stream")
    sock = network_stream.get_extra_info("socket") if network_stream is not None else None
    if sock is None:
        response.close()
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        # Already closed: the read it was blocking has ended.
        pass
