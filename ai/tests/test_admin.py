"""The generation log in the admin: filters, search by email, read-only, audited views."""

import pytest
from django.urls import reverse

from core.models import AuditEntry

from .factories import GenerationFactory, QuotaUsageFactory

pytestmark = pytest.mark.django_db

GENERATIONS = reverse("admin:ai_generation_changelist")


def shown(response) -> list:
    return list(response.context["cl"].result_list)


def test_the_log_filters_by_feature_status_provider_model_and_searches_by_email(
    admin_browser, member, other_member
):
    # given
    summary = GenerationFactory(user=member)
    failed = GenerationFactory(user=member, failed=True, provider="openai", model="gpt-4o-mini")
    chat = GenerationFactory(user=other_member, feature="ai.assistant", streamed=True)

    # when / then
    assert shown(admin_browser.get(GENERATIONS)) == [chat, failed, summary]
    assert shown(admin_browser.get(f"{GENERATIONS}?feature=ai.assistant")) == [chat]
    assert shown(admin_browser.get(f"{GENERATIONS}?status=failed")) == [failed]
    assert shown(admin_browser.get(f"{GENERATIONS}?provider=openai")) == [failed]
    assert shown(admin_browser.get(f"{GENERATIONS}?model=gpt-4o-mini")) == [failed]
    assert shown(admin_browser.get(f"{GENERATIONS}?q={other_member.email}")) == [chat]
    filters = {spec.title for spec in admin_browser.get(GENERATIONS).context["cl"].filter_specs}
    assert {"feature", "status", "provider", "model"} <= filters


def test_opening_a_generation_is_audited_and_nothing_can_be_edited(
    admin_browser, superuser, member
):
    # given
    generation = GenerationFactory(user=member)
    url = reverse("admin:ai_generation_change", args=[generation.pk])

    # when
    response = admin_browser.get(url)

    # then
    assert response.status_code == 200
    assert list(AuditEntry.objects.values_list("actor", "action", "target_id", "subject_id")) == [
        (superuser.pk, "view", str(generation.pk), str(member.pk))
    ]
    assert admin_browser.post(url, {}).status_code == 403
    assert admin_browser.get(reverse("admin:ai_generation_add")).status_code == 403
    delete = reverse("admin:ai_generation_delete", args=[generation.pk])
    assert admin_browser.get(delete).status_code == 403


def test_quota_usage_is_listed(admin_browser, member):
    usage = QuotaUsageFactory(user=member, used=3)

    response = admin_browser.get(reverse("admin:ai_quotausage_changelist"))

    assert shown(response) == [usage]
