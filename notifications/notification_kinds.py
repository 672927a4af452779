"""The kinds of the account lifecycle, sent by notifications itself when allauth announces a
signup (signals.py): the welcome, and the reminder to verify the address."""

from . import kinds

kinds.register(
    "welcome",
    description="A welcome when you join, with how to get started.",
    in_app=True,
    email=True,
)

kinds.register(
    "verify_email_reminder",
    description="A reminder to confirm your email address, a day after signing up.",
    essential=True,
    in_app=False,
    email=True,
    skip_reason="notifications.selectors.verification_reminder_skip_reason",
    email_context="notifications.selectors.verification_email_context",
)
