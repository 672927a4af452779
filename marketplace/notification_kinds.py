"""The marketplace's notification kinds (found at start-up by ``NotificationsConfig.ready``).

``marketplace_booking_reminder``: a confirmed session starts soon (24 h and 1 h before, by
``MARKETPLACE_REMINDER_OFFSETS``), to the client and the coach; scheduled and moved by
``marketplace.services.reminders.reminders_sync``, and skipped at send time when the booking
was cancelled, expired, finished or moved since (``reminder_skip_reason``).
"""

from notifications import kinds

kinds.register(
    "marketplace_booking_reminder",
    description="A coaching session you booked or give starts soon.",
    in_app=True,
    email=True,
    email_template="notification",
    skip_reason="marketplace.services.reminders.reminder_skip_reason",
)
