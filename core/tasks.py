"""Core's Celery tasks, and :func:`enqueue`, how every app hands work to Celery."""

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from kombu.exceptions import OperationalError

from .outages import Outage

logger = logging.getLogger(__name__)

_broker = Outage("The Celery broker", logger=logger)


def enqueue(task, *args, **kwargs) -> bool:
    """``task.delay(*args, **kwargs)``, except that a broker that cannot be reached does not
    fail the caller: enqueuing runs after a commit, so the caller's write is done and a 500
    would only hide that. Publishing gives up within about two seconds (the
    ``CELERY_BROKER_*`` and ``CELERY_TASK_PUBLISH_RETRY_POLICY`` settings), the outage is
    logged once and the task is lost: the durable sweeps (notifications' dispatcher,
    ``ai.tasks.recover_stale_generations``) find their rows again; anything else is gone.
    Whether the task was enqueued."""
    try:
        task.apply_async(args, kwargs)
    except OperationalError as error:
        _broker.failed(error)
        logger.info("Task %s was not enqueued: the broker is unavailable.", task.name)
        return False
    _broker.succeeded()
    return True


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def deliver_email(*, to: str, subject: str, text: str, html: str) -> None:
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()
