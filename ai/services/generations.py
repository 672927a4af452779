"""Structured generations: queued with their quota, run by the Celery task, validated
against the feature's schema with one repair attempt."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from accounts import entitlements
from core.exceptions import Conflict
from core.tasks import enqueue

from .. import features, providers, quotas
from ..context import member_context
from ..features import Feature, OutputInvalid
from ..models import Generation
from ..providers import Completion, Provider, ProviderError, ProviderRequest
from .outcome import (
    ABANDONED,
    INTERNAL_ERROR,
    INVALID_OUTPUT,
    REFUSED,
    TRUNCATED,
    GenerationFailed,
    Usage,
    logger,
    ms_since,
    record,
)

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def generate(*, user: User, feature: str, inputs: dict[str, Any]) -> Generation:
    """Queue a generation of ``feature`` from ``inputs`` (the context of its prompt
    templates; stored as JSON). Raises ``PlanRequired`` when the user's plan does not
    include the feature's entitlement, ``QuotaExceeded`` when it has no units left today.
    The generation runs in a Celery task once this transaction commits. A feature declared
    with ``member_context`` gets the member's context (``ai.context``) now, recorded on the
    generation: its prompts say what the member's situation was when they asked."""
    spec = features.get(feature)
    if not spec.structured:
        raise ValueError(f"{feature} has no output schema; stream it with ai.services.stream.")
    if spec.entitlement:
        entitlements.require(user, spec.entitlement)
    provider = providers.get_provider()
    day = quotas.take(user=user, feature=spec.name, cost=spec.cost)
    generation = Generation.objects.create(
        user=user,
        feature=spec.name,
        provider=provider.name,
        model=provider.model_for(spec.model_name()),
        prompt_version=spec.prompt_version(),
        input=inputs,
        member_context=member_context(user) if spec.member_context else None,
        quota_day=day,
        quota_cost=spec.cost,
    )
    _enqueue(generation)
    return generation


@transaction.atomic
def generation_retry(*, generation: Generation) -> Generation:
    """Run a failed generation again, taking its quota again. Anything but a failed
    structured generation whose input is still kept is refused with a 409; a member whose
    plan no longer includes the feature's entitlement with ``PlanRequired`` (403)."""
    generation = Generation.objects.select_for_update().get(pk=generation.pk)
    if generation.status != Generation.Status.FAILED:
        raise Conflict(
            f"Only a failed generation can be retried; this one is {generation.status}.",
            code="not_retryable",
        )
    if generation.streamed:
        raise Conflict(
            "A streamed reply cannot be retried; ask again where it was streamed.",
            code="not_retryable",
        )
    if generation.input is None:
        raise Conflict(
            "The input of this generation has expired; start a new one.", code="input_expired"
        )
    try:
        spec = features.get(generation.feature)
    except features.UnknownFeature:
        raise Conflict("This AI feature is no longer offered.", code="not_retryable") from None
    if spec.entitlement:
        entitlements.require(generation.user, spec.entitlement)
    generation.quota_day = quotas.take(user=generation.user, feature=spec.name, cost=spec.cost)
    generation.quota_cost = spec.cost
    generation.status = Generation.Status.QUEUED
    generation.output = None
    generation.error_code = generation.error_message = ""
    generation.tokens_in = generation.tokens_out = generation.attempts = 0
    generation.latency_ms = generation.started_at = generation.finished_at = None
    generation.save(
        update_fields=[
            "quota_day",
            "quota_cost",
            "status",
            "output",
            "error_code",
            "error_message",
            "tokens_in",
            "tokens_out",
            "attempts",
            "latency_ms",
            "started_at",
            "finished_at",
            "updated_at",
        ]
    )
    _enqueue(generation)
    return generation


def _enqueue(generation: Generation) -> None:
    from ..tasks import run_generation

    generation_id = str(generation.pk)
    # A broker that is down loses the task, not the request: the generation stays queued and
    # recover_stale_generations enqueues it again.
    transaction.on_commit(lambda: enqueue(run_generation, generation_id))


def generation_run(*, generation_id) -> Generation | None:
    """Run a queued generation: the body of ``ai.tasks.run_generation``. Safe to run twice:
    a finished generation is left alone, and a running one is taken over (tasks are
    acknowledged late, so a job whose worker died is handed to another worker)."""
    now = timezone.now()
    claimed = Generation.objects.filter(
        pk=generation_id,
        streamed=False,
        status__in=[Generation.Status.QUEUED, Generation.Status.RUNNING],
    ).update(status=Generation.Status.RUNNING, started_at=now, updated_at=now)
    generation = Generation.objects.filter(pk=generation_id).first()
    if not claimed or generation is None:
        return generation
    usage = Usage()
    started = time.monotonic()
    output = failure = None
    try:
        output = _run_structured(generation, usage)
    except GenerationFailed as exc:
        failure = exc
    except (DatabaseError, SoftTimeLimitExceeded):
        # The task retries the first and records the second as a timeout.
        raise
    except Exception:
        logger.exception("AI generation %s failed on our side", generation.pk)
        failure = GenerationFailed(INTERNAL_ERROR, "Something went wrong on our side.", refund=True)
    record(
        generation,
        output=output,
        failure=failure,
        usage=usage,
        latency_ms=ms_since(started),
    )
    return generation


def generation_fail(*, generation_id, code: str, message: str) -> Generation | None:
    """Record a running generation as failed from outside its run (the task hit its time
    limit), refunding its quota."""
    generation = Generation.objects.filter(pk=generation_id).first()
    if generation is None or generation.is_finished:
        return generation
    record(
        generation,
        output=None,
        failure=GenerationFailed(code, message, refund=True),
        usage=Usage(attempts=generation.attempts),
        latency_ms=None,
    )
    return generation


def _run_structured(generation: Generation, usage: Usage) -> dict[str, Any]:
    try:
        spec = features.get(generation.feature)
    except features.UnknownFeature as exc:
        raise GenerationFailed(INTERNAL_ERROR, str(exc), refund=True) from None
    provider = providers.get_provider()
    generation.provider = provider.name
    generation.model = provider.model_for(spec.model_name())
    generation.prompt_version = spec.prompt_version()
    messages = spec.render(generation.input or {}, generation.member_context)
    request = ProviderRequest(
        model=generation.model,
        messages=messages,
        json_schema=spec.json_schema,
        schema_name=spec.schema_name,
        max_output_tokens=spec.max_output_tokens,
        temperature=spec.temperature,
        inputs=generation.input,
        member_context=generation.member_context,
        offline=spec.offline,
    )
    completion = _complete(provider, request, usage)
    output, problem = _validate(spec, completion)
    if problem is None:
        return output
    # One repair: the model sees its answer and what is wrong with it.
    logger.info("AI generation %s: invalid answer, asking for a repair: %s", generation.pk, problem)
    repair = replace(
        request, messages=features.repair_messages(messages, completion.content, problem)
    )
    completion = _complete(provider, repair, usage)
    output, problem = _validate(spec, completion)
    if problem is None:
        return output
    code = TRUNCATED if completion.finish_reason == "length" else INVALID_OUTPUT
    raise GenerationFailed(
        code, f"The answer was still invalid after one repair: {problem}", refund=False
    )


def _complete(provider: Provider, request: ProviderRequest, usage: Usage) -> Completion:
    try:
        completion = provider.complete(request)
    except ProviderError as exc:
        usage.attempts += exc.attempts
        raise GenerationFailed(exc.code, exc.message, refund=True) from exc
    usage.add(completion)
    return completion


def _validate(spec: Feature, completion: Completion) -> tuple[dict[str, Any] | None, str | None]:
    """The validated output, or what is wrong with the answer. A refusal is final."""
    if completion.refusal:
        raise GenerationFailed(REFUSED, completion.refusal, refund=False)
    if completion.finish_reason == "content_filter":
        raise GenerationFailed(
            REFUSED, "The provider's content filter stopped the answer.", refund=False
        )
    try:
        return spec.parse(completion.content), None
    except OutputInvalid as exc:
        if completion.finish_reason == "length":
            return None, (
                "the answer was cut off at the output token limit, so its JSON is "
                "incomplete; answer more briefly"
            )
        return None, str(exc)


def generations_recover_stale(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Every few minutes (CELERY_BEAT_SCHEDULE): a generation queued for longer than
    ``AI_STALE_QUEUED_MINUTES`` lost its task (the process died between commit and enqueue,
    or the broker lost it) and is enqueued again, which is safe since the task claims it; one
    running for longer than ``AI_STALE_RUNNING_MINUTES`` lost its worker or its stream's
    process and is recorded as failed, its quota refunded."""
    now = now or timezone.now()
    queued_before = now - dt.timedelta(minutes=settings.AI_STALE_QUEUED_MINUTES)
    running_before = now - dt.timedelta(minutes=settings.AI_STALE_RUNNING_MINUTES)
    queued = list(
        Generation.objects.filter(
            status=Generation.Status.QUEUED, streamed=False, updated_at__lt=queued_before
        ).values_list("pk", flat=True)[:500]
    )
    from ..tasks import run_generation

    for generation_id in queued:
        run_generation.delay(str(generation_id))
    running = list(
        Generation.objects.filter(
            status=Generation.Status.RUNNING, started_at__lt=running_before
        ).values_list("pk", flat=True)[:500]
    )
    for generation_id in running:
        generation_fail(
            generation_id=generation_id,
            code=ABANDONED,
            message="The generation stopped without an outcome; it can be retried.",
        )
    return {"requeued": len(queued), "abandoned": len(running)}


def generations_clear_content(*, ids) -> int:
    """Clear what the generations ``ids`` carried (input, output, member context), as
    retention does, keeping their usage numbers: for an app deleting or expiring the
    records those generations were made from (a transcript)."""
    return Generation.objects.filter(pk__in=list(ids), content_cleared_at__isnull=True).update(
        input=None, output=None, member_context=None, content_cleared_at=timezone.now()
    )
