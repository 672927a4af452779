from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(
    name="accounts.tasks.purge_expired",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def purge_expired() -> dict[str, int]:
    """The daily retention run (CELERY_BEAT_SCHEDULE). Safe to run twice: a second run
    finds nothing left past retention."""
    return services.purge_expired()
