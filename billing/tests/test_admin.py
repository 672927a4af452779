"""A member's Stripe records are reachable from their page in the user admin."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory

from .conftest import customer_for

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
