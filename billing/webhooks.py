"""Stripe events, heard through dj-stripe's signals. dj-stripe verifies the signature,
stores the Event once (a replayed event id is not handled again) and, before these
handlers run, re-retrieves the object from Stripe and mirrors it, so the rows read here
are Stripe's current state whatever order the events arrive in. A handler that raises
rolls the event back; dj-stripe keeps the request (WebhookEventTrigger, with the
traceback) for the admin's "reprocess" action or ``manage.py billing_reprocess_webhooks``,
and Stripe retries it."""

from __future__ import annotations

import logging

from django.dispatch import receiver
from djstripe import signals
from djstripe.event_handlers import djstripe_receiver
from djstripe.models import Customer, Event, Invoice, PaymentIntent, Subscription

from notifications.services import notify

from . import payments, services

logger = logging.getLogger(__name__)


@receiver(signals.webhook_post_validate)
def warn_on_bad_signature(sender, instance, valid, **kwargs) -> None:
    if not valid:
        logger.error(
            "REJECTED a Stripe webhook to endpoint %s from %s: the signature does not match. "
            "Hint: STRIPE_WEBHOOK_SECRET must be the signing secret (whsec_...) of this very "
            "endpoint in the Stripe dashboard (or of `stripe listen`), then run "
            "`manage.py billing_webhook_setup`; test and live mode endpoints have different "
            "secrets.",
            getattr(instance.webhook_endpoint, "djstripe_uuid", None),
            instance.remote_ip,
        )


def _subscriber(customer: Customer | None):
    if customer is None:
        return None
    return services.customer_link(customer=customer).subscriber


def _object_id(event: Event) -> str | None:
    return (event.data.get("object") or {}).get("id")


@djstripe_receiver(
    [
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
    ]
)
def subscription_changed(sender, event: Event, **kwargs) -> None:
    subscription = Subscription.objects.select_related("customer").filter(id=_object_id(event))
    subscription = subscription.first()
    user = _subscriber(subscription.customer if subscription else None)
    if user is not None:
        services.plan_refresh(user=user)


@djstripe_receiver("checkout.session.completed")
def checkout_completed(sender, event: Event, **kwargs) -> None:
    """The subscription a checkout created: mirrored from Stripe now, so the plan does
    not wait for customer.subscription.created."""
    session = event.data.get("object") or {}
    if session.get("mode") != "subscription" or not session.get("subscription"):
        return
    subscription_id = session["subscription"]
    if isinstance(subscription_id, dict):
        subscription_id = subscription_id["id"]
    remote = Subscription(id=subscription_id).api_retrieve(api_key=services.api_key())
    subscription = services._mirror(remote)
    user = _subscriber(subscription.customer)
    if user is not None:
        services.plan_refresh(user=user)


@djstripe_receiver("customer.subscription.trial_will_end")
def trial_will_end(sender, event: Event, **kwargs) -> None:
    subscription = Subscription.objects.select_related("customer").filter(id=_object_id(event))
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


@djstripe_receiver("invoice.paid")
def invoice_paid(sender, event: Event, **kwargs) -> None:
    invoice = Invoice.objects.select_related("customer").filter(id=_object_id(event)).first()
    user = _subscriber(invoice.customer if invoice else None)
    if user is not None:
        services.plan_refresh(user=user)


@djstripe_receiver("invoice.payment_failed")
def invoice_payment_failed(sender, event: Event, **kwargs) -> None:
    invoice = Invoice.objects.select_related("customer").filter(id=_object_id(event)).first()
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
    services.plan_refresh(user=user)


@djstripe_receiver(["payment_intent.succeeded", "payment_intent.payment_failed"])
def payment_intent_finished(sender, event: Event, **kwargs) -> None:
    """Tell the app that owns the paid object, through its registered purpose."""
    intent = PaymentIntent.objects.filter(id=_object_id(event)).first()
    if intent is None:
        return
    metadata = intent.metadata or {}
    purpose = payments.find(metadata.get("purpose", ""))
    if purpose is None:
        return
    status = intent.stripe_data.get("status")
    if event.type == "payment_intent.succeeded" and status == "succeeded":
        hook = purpose.on_succeeded
    elif event.type == "payment_intent.payment_failed" and status != "succeeded":
        hook = purpose.on_failed
    else:
        # Stripe's current state contradicts the event (an older failure delivered after
        # the success): the current state stands.
        return
    if hook is not None:
        hook(intent, metadata.get("object_id", ""))
