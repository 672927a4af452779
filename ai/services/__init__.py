"""The AI gateway: every AI call of the platform goes through these functions.

- :func:`generate` queues a structured generation: the quota is taken, the ``Generation``
  recorded and its Celery task enqueued on commit; the API answers 202 with its
  ``status_url`` and the user's sockets hear ``ai.generation.updated`` when it ends.
- :func:`stream` runs a streamed text reply, yielding the text as it arrives and recording
  the generation when it ends; :func:`stream_to_user` / :func:`astream_to_user` push it
  to the user's sockets as ``ai.token`` frames.
- :func:`generation_retry` runs a failed generation again.
- :func:`moderate` checks what a member wrote, with the moderation provider or local rules.

A generation that goes wrong is recorded as failed with an error code (below and in
``ai.providers.base``), not raised: it happens in a worker, and the user hears of it
through the generation. Quota is refunded when the provider gave no answer (rate limited,
down, too slow, unreachable, or it rejected the request) and when we failed on our side;
it is not refunded when the model did answer but refused, or stayed invalid after the
repair attempt, since those answers were produced (and paid for) all the same; nor when
the member cancelled a streamed reply (:meth:`GenerationStream.cancel`).
"""

from .generations import (
    generate,
    generation_fail,
    generation_retry,
    generation_run,
    generations_clear_content,
    generations_recover_stale,
)
from .moderation import ModerationResult, ModerationUnavailable, moderate, moderate_locally
from .outcome import (
    ABANDONED,
    CANCELLED,
    INTERNAL_ERROR,
    INVALID_OUTPUT,
    REFUSED,
    TRUNCATED,
    GenerationFailed,
)
from .streams import GenerationStream, astream_to_user, stream, stream_to_user

__all__ = [
    "ABANDONED",
    "CANCELLED",
    "INTERNAL_ERROR",
    "INVALID_OUTPUT",
    "REFUSED",
    "TRUNCATED",
    "GenerationFailed",
    "GenerationStream",
    "ModerationResult",
    "ModerationUnavailable",
    "astream_to_user",
    "generate",
    "generations_clear_content",
    "generation_fail",
    "generation_retry",
    "generation_run",
    "generations_recover_stale",
    "moderate",
    "moderate_locally",
    "stream",
    "stream_to_user",
]
