"""dj-stripe's checks that read the database run only when a database is asked for; the
plan table is checked at start-up."""

import pytest
from django.core.checks import run_checks
from djstripe.models import WebhookEndpoint

from billing.checks import plans_are_well_formed


def test_checks_without_a_database_do_not_touch_it():
    # no database access is allowed here: a query would fail the test
    assert [e.id for e in run_checks() if e.id.startswith("djstripe")] == []


@pytest.mark.django_db
def test_with_the_database_an_endpoint_without_secret_is_reported():
    WebhookEndpoint.objects.create(
        id="we_nosecret",
        livemode=False,
        secret="",
        url="https://example.com/hook",
        enabled_events=["*"],
        api_version="",
    )

    ids = [e.id for e in run_checks(databases=["default"]) if e.id.startswith("djstripe")]

    assert "djstripe.W005" in ids


# --- the plan table -------------------------------------------------------------------------


def _plan_checks():
    return [(e.id, e.msg) for e in plans_are_well_formed()]


def test_the_shipped_table_is_well_formed_and_labelled(settings):
    from config.settings import base

    settings.BILLING_PLANS = base.BILLING_PLANS
    settings.BILLING_FEATURE_LABELS = base.BILLING_FEATURE_LABELS
    settings.DEFAULT_PLAN = base.DEFAULT_PLAN

    assert _plan_checks() == []


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"rank": "1"}, "plan 'premium': rank must be a whole number >= 0, not '1'"),
        ({"rank": -1}, "plan 'premium': rank must be a whole number >= 0, not -1"),
        ({"features": "coaching.plans"}, "plan 'premium': features must be a list of strings"),
        ({"features": ["Coaching Plans"]}, "plan 'premium': feature 'Coaching Plans' is not like"),
        ({"prices": [1]}, "plan 'premium': prices must be a list of strings"),
        ({"limits": [3]}, "plan 'premium': limits must be a mapping of name to count"),
        ({"limits": {"per_day": 3}}, "plan 'premium': limit 'per_day' is not like 'app.limit'"),
        ({"limits": {"a.b": -1}}, "plan 'premium': limit 'a.b' must be a count >= 0, not -1"),
        ({"limits": {"a.b": True}}, "plan 'premium': limit 'a.b' must be a count >= 0, not True"),
        ({"feature": []}, "plan 'premium' has an unknown key 'feature'"),
    ],
)
def test_a_malformed_plan_is_an_error_naming_it(settings, plan, message):
    settings.BILLING_FEATURE_LABELS = {"a.b": "A"}
    settings.BILLING_PLANS = {"free": {"rank": 0}, "premium": {"rank": 1, **plan}}

    ((check_id, msg),) = _plan_checks()

    assert check_id == "billing.E002"
    assert msg.startswith(f"BILLING_PLANS: {message}")


@pytest.mark.parametrize("table", [{}, [], "premium"])
def test_an_empty_table_is_an_error(settings, table):
    settings.BILLING_PLANS = table

    assert _plan_checks() == [("billing.E002", "BILLING_PLANS names no plan.")]


def test_a_default_plan_outside_the_table_is_an_error(settings):
    settings.DEFAULT_PLAN = "basic"

    assert _plan_checks() == [
        (
            "billing.E003",
            "DEFAULT_PLAN 'basic' is not a plan of BILLING_PLANS (free, premium).",
        )
    ]


def test_a_feature_or_limit_without_a_label_is_a_warning(settings):
    settings.BILLING_PLANS = {
        "free": {"rank": 0, "limits": {"crm.customers": 10}},
        "premium": {"rank": 1, "features": ["coaching.plans", "crm.reports"]},
    }

    assert _plan_checks() == [
        (
            "billing.W001",
            "'crm.customers' of BILLING_PLANS has no label in BILLING_FEATURE_LABELS.",
        ),
        ("billing.W001", "'crm.reports' of BILLING_PLANS has no label in BILLING_FEATURE_LABELS."),
    ]


def test_the_check_runs_with_the_others(settings):
    settings.DEFAULT_PLAN = "basic"

    assert "billing.E003" in [e.id for e in run_checks() if e.id.startswith("billing")]
