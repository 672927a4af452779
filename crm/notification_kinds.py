"""The CRM's notification kinds (found at start-up by ``NotificationsConfig.ready``).

``crm_follow_up``: a follow-up the member set on a customer is due; scheduled by
``crm.services.follow_ups`` and skipped at send time when it was done, cancelled or moved, or
its customer is gone. ``crm_post_failed``: a scheduled post failed or its outcome is unknown,
linking to the post. ``crm_account_needs_reauth``: a connected account's token expired or was
revoked; sent once until the member reconnects. Titles name customers by first name only:
notification rows are not encrypted, so contact details never go in them.
"""

from notifications import kinds

kinds.register(
    "crm_follow_up",
    description="A follow-up you set on a customer is due.",
    in_app=True,
    email=True,
    email_template="notification",
    skip_reason="crm.services.follow_ups.follow_up_skip_reason",
)
kinds.register(
    "crm_post_failed",
    description="A scheduled social post could not be published, or may not have been.",
    in_app=True,
    email=True,
    email_template="notification",
)
kinds.register(
    "crm_account_needs_reauth",
    description="A connected Facebook, Instagram or WhatsApp account needs reconnecting.",
    in_app=True,
    email=True,
    email_template="notification",
)
