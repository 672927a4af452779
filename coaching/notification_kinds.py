"""Coaching's notification kinds. Other parts of coaching append theirs at the end.

``badge_earned``: a member earned a badge (``coaching/badges.py``); sent once per badge by
``coaching.services.progress.evaluate_badges``, in the inbox only by default.
"""

from notifications import kinds

kinds.register(
    "badge_earned",
    description="You earned a coaching badge.",
    in_app=True,
    email=False,
    email_template="notification",
)


# ``coaching_content_publish``: a piece of content the member scheduled
# (``coaching.services.tools.content_schedule``) is due; skipped when the artifact is gone.
kinds.register(
    "coaching_content_publish",
    description="A piece of content you scheduled is due to be published.",
    in_app=True,
    email=True,
    email_template="notification",
    skip_reason="coaching.services.tools.reminder_skip_reason",
)
