"""Export, erasure and retention of the conversations app's rows.

Everything here is the member's own and goes with them at erasure. Transcripts (the
messages of a conversation or coach thread) are purged ``CONVERSATIONS_TRANSCRIPT_RETENTION_DAYS``
after their last message; purging a transcript also clears the content of the AI
generations that carried it (the gateway keeps their usage numbers), since the history sent
to the model is the transcript too. Scores, feedback and the conversation rows stay: they
are the member's progress, not what they wrote. A practice quota row is a count of one
day's practice conversations, purged once older than ``PRACTICE_QUOTA_RETENTION_DAYS``.
Safety events keep their categories and action (no text) for staff review, for
``SAFETY_EVENT_RETENTION_DAYS``.
"""

from datetime import timedelta

from django.conf import settings

from core import privacy

from .models import (
    Conversation,
    Feedback,
    Message,
    PracticeQuota,
    SafetyEvent,
    SkillScore,
)

PRACTICE_QUOTA_RETENTION_DAYS = 90
SAFETY_EVENT_RETENTION_DAYS = 365


def transcripts_past_retention(now):
    days = settings.CONVERSATIONS_TRANSCRIPT_RETENTION_DAYS
    return Message.objects.filter(
        conversation__last_message_at__lt=now - timedelta(days=days)
    ).exclude(status__in=Message.IN_FLIGHT)


def purge_transcript(rows) -> int:
    """Delete the messages and clear the content of the generations they link to."""
    from .services.cleanup import clear_generations_of_messages

    clear_generations_of_messages(rows)
    count, _ = rows.delete()
    return count


privacy.register(
    Conversation,
    export_fields=(
        "id",
        "kind",
        "scenario_snapshot",
        "difficulty",
        "status",
        "character",
        "title",
        "member_turns",
        "started_at",
        "ended_at",
        "end_reason",
        "created_at",
    ),
)
privacy.register(
    Message,
    user_field="conversation__user",
    export_fields=(
        "id",
        "conversation_id",
        "role",
        "content",
        "status",
        "client_id",
        "created_at",
    ),
    retention=transcripts_past_retention,
    expire=purge_transcript,
    retention_note="messages of conversations and coach threads whose last message is older "
    "than CONVERSATIONS_TRANSCRIPT_RETENTION_DAYS (with the linked generations' content)",
)
privacy.register(
    Feedback,
    user_field="conversation__user",
    export_fields=(
        "id",
        "conversation_id",
        "status",
        "rubric_version",
        "difficulty",
        "dimensions",
        "overall_score",
        "band",
        "strengths",
        "improvements",
        "key_moments",
        "summary",
        "xp_awarded",
        "created_at",
    ),
)
privacy.register(SkillScore, export_fields=("skill", "conversation_id", "score", "created_at"))
privacy.register(
    SafetyEvent,
    export_fields=("conversation_id", "direction", "categories", "action", "created_at"),
    retention=lambda now: SafetyEvent.objects.filter(
        created_at__lt=now - timedelta(days=SAFETY_EVENT_RETENTION_DAYS)
    ),
    retention_note=f"safety events older than {SAFETY_EVENT_RETENTION_DAYS} days",
)
privacy.register(
    PracticeQuota,
    export_fields=("day", "used"),
    retention=lambda now: PracticeQuota.objects.filter(
        day__lt=(now - timedelta(days=PRACTICE_QUOTA_RETENTION_DAYS)).date()
    ),
    retention_note=f"practice quota counters older than {PRACTICE_QUOTA_RETENTION_DAYS} days",
)
