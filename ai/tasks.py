from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
    name="ai.tasks.run_generation",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def run_generation(generation_id: str) -> str | None:
    """Run one queued generation (``ai.services.generate`` enqueues it on commit). Retries
    here are for the database only; the provider's transient errors are retried inside the
    run, where each attempt is counted. Safe to run twice."""
    try:
        generation = services.generation_run(generation_id=generation_id)
    except SoftTimeLimitExceeded:
        generation = services.generation_fail(
            generation_id=generation_id,
            code="timeout",
            message="The generation took longer than the task time limit.",
        )
    return generation.status if generation is not None else None


@shared_task(name="ai.tasks.recover_stale_generations", acks_late=True)
def recover_stale_generations() -> dict[str, int]:
    """Every few minutes (CELERY_BEAT_SCHEDULE): see ``generations_recover_stale``."""
    return services.generations_recover_stale()
