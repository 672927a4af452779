"""The community's notification kinds.

``community_message``: a member has unread messages. Scheduled by
``services.messages.message_send`` once per unread streak, due
``COMMUNITY_MESSAGE_ALERT_DELAY_SECONDS`` after the message, and skipped when it is due (and
again before its email goes out) if the recipient has read the messages meanwhile, blocked
the sender, or the sender was erased; see the module docstring of
``community/services/messages.py`` for the whole design. The alert names the sender but
never carries the message's content.
"""

from notifications import kinds

kinds.register(
    "community_message",
    description="Messages from members that you have not read within a few minutes.",
    in_app=True,
    email=True,
    email_template="notification",
    skip_reason="community.services.messages.alert_skip_reason",
)
