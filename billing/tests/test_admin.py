"""A member's Stripe records and grants are reachable from their page in the user admin;
staff give and end grants in the admin through the services."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.selectors import plan_for
from accounts.tests.factories import UserFactory
from accounts.tests.test_admin import change_form_data
from billing import services
from billing.models import PlanGrant
from core.models import AuditEntry

from .conftest import customer_for

User = get_user_model()

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(db) -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_user_page_links_to_the_members_stripe_records(admin_browser, member, fake_stripe):
    # given
    customer = customer_for(fake_stripe, member)

    # when
    page = admin_browser.get(reverse("admin:accounts_user_change", args=[member.pk]))

    # then
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("admin:djstripe_customer_change", args=[customer.pk]) in html
    for name in ("subscription", "invoice", "charge", "paymentintent"):
        link = f"{reverse(f'admin:djstripe_{name}_changelist')}?customer={customer.id}"
        assert link in html
        assert admin_browser.get(link).status_code == 200


def test_a_user_without_a_customer_shows_no_billing_records(admin_browser, member):
    page = admin_browser.get(reverse("admin:accounts_user_change", args=[member.pk]))

    assert page.status_code == 200
    assert "?customer=" not in page.content.decode()


# --- complimentary plans --------------------------------------------------------------------


def _audit(target_type="billing.plangrant"):
    return [
        (entry.action, entry.actor_email, entry.subject_id, entry.changes)
        for entry in AuditEntry.objects.filter(target_type=target_type).order_by("at", "id")
    ]


def test_staff_give_a_plan_from_the_admin_through_the_service(admin_browser, member):
    # given
    superuser = User.objects.get(is_superuser=True)
    url = reverse("admin:billing_plangrant_add")
    assert admin_browser.get(f"{url}?user={member.pk}").status_code == 200

    # when
    response = admin_browser.post(
        url,
        {
            "user": str(member.pk),
            "plan": "premium",
            "ends_at_0": "2099-01-31",
            "ends_at_1": "12:00:00",
            "reason": "Conference speaker",
        },
    )

    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    grant = PlanGrant.objects.get()
    assert (grant.user, grant.plan, grant.granted_by, grant.reason) == (
        member,
        "premium",
        superuser,
        "Conference speaker",
    )
    assert grant.ends_at == dt.datetime(2099, 1, 31, 12, 0, tzinfo=dt.UTC)
    assert plan_for(member) == "premium"
    assert _audit() == [("add", superuser.email, str(member.pk), {"fields": ["plan", "ends_at"]})]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"plan": "platinum"}, "plan"),
        ({"ends_at_0": "2001-01-01", "ends_at_1": "00:00:00"}, "ends_at"),
        ({"reason": ""}, "reason"),
    ],
)
def test_the_admin_refuses_a_bad_grant(admin_browser, member, change, field):
    data = {"user": str(member.pk), "plan": "premium", "reason": "x", **change}

    response = admin_browser.post(reverse("admin:billing_plangrant_add"), data)

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == [field]
    assert PlanGrant.objects.count() == 0
    assert plan_for(member) == "free"


def test_the_grants_list_searches_by_email_and_ends_grants_through_the_service(
    admin_browser, member, other_member
):
    # given
    mine = services.grant_create(user=member, plan="premium", reason="a")
    services.grant_create(user=other_member, plan="premium", reason="b")
    changelist = reverse("admin:billing_plangrant_changelist")

    # when
    found = admin_browser.get(changelist, {"q": member.email})
    ended = admin_browser.post(
        changelist, {"action": "end_now", "_selected_action": [str(mine.pk)]}
    )

    # then
    assert found.status_code == 200
    assert list(found.context["cl"].result_list) == [mine]
    assert ended.status_code == 302
    mine.refresh_from_db()
    assert mine.ended_at is not None
    assert (plan_for(member), plan_for(other_member)) == ("free", "premium")
    assert [action for action, *_ in _audit()] == ["add", "add", "change"]


def test_the_grants_list_query_count_does_not_grow(admin_browser):
    services.grant_create(user=UserFactory(), plan="premium", reason="a")
    with CaptureQueriesContext(connection) as few:
        admin_browser.get(reverse("admin:billing_plangrant_changelist"))
    for _ in range(10):
        services.grant_create(user=UserFactory(), plan="premium", reason="a")

    with CaptureQueriesContext(connection) as many:
        response = admin_browser.get(reverse("admin:billing_plangrant_changelist"))

    assert response.status_code == 200
    assert len(many) == len(few)


def test_opening_a_grant_is_audited_and_it_cannot_be_deleted(admin_browser, member):
    grant = services.grant_create(user=member, plan="premium", reason="a")
    AuditEntry.objects.all().delete()

    page = admin_browser.get(reverse("admin:billing_plangrant_change", args=[grant.pk]))
    delete = admin_browser.get(reverse("admin:billing_plangrant_delete", args=[grant.pk]))

    assert page.status_code == 200
    assert [action for action, *_ in _audit()] == ["view"]
    assert delete.status_code == 403
    assert PlanGrant.objects.filter(pk=grant.pk).exists()


def test_the_user_page_lists_the_members_grants_and_gives_one(admin_browser, member):
    # given
    old = services.grant_create(user=member, plan="premium", reason="Earlier")
    services.grant_end(grant=old)
    url = reverse("admin:accounts_user_change", args=[member.pk])
    page = admin_browser.get(url)
    assert reverse("admin:billing_plangrant_change", args=[old.pk]) in page.content.decode()
    data = change_form_data(page)
    prefix = next(
        inline.formset.prefix
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is PlanGrant
    )

    # when: a new row is filled in
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-1-plan": "premium",
            f"{prefix}-1-reason": "Support case",
        }
    )
    response = admin_browser.post(url, data)

    # then: given through the service, the old grant untouched
    assert response.status_code == 302
    new = PlanGrant.objects.exclude(pk=old.pk).get()
    assert (new.user, new.plan, new.reason, new.ends_at, new.granted_by.is_superuser) == (
        member,
        "premium",
        "Support case",
        None,
        True,
    )
    assert plan_for(member) == "premium"
    assert PlanGrant.objects.get(pk=old.pk).ended_at is not None
    assert ("add", new.granted_by.email, str(member.pk), {"fields": ["plan", "ends_at"]}) in (
        _audit()
    )
