"""Celery tasks of notifications: thin, idempotent, retrying on transient errors only."""

import random

from celery import shared_task
from django.db import OperationalError

from . import services

# Seconds between email attempts: 30, 60, 120, 240, then 300 at most, each with jitter.
# It stays well under NOTIFICATIONS_EMAIL_REQUEUE_MINUTES, so a task that is only waiting
# for its retry is not taken for a lost one.
EMAIL_RETRY_BASE = 30
EMAIL_RETRY_MAX = 300
# One dispatch run ends before the next beat tick; the next run carries on.
DISPATCH_TIME_BUDGET = 45.0


@shared_task(
    name="notifications.tasks.send_email",
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=10,
)
def send_email(self, notification_id: str) -> str:
    """Email one notification. The notification row counts the attempts and ends them at
    NOTIFICATIONS_EMAIL_MAX_ATTEMPTS, so retries are bounded even for a task enqueued
    again after the broker lost it (Celery's own counter starts from zero then)."""
    try:
        return services.notification_email_send(notification_id=notification_id)
    except services.EmailDeferred as exc:
        delay = min(EMAIL_RETRY_MAX, EMAIL_RETRY_BASE * 2**self.request.retries)
        jitter = random.uniform(0.5, 1.0)  # noqa: S311 (not for security)
        raise self.retry(exc=exc, countdown=delay * jitter) from exc


@shared_task(
    name="notifications.tasks.dispatch_due",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def dispatch_due() -> dict[str, int]:
    """Every minute (CELERY_BEAT_SCHEDULE): send the scheduled notifications now due and
    enqueue again emails whose task was lost. Runs that overlap share the work."""
    report = services.dispatch_due(time_budget=DISPATCH_TIME_BUDGET)
    return {**report.as_dict(), "emails_requeued": services.emails_requeue_stale()}
