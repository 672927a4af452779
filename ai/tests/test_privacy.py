"""The AI gateway's rows in GDPR export, erasure and retention."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from accounts import services as account_services
from ai.models import Generation, QuotaUsage
from core import privacy

from .factories import GenerationFactory, QuotaUsageFactory

pytestmark = pytest.mark.django_db

JSON = DjangoJSONEncoder()


def test_the_export_carries_the_callers_generations_and_quota_use(member, other_member):
    # given
    generation = GenerationFactory(user=member)
    QuotaUsageFactory(user=member, used=2)
    GenerationFactory(user=other_member)

    # when
    data = privacy.export_user(member)["data"]

    # then
    assert data["ai.generation"] == [
        {
            "id": str(generation.pk),
            "feature": "ai.text_summary",
            "status": "succeeded",
            "provider": "offline",
            "model": "offline",
            "prompt_version": "0123456789ab",
            "input": generation.input,
            "output": generation.output,
            "member_context": None,
            "tokens_in": 40,
            "tokens_out": 12,
            "latency_ms": 5,
            "error_code": "",
            "error_message": "",
            "created_at": JSON.default(generation.created_at),
            "finished_at": JSON.default(generation.finished_at),
        }
    ]
    assert data["ai.quotausage"] == [
        {"feature": "ai.text_summary", "day": timezone.now().date().isoformat(), "used": 2}
    ]


def test_erasure_deletes_the_members_generations_and_counters(member, other_member):
    # given
    GenerationFactory.create_batch(2, user=member)
    QuotaUsageFactory(user=member)
    kept = GenerationFactory(user=other_member)

    # when
    counts = account_services.account_erase(user=member, source="self")

    # then
    assert (counts["ai.generation"], counts["ai.quotausage"]) == (2, 1)
    assert list(Generation.objects.all()) == [kept]
    assert QuotaUsage.objects.count() == 0


def test_retention_clears_old_inputs_and_outputs_but_keeps_the_rows(member, settings):
    # given
    settings.AI_RETENTION_DAYS = 30
    old = GenerationFactory(user=member)
    recent = GenerationFactory(user=member)
    Generation.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))

    # when
    dry = privacy.purge_expired(dry_run=True)
    counts = privacy.purge_expired()
    again = privacy.purge_expired()

    # then
    assert (dry["ai.generation"], counts["ai.generation"], again["ai.generation"]) == (1, 1, 0)
    old.refresh_from_db()
    assert (old.input, old.output, old.tokens_in, old.status) == (None, None, 40, "succeeded")
    assert old.content_cleared_at is not None
    recent.refresh_from_db()
    assert (recent.input, recent.content_cleared_at) == (
        {"text": "Tea is grown on hills. It is picked."},
        None,
    )


def test_quota_counters_older_than_two_months_are_deleted(member):
    # given
    today = timezone.now().date()
    QuotaUsageFactory(user=member, day=today - dt.timedelta(days=63))
    kept = QuotaUsageFactory(user=member, day=today - dt.timedelta(days=61))

    # when
    counts = privacy.purge_expired()

    # then
    assert counts["ai.quotausage"] == 1
    assert list(QuotaUsage.objects.all()) == [kept]


def test_the_purge_command_reports_the_cleared_generations(member, settings, capsys):
    # given
    settings.AI_RETENTION_DAYS = 1
    generation = GenerationFactory(user=member)
    Generation.objects.filter(pk=generation.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2)
    )

    # when
    call_command("purge_expired")

    # then
    out = capsys.readouterr().out
    assert "ai.generation" in out
    assert Generation.objects.get(pk=generation.pk).input is None
