import hashlib
import hmac
import json
import time
import uuid

import pytest
import stripe
from djstripe.models import Customer, Price, Product

from billing import payments, services

from . import hooks
from .fake_stripe import FakeStripe, example

API_KEY = "sk_test_0123456789abcdefghijklmn"
WEBHOOK_SECRET = "whsec_test_secret"
WEBHOOK_UUID = uuid.UUID("7c8e3d0a-2b1f-4e5a-9c6d-0f1e2d3c4b5a")
PREMIUM_PRICE = "price_premium_monthly"
PRO_PRICE = "price_premium_yearly"
TEST_QUOTAS = {"free": {"*": 20}, "premium": {"*": 200}}
PREMIUM_FEATURES = [
    "coaching.plans",
    "coaching.tools",
    "community.messaging",
    "conversations.premium_scenarios",
]


@pytest.fixture(autouse=True)
def _billing_settings(settings):
    """Stripe keys and a known plan table; ``no_keys`` switches billing off."""
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_TEST_SECRET_KEY = API_KEY
    settings.STRIPE_LIVE_MODE = False
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_UUID = str(WEBHOOK_UUID)
    settings.DEFAULT_PLAN = "free"
    settings.AI_QUOTAS = TEST_QUOTAS
    settings.BILLING_PAST_DUE_GRACE_DAYS = 7
    settings.BILLING_PLANS = {
        "free": {
            "prices": [],
            "features": [],
            "limits": {"conversations.practice_per_day": 3},
            "rank": 0,
        },
        "premium": {
            "prices": [PREMIUM_PRICE, PRO_PRICE],
            "features": PREMIUM_FEATURES,
            "limits": {"conversations.practice_per_day": 50},
            "rank": 1,
        },
    }


@pytest.fixture
def no_keys(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_TEST_SECRET_KEY = ""


@pytest.fixture
def fake_stripe():
    """The real stripe client (and dj-stripe) against a fake Stripe API on 127.0.0.1."""
    server = FakeStripe().start()
    previous = stripe.api_base, stripe.api_key
    # dj-stripe reads a few defaults at import, before the test settings give a key.
    stripe.api_base, stripe.api_key = server.api_base, API_KEY
    yield server
    stripe.api_base, stripe.api_key = previous
    server.stop()


@pytest.fixture
def webhook_endpoint(db):
    return services.webhook_endpoint_ensure()


@pytest.fixture
def prices(db, fake_stripe):
    """Two premium prices, in Stripe (the fake) and mirrored locally."""
    product = example("product", id="prod_premium", name="Premium", active=True)
    fake_stripe.put(product)
    rows = []
    for price_id, amount, interval in ((PREMIUM_PRICE, 900, "month"), (PRO_PRICE, 9000, "year")):
        data = example(
            "price",
            id=price_id,
            product="prod_premium",
            unit_amount=amount,
            currency="eur",
            recurring={"interval": interval, "interval_count": 1, "usage_type": "licensed"},
        )
        fake_stripe.put(data)
        rows.append(Price.sync_from_stripe_data(data, api_key=API_KEY))
    assert Product.objects.filter(id="prod_premium").exists()
    return rows


def customer_for(fake, user) -> Customer:
    """The member's Stripe customer, as billing creates it (through the fake)."""
    return services.customer_ensure(user=user)


def subscription_data(fake, *, customer: str, price: str, status: str = "active", **extra):
    """A subscription as Stripe holds it: Stripe's example with our customer, price,
    status and a current period around now (override ``period_start`` in days ago)."""
    now = int(time.time())
    started = now - int(extra.pop("started_days_ago", 1) * 86400)
    sub_id = extra.pop("id", None) or fake.new_id("sub_")
    fields = {
        "customer": customer,
        "status": status,
        "cancel_at": None,
        "canceled_at": None,
        "ended_at": None,
        "cancel_at_period_end": False,
        "trial_end": None,
        "trial_start": None,
        "latest_invoice": None,
        "created": now,
        **extra,
    }
    data = example("subscription", id=sub_id, **fields)
    item = data["items"]["data"][0]
    item.update(
        id=f"si_{sub_id}",
        subscription=sub_id,
        price=fake.get(price),
        current_period_start=started,
        current_period_end=started + 30 * 86400,
    )
    data["items"]["url"] = f"/v1/subscription_items?subscription={sub_id}"
    fake.put(data)
    return data


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = timestamp or int(time.time())
    signature = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={signature}"


_events = iter(range(1, 10**6))


def event(kind: str, obj: dict, *, event_id: str | None = None, created: int | None = None):
    return example(
        "event",
        id=event_id or f"evt_fake{next(_events):06d}",
        type=kind,
        created=created or int(time.time()),
        api_version="2026-08-26.dahlia",
        data={"object": obj},
    )


@pytest.fixture
def post_event(api):
    """Sign an event with the test secret and post it to dj-stripe's endpoint."""

    def post(payload: dict, *, secret: str = WEBHOOK_SECRET):
        body = json.dumps(payload)
        return api.post(
            f"/api/v1/stripe/webhook/{WEBHOOK_UUID}/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(body, secret),
        )

    return post


@pytest.fixture
def purpose():
    """A payment purpose for one test, as marketplace will register bookings."""
    hooks.heard.clear()
    hooks.failures.clear()
    payments.register(
        "test.booking",
        price="billing.tests.hooks.price",
        on_succeeded="billing.tests.hooks.succeeded",
        on_failed="billing.tests.hooks.failed",
    )
    yield hooks.heard
    payments.unregister("test.booking")
