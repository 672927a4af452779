"""Reads of billing: the member's plan (what every other app asks), their subscription,
invoices and payments, and the plans on sale. All of it from dj-stripe's mirror tables,
which signed webhooks keep in step with Stripe."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from djstripe.models import Charge, Customer, Invoice, PaymentIntent, Price, Subscription

from . import plans

if TYPE_CHECKING:
    from accounts.models import User

# Statuses that grant the subscription's plan, and the one that grants it for a while.
CURRENT_STATUSES = ("active", "trialing")
GRACE_STATUS = "past_due"
CACHE_PREFIX = "billing:plan:"


def configured() -> bool:
    """Whether Stripe keys are set; without them billing is off and everyone is free."""
    return bool(settings.STRIPE_SECRET_KEY)


def livemode() -> bool:
    return bool(settings.STRIPE_LIVE_MODE)


def cache_key(user_id) -> str:
    return f"{CACHE_PREFIX}{user_id}"


def plan_for(user: User) -> str:
    """The plan ``user`` is entitled to now, cached for ``BILLING_PLAN_CACHE_SECONDS``
    (and never past the end of a grace period). Webhook handlers drop the cached value
    whenever a subscription changes (``services.plan_refresh``)."""
    if not configured() or user is None or not getattr(user, "is_authenticated", False):
        return settings.DEFAULT_PLAN
    key = cache_key(user.pk)
    plan = cache.get(key)
    if plan is None:
        plan, until = entitlement(user)
        timeout = settings.BILLING_PLAN_CACHE_SECONDS
        if until is not None:
            timeout = max(1, min(timeout, int((until - timezone.now()).total_seconds())))
        cache.set(key, plan, timeout=timeout)
    return plan


def entitlement(user: User, now: dt.datetime | None = None) -> tuple[str, dt.datetime | None]:
    """The plan derived from the member's subscription rows, uncached, and when that answer
    expires on its own (the end of a past_due grace period), if ever.

    active or trialing grants the subscription's plan; past_due keeps it for
    ``BILLING_PAST_DUE_GRACE_DAYS`` from the start of the unpaid period (Stripe opens the
    renewal invoice when the period begins); any other status (canceled, unpaid,
    incomplete, incomplete_expired, paused) grants nothing. Of several, the richest wins."""
    now = now or timezone.now()
    best, best_until = settings.DEFAULT_PLAN, None
    for subscription in subscriptions_of(user):
        data = subscription.stripe_data
        plan = plan_of_subscription(data)
        if plan is None:
            continue
        status = data.get("status")
        until = None
        if status == GRACE_STATUS:
            until = grace_ends(data)
            if until is None or until <= now:
                continue
        elif status not in CURRENT_STATUSES:
            continue
        if plans.rank(plan) > plans.rank(best) or (plan == best and best_until is not None):
            best, best_until = plan, until
    return best, best_until


def grace_ends(data: dict[str, Any]) -> dt.datetime | None:
    started = period(data)[0]
    if started is None:
        return None
    return started + dt.timedelta(days=settings.BILLING_PAST_DUE_GRACE_DAYS)


def period(data: dict[str, Any]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The current period of a subscription. Newer API versions keep it on the items."""
    start, end = data.get("current_period_start"), data.get("current_period_end")
    if start is None or end is None:
        items = (data.get("items") or {}).get("data") or []
        if items:
            start = start or items[0].get("current_period_start")
            end = end or items[0].get("current_period_end")
    return from_timestamp(start), from_timestamp(end)


def from_timestamp(value) -> dt.datetime | None:
    """A Stripe timestamp (seconds since the epoch) as an aware datetime."""
    if value is None:
        return None
    return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)


def price_of_subscription(data: dict[str, Any]) -> dict[str, Any] | None:
    items = (data.get("items") or {}).get("data") or []
    for item in items:
        price = item.get("price") or item.get("plan")
        if price:
            return price
    return data.get("plan")


def plan_of_subscription(data: dict[str, Any]) -> str | None:
    return plans.plan_of_price(price_of_subscription(data))


def subscriptions_of(user: User) -> QuerySet[Subscription]:
    return Subscription.objects.filter(
        customer__subscriber_id=user.pk, livemode=livemode()
    ).order_by("-created", "-djstripe_id")


def current_subscription(user: User) -> Subscription | None:
    """The subscription that decides the member's plan: the newest that is active,
    trialing or past_due."""
    for subscription in subscriptions_of(user):
        if subscription.stripe_data.get("status") in (*CURRENT_STATUSES, GRACE_STATUS):
            return subscription
    return None


def customer_of(user: User) -> Customer | None:
    return Customer.objects.filter(subscriber_id=user.pk, livemode=livemode()).first()


def invoices_of(user: User) -> QuerySet[Invoice]:
    return Invoice.objects.filter(customer__subscriber_id=user.pk, livemode=livemode()).order_by(
        "-created", "-djstripe_id"
    )


def payments_of(user: User) -> QuerySet[Charge]:
    return Charge.objects.filter(customer__subscriber_id=user.pk, livemode=livemode()).order_by(
        "-created", "-djstripe_id"
    )


def payment_intents_of(user: User) -> QuerySet[PaymentIntent]:
    return PaymentIntent.objects.filter(customer__subscriber_id=user.pk)


def prices_for_sale() -> list[Price]:
    """Active recurring prices that sell a plan, cheapest plan first."""
    rows = (
        Price.objects.filter(active=True, livemode=livemode())
        .select_related("product")
        .order_by("product__name", "id")
    )
    sellable = [
        price
        for price in rows
        if price.stripe_data.get("type", "recurring") == "recurring"
        and plans.plan_of_price({"id": price.id, "metadata": price.metadata or {}})
    ]
    return sorted(
        sellable,
        key=lambda price: plans.rank(
            plans.plan_of_price({"id": price.id, "metadata": price.metadata or {}})
        ),
    )


def price_for_sale(price_id: str) -> Price | None:
    for price in prices_for_sale():
        if price.id == price_id:
            return price
    return None


def plan_rows() -> list[dict[str, Any]]:
    """The plans list (``PlanPriceSerializer``): the free plan(s), then one row per price
    on sale."""
    rows = [
        {
            "id": None,
            "plan": name,
            "name": name.title(),
            "amount": 0,
            "currency": None,
            "interval": None,
            "features": plans.features(name),
            "quotas": plans.quotas(name),
            "demo": False,
        }
        for name in plans.names()
        if plans.rank(name) == 0
    ]
    for price in prices_for_sale():
        data = price.stripe_data
        name = plans.plan_of_price({"id": price.id, "metadata": price.metadata or {}})
        rows.append(
            {
                "id": price.id,
                "plan": name,
                "name": price.product.name if price.product_id else name.title(),
                "amount": data.get("unit_amount"),
                "currency": price.currency,
                "interval": (data.get("recurring") or {}).get("interval"),
                "features": plans.features(name),
                "quotas": plans.quotas(name),
                "demo": (price.metadata or {}).get("demo") == "true",
            }
        )
    return rows
