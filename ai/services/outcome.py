"""How a generation ends: its outcome stored, its quota refunded when due, its feature's
``on_finish`` called and the user's sockets told, in one transaction; then
``ai_generation_finished`` tracked for analytics."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from analytics.services import track
from core import realtime

from .. import features, frames, quotas
from ..models import Generation
from ..providers import Completion

logger = logging.getLogger("ai.services")

# Error codes of failures that are ours or the model's; the provider's own are in
# ai.providers.base.
REFUSED = "refused"
INVALID_OUTPUT = "invalid_output"
TRUNCATED = "truncated"
CANCELLED = "cancelled"
INTERNAL_ERROR = "internal_error"
# The run stopped without an outcome (its worker or stream process died).
ABANDONED = "abandoned"


class GenerationFailed(Exception):
    """``keep_output``: the output stays recorded though the generation failed (the text a
    cancelled stream had shown before it stopped)."""

    def __init__(self, code: str, message: str, *, refund: bool, keep_output: bool = False):
        super().__init__(message)
        self.code = code
        self.message = message
        self.refund = refund
        self.keep_output = keep_output


@dataclass
class Usage:
    tokens_in: int = 0
    tokens_out: int = 0
    attempts: int = 0
    # The provider did not report the tokens: they are our estimate.
    estimated: bool = False

    def add(self, completion: Completion) -> None:
        self.tokens_in += completion.tokens_in
        self.tokens_out += completion.tokens_out
        self.attempts += completion.attempts


_RECORDED_FIELDS = [
    "status",
    "provider",
    "model",
    "prompt_version",
    "output",
    "error_code",
    "error_message",
    "tokens_in",
    "tokens_out",
    "usage_estimated",
    "cost_usd",
    "attempts",
    "latency_ms",
    "time_to_first_token_ms",
    "finished_at",
    "updated_at",
]


def record(
    generation: Generation,
    *,
    output: dict[str, Any] | None,
    failure: GenerationFailed | None,
    usage: Usage,
    latency_ms: int | None,
    time_to_first_token_ms: int | None = None,
) -> None:
    """Store the outcome, refund when due, call the feature's ``on_finish`` and tell the
    user's sockets, in one transaction. If ``on_finish`` fails, the generation is recorded
    as failed (and refunded) instead: its owner could not use the answer."""
    generation.status = Generation.Status.FAILED if failure else Generation.Status.SUCCEEDED
    generation.output = output if failure is None or failure.keep_output else None
    generation.error_code = failure.code if failure else ""
    generation.error_message = failure.message[:500] if failure else ""
    generation.tokens_in = usage.tokens_in
    generation.tokens_out = usage.tokens_out
    generation.usage_estimated = usage.estimated
    generation.cost_usd = cost_usd(
        model=generation.model, tokens_in=usage.tokens_in, tokens_out=usage.tokens_out
    )
    generation.attempts = usage.attempts
    generation.latency_ms = latency_ms
    generation.time_to_first_token_ms = time_to_first_token_ms
    generation.finished_at = timezone.now()
    quota_day = generation.quota_day
    try:
        with transaction.atomic():
            if failure is not None and failure.refund:
                quotas.refund(generation=generation)
            generation.save(update_fields=_RECORDED_FIELDS)
            _on_finish(generation)
            realtime.send_to_user(generation.user_id, frames.generation_updated(generation))
    except DatabaseError:
        generation.quota_day = quota_day
        raise
    except Exception:
        logger.exception(
            "on_finish of %s failed for generation %s", generation.feature, generation.pk
        )
        generation.quota_day = quota_day
        with transaction.atomic():
            generation.status = Generation.Status.FAILED
            generation.output = None
            generation.error_code = INTERNAL_ERROR
            generation.error_message = "The answer could not be stored."
            quotas.refund(generation=generation)
            generation.save(update_fields=_RECORDED_FIELDS)
            realtime.send_to_user(generation.user_id, frames.generation_updated(generation))
    _track_finished(generation)


def cost_usd(*, model: str, tokens_in: int, tokens_out: int) -> Decimal | None:
    """What ``AI_PRICES`` says the tokens cost, to the micro-dollar; None for a model it
    does not price (the offline provider's included)."""
    price = settings.AI_PRICES.get(model)
    if not price:
        return None
    cost = (
        Decimal(str(price["input_per_million"])) * tokens_in
        + Decimal(str(price["output_per_million"])) * tokens_out
    ) / 1_000_000
    return cost.quantize(Decimal("0.000001"))


def _track_finished(generation: Generation) -> None:
    """After the outcome is committed (``track`` waits for the commit and never raises), so
    a dashboard never counts a generation whose outcome was rolled back."""
    track(
        "ai_generation_finished",
        generation.user,
        generation_id=str(generation.pk),
        feature=generation.feature,
        provider=generation.provider,
        model=generation.model,
        status=generation.status,
        error_code=generation.error_code,
        streamed=generation.streamed,
        tokens_in=generation.tokens_in,
        tokens_out=generation.tokens_out,
        estimated=generation.usage_estimated,
        cost_usd=None if generation.cost_usd is None else str(generation.cost_usd),
        latency_ms=generation.latency_ms,
        time_to_first_token_ms=generation.time_to_first_token_ms,
    )


def _on_finish(generation: Generation) -> None:
    try:
        spec = features.get(generation.feature)
    except features.UnknownFeature:
        return
    if spec.on_finish is not None:
        spec.on_finish(generation=generation)


def ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
