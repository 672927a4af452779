"""Tiers: GET /community/tiers and the staff's PATCH /community/members/{id}/tier."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from rest_framework import serializers

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import errors_of
from community.models import Membership
from core.models import AuditEntry

from .factories import MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db

TIERS = "/api/v1/community/tiers"


def tier_url(user) -> str:
    return f"/api/v1/community/members/{user.pk}/tier"


def iso(value: dt.datetime | None) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None


@pytest.fixture
def pro():
    return TierFactory(name="Pro", slug="pro", rank=2, perks="Office hours.")


# --- GET /community/tiers -----------------------------------------------------------------


def test_the_tiers_are_listed_most_senior_first(member_api, pro):
    # given
    founding = TierFactory(name="Founding member", slug="founding", rank=3, perks="")
    TierFactory(name="Member", slug="member", rank=1, perks="The feed.")

    # when
    response = member_api.get(TIERS)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": 3,
        "next": None,
        "previous": None,
        "results": [
            {"slug": founding.slug, "name": founding.name, "rank": 3, "perks": ""},
            {"slug": "pro", "name": "Pro", "rank": 2, "perks": "Office hours."},
            {"slug": "member", "name": "Member", "rank": 1, "perks": "The feed."},
        ],
    }


def test_the_tiers_need_authentication(api):
    assert api.get(TIERS).status_code == 401


def test_the_tiers_query_count_does_not_grow(member_api, django_assert_num_queries):
    TierFactory()
    with django_assert_num_queries(3):
        member_api.get(TIERS)
    TierFactory.create_batch(10)

    with django_assert_num_queries(3):
        response = member_api.get(TIERS)
    assert response.json()["count"] == 11


# --- PATCH /community/members/{id}/tier ---------------------------------------------------


def test_staff_give_a_member_a_tier_and_the_change_is_audited(staff_api, staff, member, pro):
    # given
    before = timezone.now()

    # when
    response = staff_api.patch(tier_url(member), {"tier": "pro"})

    # then
    assert response.status_code == 200
    membership = Membership.objects.get(user=member)
    assert membership.tier == pro
    assert before <= membership.tier_changed_at <= timezone.now()
    assert response.json() == {
        "id": str(member.pk),
        "tier": {"slug": "pro", "name": "Pro", "rank": 2},
        "tier_changed_at": iso(membership.tier_changed_at),
    }
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_type, entry.target_id) == (
        staff,
        "change",
        "community.membership",
        str(membership.pk),
    )
    assert (entry.subject_id, entry.changes, entry.reason) == (
        str(member.pk),
        {"fields": ["tier"]},
        "tier set via api",
    )
    assert entry.ip_address == "127.0.0.1"


def test_staff_change_and_remove_a_tier(staff_api, member, pro):
    # given
    earlier = timezone.now() - dt.timedelta(days=3)
    MembershipFactory(user=member, tier=TierFactory(slug="member"), tier_changed_at=earlier)

    # when
    changed = staff_api.patch(tier_url(member), {"tier": "pro"})
    removed = staff_api.patch(tier_url(member), {"tier": None})

    # then
    assert changed.json()["tier"]["slug"] == "pro"
    assert removed.status_code == 200
    assert removed.json()["tier"] is None
    membership = Membership.objects.get(user=member)
    assert membership.tier is None
    assert membership.tier_changed_at > earlier
    assert AuditEntry.objects.count() == 2


def test_setting_the_tier_a_member_has_changes_and_records_nothing(staff_api, member, pro):
    # given
    earlier = timezone.now() - dt.timedelta(days=3)
    MembershipFactory(user=member, tier=pro, tier_changed_at=earlier)

    # when
    response = staff_api.patch(tier_url(member), {"tier": "pro"})

    # then
    assert response.status_code == 200
    assert response.json()["tier_changed_at"] == iso(earlier)
    assert Membership.objects.get(user=member).tier_changed_at == earlier
    assert not AuditEntry.objects.exists()


def test_staff_may_give_an_unlisted_member_a_tier(staff_api, pro):
    # given
    hidden = UserFactory(profile__directory_visibility="hidden")

    # when
    response = staff_api.patch(tier_url(hidden), {"tier": "pro"})

    # then
    assert response.status_code == 200
    assert Membership.objects.get(user=hidden).tier == pro


@pytest.mark.parametrize(
    ("body", "code"),
    [({"tier": "no-such-tier"}, "does_not_exist"), ({}, "required")],
)
def test_a_bad_tier_is_a_400_naming_it_and_changes_nothing(staff_api, member, body, code):
    response = staff_api.patch(tier_url(member), body)

    assert response.status_code == 400
    assert errors_of(response) == [{"code": code, "attr": "tier"}]
    assert not Membership.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_member_may_not_set_tiers(member_api, member, pro):
    response = member_api.patch(tier_url(member), {"tier": "pro"})

    assert response.status_code == 403
    assert errors_of(response) == [{"code": "permission_denied", "attr": None}]
    assert not Membership.objects.exists()


def test_setting_a_tier_needs_authentication(api, member, pro):
    assert api.patch(tier_url(member), {"tier": "pro"}).status_code == 401
    assert not Membership.objects.exists()


def test_an_unknown_member_is_a_404(staff_api, pro):
    response = staff_api.patch(f"/api/v1/community/members/{uuid.uuid4()}/tier", {"tier": "pro"})

    assert response.status_code == 404
    assert errors_of(response) == [{"code": "not_found", "attr": None}]


def test_only_patch_is_allowed(staff_api, member):
    assert staff_api.put(tier_url(member), {"tier": None}).status_code == 405
