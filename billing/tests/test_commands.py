"""Operator commands: plans from Stripe, the webhook endpoint from the environment, and
complimentary plans (``plan_grant``)."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.management import CommandError, call_command
from djstripe.models import Price, Product, WebhookEndpoint

from accounts.selectors import plan_for
from billing import services
from billing.models import PlanGrant
from core.models import AuditEntry

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


# --- plan_grant -----------------------------------------------------------------------------


def test_plan_grant_gives_a_member_a_plan_for_some_days(member, no_keys):
    out = io.StringIO()

    with time_machine.travel(dt.datetime(2030, 1, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        call_command(
            "plan_grant", member.email.upper(), "premium", "--days", "14", "--reason", "Beta",
            stdout=out,
        )  # fmt: skip

    grant = PlanGrant.objects.get()
    assert (grant.user, grant.plan, grant.reason, grant.granted_by) == (
        member,
        "premium",
        "Beta",
        None,
    )
    assert grant.ends_at == dt.datetime(2030, 1, 15, 9, 0, tzinfo=dt.UTC)
    assert out.getvalue() == (
        f"Granted premium to {member.email} until 2030-01-15 09:00 UTC (grant {grant.pk}); "
        "their plan is now premium.\n"
    )
    assert AuditEntry.objects.get(target_id=str(grant.pk)).actor is None


def test_plan_grant_end_ends_the_members_grants(member, no_keys):
    first = services.grant_create(user=member, plan="premium", reason="a")
    second = services.grant_create(user=member, plan="premium", reason="b")
    out = io.StringIO()

    call_command("plan_grant", member.email, "--end", stdout=out)

    assert set(PlanGrant.objects.filter(ended_at__isnull=False)) == {first, second}
    lines = out.getvalue().splitlines()
    assert sorted(lines[:2]) == sorted(
        f"Ended the premium grant {grant.pk} of {member.email}." for grant in (first, second)
    )
    assert lines[2:] == ["Their plan is now free."]
    assert plan_for(member) == "free"


def test_plan_grant_end_without_grants_says_so(member):
    out = io.StringIO()

    call_command("plan_grant", member.email, "premium", "--end", stdout=out)

    assert out.getvalue() == f"{member.email} has no grant in force of premium.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@example.com", "premium", "--reason", "x"], "No member has the address"),
        (["{email}", "--reason", "x"], "Name the plan to grant"),
        (["{email}", "premium"], "Say why with --reason"),
        (["{email}", "platinum", "--reason", "x"], "Unknown plan; one of: free, premium."),
        (["{email}", "premium", "--days", "0", "--reason", "x"], "--days must be at least 1"),
    ],
)
def test_plan_grant_refuses_what_it_cannot_do(member, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("plan_grant", *[arg.format(email=member.email) for arg in args])

    assert PlanGrant.objects.count() == 0
