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


@shared_task(name="conversations.tasks.recover_stale_replies", acks_late=True)
def recover_stale_replies() -> dict[str, int]:
    """Every minute (CELERY_BEAT_SCHEDULE): lost replies (``replies_recover_stale``), then
    idle practice conversations (``conversations_abandon_idle``)."""
    from .services.practice import conversations_abandon_idle
    from .services.replies import replies_recover_stale

    counts = replies_recover_stale()
    counts["abandoned"] = conversations_abandon_idle()
    return counts
