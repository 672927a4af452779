"""What billing tells members about: a trial about to end, a payment that failed, a plan
that changed."""

from notifications import kinds

kinds.register(
    "billing_trial_will_end",
    description="Your trial ends in a few days.",
    in_app=True,
    email=True,
    email_template="notification",
)

kinds.register(
    "billing_payment_failed",
    description="A payment for your subscription failed; update your card to keep your plan.",
    essential=True,
    in_app=True,
    email=True,
    email_template="notification",
)
