from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services.replies import reply_run


@shared_task(
    name="conversations.tasks.run_reply",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def run_reply(message_id: str) -> str | None:
    """Stream one reply (``services.turns.reply_start`` enqueues it on the replies queue).
    Safe to run twice: a second run finds the reply claimed and ends it ``interrupted``
    rather than streaming it again."""
    return reply_run(message_id)
