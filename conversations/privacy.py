"""Export, erasure and retention of the conversations app's rows. A practice quota row is a
count of one day's practice conversations: exported, erased with the member, and purged
once older than ``PRACTICE_QUOTA_RETENTION_DAYS`` (nothing reads a past day's count)."""

from datetime import timedelta

from core import privacy

from .models import PracticeQuota

PRACTICE_QUOTA_RETENTION_DAYS = 90

privacy.register(
    PracticeQuota,
    export_fields=("day", "used"),
    retention=lambda now: PracticeQuota.objects.filter(
        day__lt=(now - timedelta(days=PRACTICE_QUOTA_RETENTION_DAYS)).date()
    ),
    retention_note=f"practice quota counters older than {PRACTICE_QUOTA_RETENTION_DAYS} days",
)
