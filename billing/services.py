"""Every write of billing. Stripe is the source of truth: these functions ask Stripe to
change something (each request with an idempotency key, so a retry never charges twice),
mirror the answer into dj-stripe's tables, and refresh the member's plan. Webhooks
(webhooks.py) bring the changes Stripe makes on its own."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

import stripe
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from djstripe.models import (
    Charge,
    Customer,
    Invoice,
    PaymentIntent,
    Subscription,
    WebhookEndpoint,
)
from djstripe.settings import djstripe_settings

from accounts import entitlements
from core import realtime
from core.audit import Action, audit_record
from core.exceptions import Conflict, DomainError, NotFound
from core.links import public_url
from notifications.services import notify

from . import frames, payments, selectors
from .models import PlanGrant
from .stripe_api import BillingUnavailable, api_key, call, idempotency_key

if TYPE_CHECKING:
    from accounts.models import User


def require_configured() -> None:
    if not selectors.configured():
        raise BillingUnavailable()


# --- Customers ----------------------------------------------------------------------------


def customer_ensure(*, user: User) -> Customer:
    """The member's Stripe customer, created on first need with their UUID in its metadata.
    The idempotency key is the user's, so two racing requests create one customer."""
    require_configured()
    customer = selectors.customer_of(user)
    if customer is not None:
        return customer
    data = call(
        stripe.Customer.create,
        email=user.email,
        metadata={settings.DJSTRIPE_SUBSCRIBER_CUSTOMER_KEY: str(user.pk)},
        idempotency_key=f"customer-create:{user.pk}:{int(selectors.livemode())}",
    )
    with transaction.atomic():
        customer = Customer.sync_from_stripe_data(data, api_key=api_key())
        if customer.subscriber_id != user.pk:
            customer.subscriber = user
            customer.save(update_fields=["subscriber", "djstripe_updated"])
    return customer


def customer_link(*, customer: Customer) -> Customer:
    """Tie a customer Stripe created on its own (a checkout without ours) to the member
    named in its metadata."""
    from django.contrib.auth import get_user_model

    if customer.subscriber_id is not None:
        return customer
    user_id = (customer.metadata or {}).get(settings.DJSTRIPE_SUBSCRIBER_CUSTOMER_KEY)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is not None and selectors.customer_of(user) is None:
        customer.subscriber = user
        customer.save(update_fields=["subscriber", "djstripe_updated"])
    return customer


# --- Plan ---------------------------------------------------------------------------------


def subscription_summary(user: User) -> dict[str, Any]:
    """The member's plan, where it comes from (``source``: their subscription, a staff
    grant, or None for the default plan), their current subscription (its fields are None
    without one, and always without Stripe keys) and their richest current grant."""
    plan = selectors.plan_for(user)
    sources = selectors.sources_of(user)
    source = selectors.source_of_plan(sources, plan)
    grant = selectors.grant_best(sources)
    summary = {
        "plan": plan,
        "source": source.kind if source else None,
        "status": None,
        "subscription": None,
        "price": None,
        "current_period_end": None,
        "cancel_at_period_end": False,
        "grant": (
            {"id": grant.pk, "plan": grant.plan, "ends_at": grant.ends_at} if grant else None
        ),
    }
    subscription = selectors.current_subscription(user) if selectors.configured() else None
    if subscription is None:
        return summary
    data = subscription.stripe_data
    price = selectors.price_of_subscription(data) or {}
    summary.update(
        status=data.get("status"),
        subscription=subscription.id,
        price=price.get("id"),
        current_period_end=selectors.period(data)[1],
        cancel_at_period_end=bool(data.get("cancel_at_period_end")),
    )
    return summary


def plan_refresh(*, user: User) -> str:
    """Forget the member's cached plan (now and again after commit, so a concurrent read
    cannot cache the state this transaction replaces), and push their plan and
    subscription to their sockets as ``billing.plan.updated``."""
    key = selectors.cache_key(user.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key), robust=True)
    summary = subscription_summary(user)
    cache.delete(key)
    realtime.send_to_user(user.pk, frames.plan_updated(summary))
    return summary["plan"]


# --- Grants -------------------------------------------------------------------------------


def grant_create(
    *,
    user: User,
    plan: str,
    reason: str,
    ends_at: dt.datetime | None = None,
    granted_by: User | None = None,
    request=None,
) -> PlanGrant:
    """Give ``user`` ``plan`` from now until ``ends_at`` (None: until ended), without Stripe.
    Audited; the member's plan follows at once (cache dropped, their sockets told)."""
    if plan not in entitlements.plan_names():
        raise DomainError(
            f"Unknown plan; one of: {', '.join(entitlements.plan_names())}.",
            code="invalid_choice",
            attr="plan",
        )
    now = timezone.now()
    if ends_at is not None and ends_at <= now:
        raise DomainError("The grant must end in the future.", code="past", attr="ends_at")
    with transaction.atomic():
        grant = PlanGrant.objects.create(
            user=user,
            plan=plan,
            starts_at=now,
            ends_at=ends_at,
            reason=reason,
            granted_by=granted_by,
        )
        audit_record(
            actor=granted_by,
            action=Action.ADD,
            target=grant,
            subject_id=user.pk,
            changes={"fields": ["plan", "ends_at"]},
            reason=reason,
            request=request,
        )
        plan_refresh(user=user)
    return grant


def grant_end(*, grant: PlanGrant, ended_by: User | None = None, request=None) -> PlanGrant:
    """End ``grant`` now (an ended or expired one is left as it is). Audited; the member's
    plan follows at once."""
    with transaction.atomic():
        grant = PlanGrant.objects.select_for_update().get(pk=grant.pk)
        now = timezone.now()
        if grant.ended_at is None and (grant.ends_at is None or grant.ends_at > now):
            grant.ended_at = now
            grant.save(update_fields=["ended_at", "updated_at"])
            audit_record(
                actor=ended_by,
                action=Action.CHANGE,
                target=grant,
                subject_id=grant.user_id,
                changes={"fields": ["ended_at"]},
                request=request,
            )
            plan_refresh(user=grant.user)
    return grant


# --- Subscriptions ------------------------------------------------------------------------


def _price_or_400(price: str):
    row = selectors.price_for_sale(price)
    if row is None:
        raise DomainError(
            "This price is not on sale; pick one from GET /api/v1/billing/plans.",
            code="invalid_price",
            attr="price",
        )
    return row


def checkout_session_create(
    *, user: User, price: str, client_key: str | None = None
) -> dict[str, str]:
    """A Stripe Checkout session that subscribes the member to ``price``. The
    subscription itself arrives by webhook (checkout.session.completed)."""
    require_configured()
    _price_or_400(price)
    if selectors.current_subscription(user) is not None:
        raise Conflict(
            "You already have a subscription; change its plan instead.",
            code="already_subscribed",
        )
    customer = customer_ensure(user=user)
    metadata = {settings.DJSTRIPE_SUBSCRIBER_CUSTOMER_KEY: str(user.pk)}
    session = call(
        stripe.checkout.Session.create,
        mode="subscription",
        customer=customer.id,
        client_reference_id=str(user.pk),
        line_items=[{"price": price, "quantity": 1}],
        success_url=settings.BILLING_SUCCESS_URL,
        cancel_url=settings.BILLING_CANCEL_URL,
        metadata=metadata,
        subscription_data={"metadata": metadata},
        idempotency_key=idempotency_key("checkout", user, client_key),
    )
    return {"id": session["id"], "url": session["url"]}


def portal_session_create(*, user: User, flow: str = "") -> dict[str, str]:
    """A Stripe customer portal session (cards, invoices, cancellation), on its home page
    or straight on one task (``flow``)."""
    require_configured()
    customer = customer_ensure(user=user)
    params: dict[str, Any] = {}
    if flow:
        params["flow_data"] = {"type": flow}
    session = call(
        stripe.billing_portal.Session.create,
        customer=customer.id,
        return_url=settings.BILLING_PORTAL_RETURN_URL,
        idempotency_key=idempotency_key("portal", user),
        **params,
    )
    return {"url": session["url"]}


def _current_or_409(user) -> Subscription:
    subscription = selectors.current_subscription(user)
    if subscription is None:
        raise Conflict("You have no subscription to change.", code="no_subscription")
    return subscription


def subscription_mirror(*, data) -> Subscription:
    """Store Stripe's answer (a subscription) in dj-stripe's tables."""
    return Subscription.sync_from_stripe_data(data, api_key=api_key())


def subscription_change(*, user: User, price: str, client_key: str | None = None) -> dict[str, Any]:
    """Move the member's subscription to ``price``, prorated by Stripe."""
    require_configured()
    _price_or_400(price)
    subscription = _current_or_409(user)
    current = selectors.price_of_subscription(subscription.stripe_data) or {}
    if current.get("id") == price:
        raise DomainError("You are already on this price.", code="unchanged", attr="price")
    remote = call(stripe.Subscription.retrieve, subscription.id)
    item_id = remote["items"]["data"][0]["id"]
    updated = call(
        stripe.Subscription.modify,
        subscription.id,
        items=[{"id": item_id, "price": price}],
        proration_behavior="create_prorations",
        idempotency_key=idempotency_key(f"change:{subscription.id}", user, client_key),
    )
    with transaction.atomic():
        subscription_mirror(data=updated)
        plan_refresh(user=user)
    return subscription_summary(user)


def subscription_cancel(*, user: User, immediately: bool = False) -> dict[str, Any]:
    """Cancel at the end of the paid period, or at once (the plan goes now)."""
    require_configured()
    subscription = _current_or_409(user)
    key = idempotency_key(f"cancel:{subscription.id}", user)
    if immediately:
        updated = call(stripe.Subscription.cancel, subscription.id, idempotency_key=key)
    else:
        updated = call(
            stripe.Subscription.modify,
            subscription.id,
            cancel_at_period_end=True,
            idempotency_key=key,
        )
    with transaction.atomic():
        subscription_mirror(data=updated)
        plan_refresh(user=user)
    summary = subscription_summary(user)
    if immediately:
        summary["status"] = updated["status"]
        summary["subscription"] = subscription.id
    return summary


# --- One-off payments ---------------------------------------------------------------------


def _intent_out(data) -> dict[str, Any]:
    return {
        "id": data["id"],
        "client_secret": data["client_secret"],
        "amount": data["amount"],
        "currency": data["currency"],
        "status": data["status"],
    }


def payment_intent_create(
    *, user: User, purpose: str, object_id: str, client_key: str | None = None
) -> dict[str, Any]:
    """A PaymentIntent for the object a purpose registered in ``billing.payments`` prices;
    the owning app hears of its outcome through the purpose's hooks. Stripe's idempotency
    key comes from the purpose's ``client_key`` hook when it has one (the same object, the
    same intent), else from the client's ``Idempotency-Key``."""
    require_configured()
    registered = payments.find(purpose)
    if registered is None:
        raise DomainError(
            f"Unknown purpose; one of: {', '.join(payments.names()) or 'none'}.",
            code="invalid_choice",
            attr="purpose",
        )
    price = registered.price(user=user, object_id=object_id)
    if registered.client_key is not None:
        # The object's own key: every request to pay for it reaches its one intent.
        client_key = registered.client_key(user=user, object_id=object_id) or client_key
    customer = customer_ensure(user=user)
    data = call(
        stripe.PaymentIntent.create,
        amount=price.amount,
        currency=price.currency,
        customer=customer.id,
        description=price.description,
        metadata={
            settings.DJSTRIPE_SUBSCRIBER_CUSTOMER_KEY: str(user.pk),
            "purpose": purpose,
            "object_id": object_id,
        },
        automatic_payment_methods={"enabled": True},
        idempotency_key=idempotency_key(f"pay:{purpose}:{object_id}", user, client_key),
    )
    PaymentIntent.sync_from_stripe_data(data, api_key=api_key())
    return _intent_out(data)


def payment_intent_confirm(
    *, user: User, payment_intent_id: str, payment_method: str = "", client_key: str | None = None
) -> dict[str, Any]:
    """Confirm one of the member's PaymentIntents on the server (saved-card flows)."""
    require_configured()
    if not selectors.payment_intents_of(user).filter(id=payment_intent_id).exists():
        raise NotFound("No such payment.")
    params: dict[str, Any] = {}
    if payment_method:
        params["payment_method"] = payment_method
    data = call(
        stripe.PaymentIntent.confirm,
        payment_intent_id,
        idempotency_key=idempotency_key(f"confirm:{payment_intent_id}", user, client_key),
        **params,
    )
    PaymentIntent.sync_from_stripe_data(data, api_key=api_key())
    return _intent_out(data)


# Stripe's own words for why an intent is cancelled and why money goes back.
CANCELLATION_REASONS = ("abandoned", "duplicate", "fraudulent", "requested_by_customer")
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
# An intent in one of these states is not cancelled: paid (or being paid) is the
# webhook's to decide, cancelled is done.
NOT_CANCELLABLE = ("succeeded", "processing", "canceled")


def payment_intent_cancel(*, payment_intent_id: str, reason: str) -> dict[str, Any]:
    """Cancel a PaymentIntent nobody will pay (``reason``: one of Stripe's
    ``cancellation_reason`` values, ``abandoned`` or ``requested_by_customer`` mostly).
    An intent that already succeeded or is processing is left alone, and so is one that
    Stripe paid between our look and our cancel: the ``payment_intent.succeeded`` webhook
    decides what becomes of it. Safe to call twice. Returns the intent as it now is."""
    require_configured()
    if reason not in CANCELLATION_REASONS:
        raise ValueError(f"Unknown cancellation reason {reason!r}.")
    current = call(stripe.PaymentIntent.retrieve, payment_intent_id)
    if current["status"] not in NOT_CANCELLABLE:
        try:
            current = call(
                stripe.PaymentIntent.cancel,
                payment_intent_id,
                cancellation_reason=reason,
                idempotency_key=f"pi-cancel:{payment_intent_id}",
            )
        except DomainError:
            # Stripe refused: its state moved on meanwhile (paid), which stands.
            current = call(stripe.PaymentIntent.retrieve, payment_intent_id)
            if current["status"] not in NOT_CANCELLABLE:
                raise
    PaymentIntent.sync_from_stripe_data(current, api_key=api_key())
    return _intent_out(current)


def refund_create(
    *, payment_intent_id: str, amount: int | None = None, reason: str
) -> dict[str, Any]:
    """Give back ``amount`` (minor units; None: all that is left) of a succeeded
    PaymentIntent, ``reason`` one of Stripe's refund reasons. The idempotency key is the
    intent's and the amount's, so a retried call refunds once (two equal partial refunds
    of one payment are one refund). The owning app hears of it through its purpose's
    ``on_refunded`` hook when Stripe sends ``charge.refunded``, as it does for a refund
    made in Stripe's dashboard. Returns ``{id, amount, currency, status}``."""
    require_configured()
    if reason not in REFUND_REASONS:
        raise ValueError(f"Unknown refund reason {reason!r}.")
    params: dict[str, Any] = {"payment_intent": payment_intent_id, "reason": reason}
    if amount is not None:
        params["amount"] = amount
    data = call(
        stripe.Refund.create,
        idempotency_key=f"refund:{payment_intent_id}:{'all' if amount is None else amount}",
        **params,
    )
    return {key: data[key] for key in ("id", "amount", "currency", "status")}


# --- Stripe events (webhooks.py) ----------------------------------------------------------
# One service per event the webhook handles, named after it. dj-stripe has mirrored the
# event's object before these run (webhooks.py), so they read Stripe's current state.


def _subscriber(customer: Customer | None):
    if customer is None:
        return None
    return customer_link(customer=customer).subscriber


@transaction.atomic
def subscription_changed(*, subscription_id: str | None) -> None:
    """A subscription was created, updated, deleted, paused or resumed: refresh the plan."""
    subscription = Subscription.objects.select_related("customer").filter(id=subscription_id)
    subscription = subscription.first()
    user = _subscriber(subscription.customer if subscription else None)
    if user is not None:
        plan_refresh(user=user)


@transaction.atomic
def checkout_completed(*, session: dict[str, Any]) -> None:
    """The subscription a checkout created: mirrored from Stripe now, so the plan does
    not wait for customer.subscription.created."""
    if session.get("mode") != "subscription" or not session.get("subscription"):
        return
    subscription_id = session["subscription"]
    if isinstance(subscription_id, dict):
        subscription_id = subscription_id["id"]
    remote = Subscription(id=subscription_id).api_retrieve(api_key=api_key())
    subscription = subscription_mirror(data=remote)
    user = _subscriber(subscription.customer)
    if user is not None:
        plan_refresh(user=user)


@transaction.atomic
def trial_will_end(*, subscription_id: str | None) -> None:
    """Warn the member, while the subscription is still trialing, that the trial ends."""
    subscription = Subscription.objects.select_related("customer").filter(id=subscription_id)
    subscription = subscription.first()
    user = _subscriber(subscription.customer if subscription else None)
    if user is None or subscription.stripe_data.get("status") != "trialing":
        return
    trial_end = subscription.trial_end
    notify(
        user=user,
        kind="billing_trial_will_end",
        title="Your trial ends soon",
        body=(
            f"Your trial ends on {trial_end:%d %B %Y}. Add a card to keep your plan."
            if trial_end
            else "Your trial ends soon. Add a card to keep your plan."
        ),
        data={"subscription": subscription.id},
    )


@transaction.atomic
def invoice_paid(*, invoice_id: str | None) -> None:
    invoice = Invoice.objects.select_related("customer").filter(id=invoice_id).first()
    user = _subscriber(invoice.customer if invoice else None)
    if user is not None:
        plan_refresh(user=user)


@transaction.atomic
def invoice_payment_failed(*, invoice_id: str | None) -> None:
    """Tell the member (essential: they lose their plan otherwise) and refresh the plan."""
    invoice = Invoice.objects.select_related("customer").filter(id=invoice_id).first()
    user = _subscriber(invoice.customer if invoice else None)
    if user is None:
        return
    data = invoice.stripe_data
    amount = (data.get("amount_due") or 0) / 100
    notify(
        user=user,
        kind="billing_payment_failed",
        title="Your payment failed",
        body=(
            f"We could not collect {amount:.2f} {str(data.get('currency', '')).upper()} for "
            "your subscription. Update your card to keep your plan."
        ),
        data={"invoice": invoice.id, "url": data.get("hosted_invoice_url") or ""},
    )
    plan_refresh(user=user)


@transaction.atomic
def payment_intent_finished(*, payment_intent_id: str | None, event_type: str) -> None:
    """Tell the app that owns the paid object, through its registered purpose."""
    intent = PaymentIntent.objects.filter(id=payment_intent_id).first()
    if intent is None:
        return
    metadata = intent.metadata or {}
    purpose = payments.find(metadata.get("purpose", ""))
    if purpose is None:
        return
    status = intent.stripe_data.get("status")
    if event_type == "payment_intent.succeeded" and status == "succeeded":
        hook = purpose.on_succeeded
    elif event_type == "payment_intent.payment_failed" and status != "succeeded":
        hook = purpose.on_failed
    else:
        # Stripe's current state contradicts the event (an older failure delivered after
        # the success): the current state stands.
        return
    if hook is not None:
        hook(payment_intent=intent, object_id=metadata.get("object_id", ""))


@transaction.atomic
def charge_refunded(*, charge_id: str | None) -> None:
    """Money went back on a charge (billing's refund or one made in Stripe's dashboard):
    tell the app that owns the paid object, with the total refunded so far."""
    charge = Charge.objects.filter(id=charge_id).first()
    if charge is None:
        return
    data = charge.stripe_data or {}
    intent_id = data.get("payment_intent")
    if isinstance(intent_id, dict):
        intent_id = intent_id.get("id")
    intent = PaymentIntent.objects.filter(id=intent_id).first() if intent_id else None
    if intent is None:
        return
    metadata = intent.metadata or {}
    purpose = payments.find(metadata.get("purpose", ""))
    if purpose is None or purpose.on_refunded is None:
        return
    purpose.on_refunded(
        payment_intent=intent,
        object_id=metadata.get("object_id", ""),
        amount_refunded=int(data.get("amount_refunded") or 0),
    )


# --- Plans and the webhook endpoint -------------------------------------------------------


def plans_sync() -> dict[str, int]:
    """Mirror every product and price from Stripe (``manage.py sync_plans``)."""
    from djstripe.models import Price, Product

    require_configured()
    counts = {}
    for model in (Product, Price):
        synced = 0
        for data in model.api_list(api_key=api_key()):
            model.sync_from_stripe_data(data, api_key=api_key())
            synced += 1
        counts[model._meta.label_lower] = synced
    return counts


DEMO_MARK = "demo"


@transaction.atomic
def demo_plans_create() -> list[str]:
    """Local products and prices for every paid plan, for a laptop without Stripe. They
    never existed in Stripe: ids start with ``demo_`` and their metadata says ``demo``."""
    from djstripe.models import Price, Product

    created = []
    for position, name in enumerate(entitlements.plan_names()):
        if entitlements.plan_rank(name) == 0:
            continue
        product_id, price_id = f"demo_prod_{name}", f"demo_price_{name}_monthly"
        metadata = {DEMO_MARK: "true", "plan": name}
        product, _ = Product.objects.update_or_create(
            id=product_id,
            defaults={
                "name": f"{name.title()} (demo, not in Stripe)",
                "active": True,
                "livemode": False,
                "metadata": metadata,
                "stripe_data": {"id": product_id, "object": "product", "type": "service"},
            },
        )
        amount = 900 * position
        Price.objects.update_or_create(
            id=price_id,
            defaults={
                "product": product,
                "active": True,
                "currency": "eur",
                "nickname": f"{name} monthly (demo)",
                "livemode": False,
                "metadata": metadata,
                "stripe_data": {
                    "id": price_id,
                    "object": "price",
                    "type": "recurring",
                    "unit_amount": amount,
                    "recurring": {"interval": "month", "interval_count": 1},
                },
            },
        )
        created.append(price_id)
    return created


def webhook_endpoint_ensure() -> WebhookEndpoint | None:
    """The local WebhookEndpoint row dj-stripe verifies signatures with, from
    ``STRIPE_WEBHOOK_UUID`` and ``STRIPE_WEBHOOK_SECRET``; None when they are unset."""
    endpoint_uuid, secret = settings.STRIPE_WEBHOOK_UUID, settings.STRIPE_WEBHOOK_SECRET
    if not endpoint_uuid or not secret:
        return None
    endpoint_uuid = uuid.UUID(str(endpoint_uuid))
    endpoint, _ = WebhookEndpoint.objects.update_or_create(
        djstripe_uuid=endpoint_uuid,
        defaults={
            "id": f"we_env_{endpoint_uuid.hex[:20]}",
            "secret": secret,
            "livemode": selectors.livemode(),
            "url": f"{public_url()}/api/v1/stripe/webhook/{endpoint_uuid}/",
            "enabled_events": ["*"],
            "status": "enabled",
            "api_version": djstripe_settings.STRIPE_API_VERSION,
            "djstripe_validation_method": settings.DJSTRIPE_WEBHOOK_VALIDATION,
        },
    )
    return endpoint
