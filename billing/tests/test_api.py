"""The billing endpoints of docs/API.md against the fake Stripe API."""

import datetime as dt

import pytest
import stripe
from django.utils import timezone
from djstripe.models import Charge, Customer, Invoice

from accounts.selectors import plan_for
from accounts.tests.helpers import client_for
from billing import services

from .conftest import (
    API_KEY,
    PREMIUM_FEATURES,
    PREMIUM_PRICE,
    PRO_PRICE,
    customer_for,
    subscription_data,
)
from .fake_stripe import example

pytestmark = pytest.mark.django_db

UNAUTHORISED = ("get", "/api/v1/billing/subscription"), ("post", "/api/v1/billing/checkout-session")


def _errors(response):
    return [(e["code"], e["attr"]) for e in response.json()["errors"]]


@pytest.fixture
def subscribed(fake_stripe, prices, member):
    """The member on premium, mirrored as the webhook would."""
    customer = customer_for(fake_stripe, member)
    data = subscription_data(fake_stripe, customer=customer.id, price=PREMIUM_PRICE)
    services.subscription_mirror(data=stripe.Subscription.retrieve(data["id"], api_key=API_KEY))
    return data


# --- plans ----------------------------------------------------------------------------------


FREE_CONTENTS = {
    "features": [],
    "feature_labels": {},
    "limits": {"conversations.practice_per_day": 3},
    "limit_labels": {"conversations.practice_per_day": "Practice conversations per day"},
    "quotas": {"*": 20},
}
PREMIUM_CONTENTS = {
    "features": PREMIUM_FEATURES,
    "feature_labels": {
        "coaching.plans": "AI development plans from your assessment and goals",
        "coaching.tools": "Career toolkit: AI roadmap, brand, content and document generators",
        "community.messaging": "Direct messages with other members",
        "conversations.premium_scenarios": "Premium practice scenarios",
    },
    "limits": {"conversations.practice_per_day": 50},
    "limit_labels": {"conversations.practice_per_day": "Practice conversations per day"},
    "quotas": {"*": 200},
}


def test_plans_list_the_free_plan_and_the_prices_on_sale(api, prices):
    response = api.get("/api/v1/billing/plans")

    assert response.status_code == 200
    assert response.json() == {
        "count": 3,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": None,
                "plan": "free",
                "name": "Free",
                "amount": 0,
                "currency": None,
                "interval": None,
                **FREE_CONTENTS,
                "demo": False,
            },
            {
                "id": PREMIUM_PRICE,
                "plan": "premium",
                "name": "Premium",
                "amount": 900,
                "currency": "eur",
                "interval": "month",
                **PREMIUM_CONTENTS,
                "demo": False,
            },
            {
                "id": PRO_PRICE,
                "plan": "premium",
                "name": "Premium",
                "amount": 9000,
                "currency": "eur",
                "interval": "year",
                **PREMIUM_CONTENTS,
                "demo": False,
            },
        ],
    }


def test_without_keys_every_plan_of_the_table_is_listed_without_a_price(
    api, no_keys, django_assert_num_queries
):
    # when
    with django_assert_num_queries(1):
        response = api.get("/api/v1/billing/plans")

    # then
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": None,
            "plan": "free",
            "name": "Free",
            "amount": 0,
            "currency": None,
            "interval": None,
            **FREE_CONTENTS,
            "demo": False,
        },
        {
            "id": None,
            "plan": "premium",
            "name": "Premium",
            "amount": None,
            "currency": None,
            "interval": None,
            **PREMIUM_CONTENTS,
            "demo": False,
        },
    ]


def test_a_feature_without_a_label_is_shown_by_its_slug(api, no_keys, settings):
    settings.BILLING_PLANS = {
        "free": {"rank": 0, "features": ["crm.reports"], "limits": {"crm.customers": 100}}
    }

    (row,) = api.get("/api/v1/billing/plans").json()["results"]

    assert (row["feature_labels"], row["limit_labels"]) == (
        {"crm.reports": "crm.reports"},
        {"crm.customers": "crm.customers"},
    )


def test_demo_plans_are_local_and_marked(api, no_keys, settings):
    from django.core.management import call_command

    settings.BILLING_PLANS = {**settings.BILLING_PLANS, "premium": {"prices": [], "rank": 1}}
    call_command("billing_demo_plans")

    response = api.get("/api/v1/billing/plans")

    assert response.status_code == 200
    demo = response.json()["results"][1]
    assert (demo["id"], demo["plan"], demo["demo"]) == (
        "demo_price_premium_monthly",
        "premium",
        True,
    )
    assert demo["name"] == "Premium (demo, not in Stripe)"


# --- subscription ---------------------------------------------------------------------------


NO_SUBSCRIPTION = {
    "status": None,
    "subscription": None,
    "price": None,
    "current_period_end": None,
    "cancel_at_period_end": False,
}


def test_subscription_of_a_free_member(member_api, fake_stripe):
    response = member_api.get("/api/v1/billing/subscription")

    assert response.status_code == 200
    assert response.json() == {
        "plan": "free",
        "source": None,
        **NO_SUBSCRIPTION,
        "grant": None,
    }


def test_subscription_of_a_premium_member(member_api, subscribed):
    response = member_api.get("/api/v1/billing/subscription")

    assert response.status_code == 200
    body = response.json()
    assert (body["plan"], body["source"], body["grant"]) == ("premium", "subscription", None)
    assert body["status"] == "active"
    assert body["subscription"] == subscribed["id"]
    assert body["price"] == PREMIUM_PRICE
    assert body["cancel_at_period_end"] is False
    assert body["current_period_end"].endswith("Z") or "+00:00" in body["current_period_end"]


def test_subscription_shows_a_grant_and_answers_without_keys(member, member_api, no_keys, staff):
    # given
    ends_at = timezone.now() + dt.timedelta(days=30)
    grant = services.grant_create(
        user=member, plan="premium", reason="support", ends_at=ends_at, granted_by=staff
    )

    # when
    response = member_api.get("/api/v1/billing/subscription")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "plan": "premium",
        "source": "grant",
        **NO_SUBSCRIPTION,
        "grant": {
            "id": str(grant.pk),
            "plan": "premium",
            "ends_at": ends_at.isoformat().replace("+00:00", "Z"),
        },
    }
    assert member_api.get("/api/v1/auth/me").json()["plan"] == "premium"


def test_a_subscription_is_the_source_when_a_grant_gives_the_same_plan(
    member, member_api, subscribed, grant_plan
):
    grant = grant_plan(member, "premium")

    body = member_api.get("/api/v1/billing/subscription").json()

    assert (body["plan"], body["source"], body["subscription"]) == (
        "premium",
        "subscription",
        subscribed["id"],
    )
    assert body["grant"] == {"id": str(grant.pk), "plan": "premium", "ends_at": None}


def test_a_richer_grant_is_the_source_over_a_subscription(
    member, member_api, subscribed, grant_plan, settings
):
    settings.BILLING_PLANS = {**settings.BILLING_PLANS, "gold": {"rank": 2}}
    grant_plan(member, "gold")

    body = member_api.get("/api/v1/billing/subscription").json()

    assert (body["plan"], body["source"], body["status"]) == ("gold", "grant", "active")


def test_without_keys_a_subscription_row_is_not_shown(member, member_api, subscribed, settings):
    settings.STRIPE_SECRET_KEY = ""

    body = member_api.get("/api/v1/billing/subscription").json()

    assert body == {"plan": "free", "source": None, **NO_SUBSCRIPTION, "grant": None}


@pytest.mark.parametrize(("method", "path"), UNAUTHORISED)
def test_billing_needs_authentication(api, method, path):
    assert getattr(api, method)(path).status_code == 401


# --- checkout and portal --------------------------------------------------------------------


def test_checkout_creates_a_subscription_session_for_a_lazily_created_customer(
    member, member_api, fake_stripe, prices
):
    # when
    response = member_api.post(
        "/api/v1/billing/checkout-session", {"price": PREMIUM_PRICE}, HTTP_IDEMPOTENCY_KEY="k1"
    )

    # then
    assert response.status_code == 201
    session = fake_stripe.get(response.json()["id"])
    assert response.json() == {"id": session["id"], "url": session["url"]}
    assert session["mode"] == "subscription"
    assert session["requested_prices"] == [PREMIUM_PRICE]
    customer = Customer.objects.get(subscriber=member)
    assert session["customer"] == customer.id
    assert fake_stripe.get(customer.id)["metadata"] == {"user_id": str(member.pk)}
    assert all(request.idempotency_key for request in fake_stripe.writes())


def test_checkout_retried_with_the_same_key_creates_one_session(member_api, fake_stripe, prices):
    first = member_api.post(
        "/api/v1/billing/checkout-session", {"price": PREMIUM_PRICE}, HTTP_IDEMPOTENCY_KEY="k1"
    )
    again = member_api.post(
        "/api/v1/billing/checkout-session", {"price": PREMIUM_PRICE}, HTTP_IDEMPOTENCY_KEY="k1"
    )

    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert [r.path for r in fake_stripe.writes()] == ["/v1/customers", "/v1/checkout/sessions"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, ("required", "price")),
        ({"price": "price_unknown"}, ("invalid_price", "price")),
        ({"price": "x" * 256}, ("max_length", "price")),
    ],
)
def test_checkout_refuses_bad_input(member_api, fake_stripe, prices, body, error):
    response = member_api.post("/api/v1/billing/checkout-session", body)

    assert response.status_code == 400
    assert _errors(response) == [error]
    assert fake_stripe.writes() == []


def test_checkout_refuses_a_member_who_already_subscribes(member_api, subscribed, fake_stripe):
    writes = len(fake_stripe.writes())

    response = member_api.post("/api/v1/billing/checkout-session", {"price": PRO_PRICE})

    assert response.status_code == 409
    assert _errors(response) == [("already_subscribed", None)]
    assert len(fake_stripe.writes()) == writes


def test_portal_session(member, member_api, fake_stripe):
    response = member_api.post("/api/v1/billing/portal-session")

    assert response.status_code == 201
    (session,) = [
        o for o in fake_stripe.objects.values() if o["object"] == "billing_portal.session"
    ]
    assert response.json() == {"url": session["url"]}
    assert session["customer"] == Customer.objects.get(subscriber=member).id


def test_portal_session_on_one_task(member_api, fake_stripe):
    response = member_api.post("/api/v1/billing/portal-session", {"flow": "payment_method_update"})

    assert response.status_code == 201
    (request,) = [r for r in fake_stripe.writes() if r.path == "/v1/billing_portal/sessions"]
    assert request.params["flow_data"] == {"type": "payment_method_update"}


def test_portal_session_refuses_an_unknown_task(member_api, fake_stripe):
    response = member_api.post("/api/v1/billing/portal-session", {"flow": "anything"})

    assert response.status_code == 400
    assert _errors(response) == [("invalid_choice", "flow")]


# --- change and cancel ----------------------------------------------------------------------


def test_change_plan_moves_the_subscription_to_the_new_price_with_proration(
    member_api, subscribed, fake_stripe
):
    response = member_api.post("/api/v1/billing/subscription/change", {"price": PRO_PRICE})

    assert response.status_code == 200
    assert response.json()["price"] == PRO_PRICE
    assert response.json()["plan"] == "premium"
    (change,) = [
        r for r in fake_stripe.writes() if r.path == f"/v1/subscriptions/{subscribed['id']}"
    ]
    assert change.params == {
        "items": [{"id": f"si_{subscribed['id']}", "price": PRO_PRICE}],
        "proration_behavior": "create_prorations",
    }
    assert change.idempotency_key


@pytest.mark.parametrize(
    ("body", "error"),
    [({}, ("required", "price")), ({"price": "price_nope"}, ("invalid_price", "price"))],
)
def test_change_plan_refuses_bad_input(member_api, subscribed, body, error):
    response = member_api.post("/api/v1/billing/subscription/change", body)

    assert response.status_code == 400
    assert _errors(response) == [error]


def test_change_plan_without_a_subscription(member_api, fake_stripe, prices):
    response = member_api.post("/api/v1/billing/subscription/change", {"price": PRO_PRICE})

    assert response.status_code == 409
    assert _errors(response) == [("no_subscription", None)]


def test_cancel_at_period_end_keeps_the_plan(member, member_api, subscribed, fake_stripe):
    response = member_api.post("/api/v1/billing/subscription/cancel", {})

    assert response.status_code == 200
    assert response.json()["cancel_at_period_end"] is True
    assert response.json()["plan"] == "premium"
    assert fake_stripe.get(subscribed["id"])["cancel_at_period_end"] is True
    assert plan_for(member) == "premium"


def test_cancel_immediately_ends_the_plan(member, member_api, subscribed, fake_stripe):
    response = member_api.post("/api/v1/billing/subscription/cancel", {"immediately": True})

    assert response.status_code == 200
    assert response.json()["plan"] == "free"
    assert response.json()["status"] == "canceled"
    assert fake_stripe.get(subscribed["id"])["status"] == "canceled"
    assert plan_for(member) == "free"


def test_cancel_refuses_bad_input(member_api, subscribed):
    response = member_api.post("/api/v1/billing/subscription/cancel", {"immediately": "soon"})

    assert response.status_code == 400
    assert _errors(response) == [("invalid", "immediately")]


# --- invoices and payments ------------------------------------------------------------------


def _invoice(customer, n):
    data = example("invoice", id=f"in_{customer.id}_{n}", customer=customer.id, number=f"INV-{n}")
    return Invoice.objects.create(
        id=data["id"], customer=customer, livemode=False, stripe_data=data, created=None
    )


def _charge(customer, n):
    data = example("charge", id=f"ch_{customer.id}_{n}", customer=customer.id, status="succeeded")
    return Charge.objects.create(
        id=data["id"],
        customer=customer,
        livemode=False,
        stripe_data=data,
        amount=1,
        currency="usd",
        status="succeeded",
    )


def test_invoices_are_the_callers_only(member, other_member, member_api, fake_stripe):
    mine = customer_for(fake_stripe, member)
    theirs = customer_for(fake_stripe, other_member)
    _invoice(mine, 1)
    _invoice(theirs, 2)

    response = member_api.get("/api/v1/billing/invoices")

    assert response.status_code == 200
    (invoice,) = response.json()["results"]
    assert invoice["id"] == f"in_{mine.id}_1"
    assert invoice["number"] == "INV-1"
    assert set(invoice) == {
        "id", "number", "status", "currency", "amount_due", "amount_paid", "created",
        "period_start", "period_end", "hosted_invoice_url", "invoice_pdf",
    }  # fmt: skip


def test_payments_show_only_brand_and_last4_of_the_card(
    member, other_member, member_api, fake_stripe
):
    mine = customer_for(fake_stripe, member)
    _charge(mine, 1)
    _charge(customer_for(fake_stripe, other_member), 2)

    response = member_api.get("/api/v1/billing/payments")

    assert response.status_code == 200
    (payment,) = response.json()["results"]
    assert payment["id"] == f"ch_{mine.id}_1"
    assert payment["card"] == {"brand": "visa", "last4": "4242"}
    assert payment["amount"] == 100
    assert "fingerprint" not in str(payment)


@pytest.mark.parametrize(("path", "make"), [("invoices", _invoice), ("payments", _charge)])
def test_lists_query_count_is_flat(
    member, member_api, fake_stripe, django_assert_num_queries, path, make
):
    customer = customer_for(fake_stripe, member)
    make(customer, 0)
    with django_assert_num_queries(3):
        member_api.get(f"/api/v1/billing/{path}")
    for n in range(1, 8):
        make(customer, n)
    with django_assert_num_queries(3):
        response = member_api.get(f"/api/v1/billing/{path}")
    assert response.json()["count"] == 8


# --- one-off payments -----------------------------------------------------------------------


def test_payment_intent_for_a_registered_purpose(member, member_api, fake_stripe, purpose):
    response = member_api.post(
        "/api/v1/billing/payment-intents",
        {"purpose": "test.booking", "object": "booking-1"},
        HTTP_IDEMPOTENCY_KEY="pay-1",
    )

    assert response.status_code == 201
    intent = fake_stripe.get(response.json()["id"])
    assert response.json() == {
        "id": intent["id"],
        "client_secret": intent["client_secret"],
        "amount": 4500,
        "currency": "eur",
        "status": "requires_payment_method",
    }
    assert intent["metadata"] == {
        "user_id": str(member.pk),
        "purpose": "test.booking",
        "object_id": "booking-1",
    }
    assert intent["customer"] == Customer.objects.get(subscriber=member).id


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"object": "b"}, 400, ("required", "purpose")),
        ({"purpose": "test.booking"}, 400, ("required", "object")),
        ({"purpose": "nope", "object": "b"}, 400, ("invalid_choice", "purpose")),
        ({"purpose": "test.booking", "object": "not-yours"}, 404, ("not_found", None)),
    ],
)
def test_payment_intent_refuses_bad_input(member_api, fake_stripe, purpose, body, status, error):
    response = member_api.post("/api/v1/billing/payment-intents", body)

    assert response.status_code == status
    assert _errors(response) == [error]
    assert [r.path for r in fake_stripe.writes()] == []


def test_confirm_a_payment_intent(member_api, fake_stripe, purpose):
    created = member_api.post(
        "/api/v1/billing/payment-intents", {"purpose": "test.booking", "object": "b-1"}
    ).json()

    response = member_api.post(
        f"/api/v1/billing/payment-intents/{created['id']}/confirm", {"payment_method": "pm_card"}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "succeeded"
    assert fake_stripe.get(created["id"])["payment_method"] == "pm_card"


def test_confirm_another_members_payment_intent_is_404(
    other_member, member_api, fake_stripe, purpose
):
    theirs = (
        client_for(other_member)
        .post("/api/v1/billing/payment-intents", {"purpose": "test.booking", "object": "b-1"})
        .json()
    )
    writes = len(fake_stripe.writes())

    response = member_api.post(f"/api/v1/billing/payment-intents/{theirs['id']}/confirm", {})

    assert response.status_code == 404
    assert len(fake_stripe.writes()) == writes


# --- without keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/billing/checkout-session"),
        ("post", "/api/v1/billing/portal-session"),
        ("post", "/api/v1/billing/subscription/change"),
        ("post", "/api/v1/billing/subscription/cancel"),
        ("get", "/api/v1/billing/invoices"),
        ("get", "/api/v1/billing/payments"),
        ("post", "/api/v1/billing/payment-intents"),
        ("post", "/api/v1/billing/payment-intents/pi_1/confirm"),
    ],
)
def test_without_keys_billing_answers_503_and_the_rest_works(
    member, member_api, no_keys, method, path
):
    # A 503 is reported like any server error (drf-standardized-errors), not raised here.
    member_api.raise_request_exception = False

    response = getattr(member_api, method)(path)

    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "billing_unavailable"
    assert "STRIPE_SECRET_KEY" in response.json()["errors"][0]["detail"]
    me = member_api.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["plan"] == "free"
    assert plan_for(member) == "free"
