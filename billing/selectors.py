"""Reads of billing: the member's plan (what every other app asks) and where it comes from,
their subscription, grants, invoices and payments, and the plans table. Stripe's side from
dj-stripe's mirror tables, which signed webhooks keep in step with Stripe; grants from
billing's own table."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from djstripe.models import Charge, Customer, Invoice, PaymentIntent, Price, Subscription

from accounts import entitlements
from ai.selectors import plan_quotas

from . import plans
from .models import PlanGrant

if TYPE_CHECKING:
    from accounts.models import User

# Statuses that grant the subscription's plan, and the one that grants it for a while.
CURRENT_STATUSES = ("active", "trialing")
GRACE_STATUS = "past_due"
CACHE_PREFIX = "billing:plan:"
# Where a member's plan comes from (``Source.kind``); None: the default plan.
SOURCE_SUBSCRIPTION = "subscription"
SOURCE_GRANT = "grant"


def configured() -> bool:
    """Whether Stripe keys are set; without them subscriptions count for nothing and plans
    come from staff grants only."""
    return bool(settings.STRIPE_SECRET_KEY)


def livemode() -> bool:
    return bool(settings.STRIPE_LIVE_MODE)


def cache_key(user_id) -> str:
    return f"{CACHE_PREFIX}{user_id}"


def plan_for(user: User) -> str:
    """The plan ``user`` is entitled to now, cached for ``BILLING_PLAN_CACHE_SECONDS``
    (and never past the moment the answer changes on its own: a grant or a past_due grace
    period ending). Webhook handlers and grants drop the cached value whenever the answer
    changes (``services.plan_refresh``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return settings.DEFAULT_PLAN
    key = cache_key(user.pk)
    plan = cache.get(key)
    if plan is None:
        plan, until = entitlement(user)
        _cache_plan(user.pk, plan, until)
    return plan


@dataclass(frozen=True)
class Source:
    """One thing that gives the member a plan now: a subscription or a grant, until when
    (None: until it changes)."""

    plan: str
    until: dt.datetime | None
    kind: str
    row: Subscription | PlanGrant


def entitlement(user: User, now: dt.datetime | None = None) -> tuple[str, dt.datetime | None]:
    """The plan derived from the member's grants and subscription rows, uncached, and when
    that answer expires on its own, if ever. The richest source wins."""
    return _richest(sources_of(user, now=now))


def _richest(sources: list[Source]) -> tuple[str, dt.datetime | None]:
    best, best_until = settings.DEFAULT_PLAN, None
    for source in sources:
        plan, until = source.plan, source.until
        if entitlements.plan_rank(plan) > entitlements.plan_rank(best) or (
            plan == best and best_until is not None and (until is None or until > best_until)
        ):
            best, best_until = plan, until
    return best, best_until


def _cache_plan(user_id, plan: str, until: dt.datetime | None) -> None:
    timeout = settings.BILLING_PLAN_CACHE_SECONDS
    if until is not None:
        timeout = max(1, min(timeout, int((until - timezone.now()).total_seconds())))
    cache.set(cache_key(user_id), plan, timeout=timeout)


def plans_for(users: Iterable[User]) -> dict[Any, str]:
    """``plan_for`` of many members at once (a page of a staff list): ``{user id: plan}``
    from one cache read, and for the members not cached one query for their grants and,
    with Stripe configured, one for their subscriptions."""
    ids = [user.pk for user in users if user is not None]
    if not ids:
        return {}
    keys = {cache_key(user_id): user_id for user_id in ids}
    plans = {keys[key]: plan for key, plan in cache.get_many(list(keys)).items()}
    missing = [user_id for user_id in ids if user_id not in plans]
    if missing:
        now = timezone.now()
        sources: dict[Any, list[Source]] = defaultdict(list)
        grants = PlanGrant.objects.filter(
            user_id__in=missing, ended_at__isnull=True, starts_at__lte=now
        ).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        for grant in grants:
            sources[grant.user_id].append(Source(grant.plan, grant.ends_at, SOURCE_GRANT, grant))
        if configured():
            subscriptions = Subscription.objects.filter(
                customer__subscriber_id__in=missing, livemode=livemode()
            ).annotate(subscriber_id=F("customer__subscriber_id"))
            by_member: dict[Any, list[Subscription]] = defaultdict(list)
            for subscription in subscriptions:
                by_member[subscription.subscriber_id].append(subscription)
            for user_id, rows in by_member.items():
                sources[user_id].extend(_subscription_sources_of(rows, now))
        for user_id in missing:
            plan, until = _richest(sources[user_id])
            _cache_plan(user_id, plan, until)
            plans[user_id] = plan
    return plans


def sources_of(user: User, *, now: dt.datetime | None = None) -> list[Source]:
    """What gives the member a plan now. A current grant gives its plan until it ends.
    Subscriptions count when Stripe is configured: active or trialing grants the
    subscription's plan; past_due keeps it for ``BILLING_PAST_DUE_GRACE_DAYS`` from the
    start of the unpaid period (Stripe opens the renewal invoice when the period begins);
    any other status (canceled, unpaid, incomplete, incomplete_expired, paused) grants
    nothing."""
    now = now or timezone.now()
    sources = [
        Source(grant.plan, grant.ends_at, SOURCE_GRANT, grant)
        for grant in grants_current(user, now=now)
    ]
    if configured():
        sources.extend(_subscription_sources(user, now))
    return sources


def _subscription_sources(user: User, now: dt.datetime) -> list[Source]:
    return _subscription_sources_of(subscriptions_of(user), now)


def _subscription_sources_of(
    subscriptions: Iterable[Subscription], now: dt.datetime
) -> list[Source]:
    sources = []
    for subscription in subscriptions:
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
        sources.append(Source(plan, until, SOURCE_SUBSCRIPTION, subscription))
    return sources


def _lasting(source: Source) -> tuple[bool, dt.datetime]:
    """Sorts the source that lasts longest last (no end lasts longest)."""
    return source.until is None, source.until or dt.datetime.min.replace(tzinfo=dt.UTC)


def source_of_plan(sources: list[Source], plan: str) -> Source | None:
    """Which of ``sources`` gives ``plan``: a subscription before a grant (a paid plan is
    what the member manages in Stripe's portal), else the grant that lasts longest. None
    when nothing does (the default plan)."""
    giving = [source for source in sources if source.plan == plan]
    if not giving:
        return None
    return max(giving, key=lambda source: (source.kind == SOURCE_SUBSCRIPTION, *_lasting(source)))


def grant_best(sources: list[Source]) -> PlanGrant | None:
    """The richest grant among ``sources`` (of equal plans, the one that lasts longest)."""
    grants = [source for source in sources if source.kind == SOURCE_GRANT]
    if not grants:
        return None
    best = max(grants, key=lambda source: (entitlements.plan_rank(source.plan), *_lasting(source)))
    return best.row


def grants_current(user: User, *, now: dt.datetime | None = None) -> QuerySet[PlanGrant]:
    """The member's grants in force now, latest ending last."""
    now = now or timezone.now()
    return (
        PlanGrant.objects.filter(user=user, ended_at__isnull=True, starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("ends_at", "created_at")
    )


def grants(*, user_id=None) -> QuerySet[PlanGrant]:
    """Every grant, newest first (staff's list), optionally of one member."""
    rows = PlanGrant.objects.select_related("user", "granted_by").order_by("-created_at", "-id")
    return rows if user_id is None else rows.filter(user_id=user_id)


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


def _plan_of_price_row(price: Price) -> str | None:
    return plans.plan_of_price({"id": price.id, "metadata": price.metadata or {}})


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
        if price.stripe_data.get("type", "recurring") == "recurring" and _plan_of_price_row(price)
    ]
    return sorted(sellable, key=lambda price: entitlements.plan_rank(_plan_of_price_row(price)))


def price_for_sale(price_id: str) -> Price | None:
    for price in prices_for_sale():
        if price.id == price_id:
            return price
    return None


def plan_contents(plan: str) -> dict[str, Any]:
    """What ``plan`` includes, from the one table (``accounts.entitlements``): its features
    and limits with their labels, and its daily AI quotas."""
    features = entitlements.plan_features(plan)
    limits = entitlements.plan_limits(plan)
    return {
        "features": features,
        "feature_labels": {feature: entitlements.label(feature) for feature in features},
        "limits": limits,
        "limit_labels": {name: entitlements.label(name) for name in limits},
        "quotas": plan_quotas(plan),
    }


def plan_rows() -> list[dict[str, Any]]:
    """The plans list (``PlanPriceSerializer``), cheapest plan first: one row per price on
    sale, and one row without a price (``id`` null) for each plan no price sells: the free
    plan, and a paid plan while Stripe has no keys and no demo price stands in, so what
    each plan includes is always there to read (and staff may grant any of them)."""
    on_sale: dict[str, list[Price]] = defaultdict(list)
    for price in prices_for_sale():
        on_sale[_plan_of_price_row(price)].append(price)
    rows = []
    for name in entitlements.plan_names():
        contents = plan_contents(name)
        if not on_sale[name]:
            rows.append(
                {
                    "id": None,
                    "plan": name,
                    "name": name.title(),
                    "amount": 0 if entitlements.plan_rank(name) == 0 else None,
                    "currency": None,
                    "interval": None,
                    **contents,
                    "demo": False,
                }
            )
        for price in on_sale[name]:
            data = price.stripe_data
            rows.append(
                {
                    "id": price.id,
                    "plan": name,
                    "name": price.product.name if price.product_id else name.title(),
                    "amount": data.get("unit_amount"),
                    "currency": price.currency,
                    "interval": (data.get("recurring") or {}).get("interval"),
                    **contents,
                    "demo": (price.metadata or {}).get("demo") == "true",
                }
            )
    return rows
