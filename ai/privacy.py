"""Export, erasure and retention of the AI gateway's rows.

Generations are deleted with the member. Past ``AI_RETENTION_DAYS`` their input, output
and member context (what the member wrote, what was written for them and what the prompts
were told about them) are cleared, and the row stays for the usage numbers (feature, model,
tokens, latency, status). Quota counters only serve
this month's usage and today's limit, so they go after two months.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core import privacy

from .models import Generation, QuotaUsage

QUOTA_USAGE_RETENTION_DAYS = 62


def generations_past_retention(now):
    return Generation.objects.filter(
        created_at__lt=now - timedelta(days=settings.AI_RETENTION_DAYS),
        content_cleared_at__isnull=True,
    )


def clear_content(rows) -> int:
    return rows.update(
        input=None, output=None, member_context=None, content_cleared_at=timezone.now()
    )


def clear_mentioning(rows, identity) -> int:
    """Another member's generation that names the erased member (the candidates of a
    connection-reasons request carry their id and profile line): its content goes, as at
    the end of retention, rather than a patched prompt that no longer says what was asked."""
    return rows.update(
        input=None,
        output=None,
        member_context=None,
        error_message="",
        content_cleared_at=timezone.now(),
    )


privacy.register(
    Generation,
    export_fields=(
        "id",
        "feature",
        "status",
        "provider",
        "model",
        "prompt_version",
        "input",
        "output",
        "member_context",
        "tokens_in",
        "tokens_out",
        "latency_ms",
        "error_code",
        "error_message",
        "created_at",
        "finished_at",
    ),
    retention=generations_past_retention,
    expire=clear_content,
    retention_note="inputs, outputs and member contexts of generations older than "
    "AI_RETENTION_DAYS (rows kept)",
)
privacy.register(
    QuotaUsage,
    export_fields=("feature", "day", "used"),
    retention=lambda now: QuotaUsage.objects.filter(
        day__lt=(now - timedelta(days=QUOTA_USAGE_RETENTION_DAYS)).date()
    ),
    retention_note=f"AI quota counters older than {QUOTA_USAGE_RETENTION_DAYS} days",
)
privacy.register_mentions(
    Generation,
    fields=("input", "output", "member_context", "error_message"),
    scrub=clear_mentioning,
)
