"""Operator commands: plans from Stripe, the webhook endpoint from the environment."""

import io

import pytest
from django.core.management import CommandError, call_command
from djstripe.models import Price, Product, WebhookEndpoint

from .conftest import WEBHOOK_SECRET, WEBHOOK_UUID
from .fake_stripe import example

pytestmark = pytest.mark.django_db


def test_sync_plans_mirrors_stripe_products_and_prices(fake_stripe):
    # given
    fake_stripe.put(example("product", id="prod_synced", name="Premium"))
    fake_stripe.put(example("price", id="price_synced", product="prod_synced"))
    out = io.StringIO()

    # when
    call_command("sync_plans", stdout=out)

    # then
    assert Product.objects.get().id == "prod_synced"
    assert Price.objects.get().id == "price_synced"
    assert out.getvalue() == "djstripe.product: 1 synced\ndjstripe.price: 1 synced\n"


def test_sync_plans_without_keys_says_why(no_keys):
    with pytest.raises(CommandError, match="STRIPE_SECRET_KEY"):
        call_command("sync_plans")


def test_webhook_setup_stores_the_secret_dj_stripe_verifies_with(db):
    call_command("billing_webhook_setup", stdout=io.StringIO())
    call_command("billing_webhook_setup", stdout=io.StringIO())

    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.djstripe_uuid, endpoint.secret) == (WEBHOOK_UUID, WEBHOOK_SECRET)
    assert endpoint.djstripe_validation_method == "verify_signature"


def test_webhook_setup_without_settings_says_what_is_missing(settings):
    settings.STRIPE_WEBHOOK_SECRET = ""

    with pytest.raises(CommandError, match="STRIPE_WEBHOOK_SECRET"):
        call_command("billing_webhook_setup")
