"""Writes of the conversations app, by subject: ``practice`` (gates, scenario context,
starting a practice conversation, its character and quota), ``turns`` (a member's message
and where its reply runs), ``replies`` (the streamed reply, its stop), ``safety``,
``coach`` (the AI coach's threads and titles), ``feedback`` (ending a practice
conversation and scoring it) and ``cleanup`` (deletion and retention)."""

from .cleanup import conversation_delete
from .coach import coach_ask, thread_rename
from .feedback import conversation_end, feedback_retry, skill_history
from .practice import (
    AgeRestricted,
    PracticeQuotaExceeded,
    conversation_start,
    practice_allowed,
    practice_require,
    scenario_context_request,
)
from .replies import reply_cancel
from .turns import ModerationBlocked, Turn, message_send

__all__ = [
    "AgeRestricted",
    "ModerationBlocked",
    "PracticeQuotaExceeded",
    "Turn",
    "coach_ask",
    "conversation_delete",
    "conversation_end",
    "conversation_start",
    "feedback_retry",
    "message_send",
    "practice_allowed",
    "practice_require",
    "reply_cancel",
    "scenario_context_request",
    "skill_history",
    "thread_rename",
]
