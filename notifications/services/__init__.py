"""Every write to notifications, and the functions other apps call (import them from here:
``notifications.services.notify(...)``; the modules are the package's own business).

- ``notify(user=, kind=, title=, body=, data=)``: now, on the channels the member's
  preferences allow (``selectors`` documents the rule).
- ``schedule(user=, kind=, when=, title=, body=, data=)`` and ``cancel(scheduled=)``: later,
  sent by ``dispatch_due`` (Celery beat, every minute).

Delivery guarantees:

- **Scheduled rows are sent exactly once.** ``dispatch_due`` locks due rows with
  ``FOR UPDATE SKIP LOCKED``, writes the notification and marks the row sent in the same
  transaction, so concurrent dispatchers share the work and never take the same row; the
  one-to-one ``Notification.scheduled`` makes a second notification for a row impossible.
- **Socket pushes are best effort**, after commit: a client that was offline catches up
  through ``GET /notifications``.
- **Email is at least once.** The task re-reads the notification by id, holds its row lock
  while the message is handed to the mail server, and records ``email_status="sent"`` in
  the same transaction; a duplicate or retried task finds it sent and stops. Only a crash
  between the server accepting the message and that commit can send it twice: a rare
  duplicate is preferred to a lost verification reminder. Email tasks lost with the broker
  are enqueued again by ``emails_requeue_stale`` (run with the dispatcher), because the
  row, not the queue, says what is still to send.

One module per concern: ``sending`` (now), ``scheduling`` (later, and the dispatcher),
``mail``, ``inbox``, ``preferences``, ``lifecycle`` (the account's).
"""

from .inbox import notification_mark_read, notifications_mark_all_read
from .lifecycle import signup_notifications_schedule
from .mail import EmailDeferred, emails_requeue_stale, notification_email_send
from .preferences import preferences_update, unsubscribe
from .scheduling import DispatchReport, cancel, dispatch_due, schedule
from .sending import notify

__all__ = [
    "DispatchReport",
    "EmailDeferred",
    "cancel",
    "dispatch_due",
    "emails_requeue_stale",
    "notification_email_send",
    "notification_mark_read",
    "notifications_mark_all_read",
    "notify",
    "preferences_update",
    "schedule",
    "signup_notifications_schedule",
    "unsubscribe",
]
