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
from djstripe.models import Event

from . import services

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


def _object_id(event: Event) -> str | None:
    return (event.data.get("object") or {}).get("id")


# Each handler hands its event to the service named after it (services.py, "Stripe events").


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
    services.subscription_changed(subscription_id=_object_id(event))


@djstripe_receiver("checkout.session.completed")
def checkout_completed(sender, event: Event, **kwargs) -> None:
    services.checkout_completed(session=event.data.get("object") or {})


@djstripe_receiver("customer.subscription.trial_will_end")
def trial_will_end(sender, event: Event, **kwargs) -> None:
    services.trial_will_end(subscription_id=_object_id(event))


@djstripe_receiver("invoice.paid")
def invoice_paid(sender, event: Event, **kwargs) -> None:
    services.invoice_paid(invoice_id=_object_id(event))


@djstripe_receiver("invoice.payment_failed")
def invoice_payment_failed(sender, event: Event, **kwargs) -> None:
    services.invoice_payment_failed(invoice_id=_object_id(event))


@djstripe_receiver(["payment_intent.succeeded", "payment_intent.payment_failed"])
def payment_intent_finished(sender, event: Event, **kwargs) -> None:
    services.payment_intent_finished(payment_intent_id=_object_id(event), event_type=event.type)


@djstripe_receiver("charge.refunded")
def charge_refunded(sender, event: Event, **kwargs) -> None:
    services.charge_refunded(charge_id=_object_id(event))
