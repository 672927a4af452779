"""Stripe events signed with the test secret, posted to dj-stripe's real endpoint; dj-stripe
re-retrieves every object from the fake Stripe API, as it would from Stripe."""

import datetime as dt
import logging

import pytest
from django.core.management import call_command
from djstripe.models import Event, Subscription, WebhookEventTrigger

from accounts.selectors import plan_for
from ai import quotas
from billing import payments, selectors
from notifications.models import Notification

from .conftest import PREMIUM_PRICE, customer_for, event, subscription_data
from .fake_stripe import example

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(fake_stripe, prices, webhook_endpoint, member):
    return customer_for(fake_stripe, member)


def test_completed_checkout_makes_the_member_premium_with_premium_quotas(
    fake_stripe, customer, member, post_event, django_capture_on_commit_callbacks
):
    # given: Stripe created the subscription the checkout sold
    sub = subscription_data(fake_stripe, customer=customer.id, price=PREMIUM_PRICE)
    session = example(
        "checkout.session",
        id="cs_test_done",
        mode="subscription",
        customer=customer.id,
        subscription=sub["id"],
        status="complete",
        payment_intent=None,
        invoice=None,
        setup_intent=None,
    )
    fake_stripe.put(session)
    assert plan_for(member) == "free"

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(event("checkout.session.completed", session))

    # then
    assert response.status_code == 200
    assert plan_for(member) == "premium"
    assert Subscription.objects.get().id == sub["id"]
    assert quotas.daily_limit(plan=plan_for(member), feature="ai.text_summary") == 200
    quotas.take(user=member, feature="ai.text_summary", cost=150)


def test_cancellation_returns_the_member_to_free(fake_stripe, customer, member, post_event):
    # given
    sub = subscription_data(fake_stripe, customer=customer.id, price=PREMIUM_PRICE)
    post_event(event("customer.subscription.created", sub))
    assert plan_for(member) == "premium"
    sub = fake_stripe.put({**sub, "status": "canceled", "ended_at": sub["created"]})

    # when
    response = post_event(event("customer.subscription.deleted", sub))

    # then
    assert response.status_code == 200
    assert plan_for(member) == "free"
    assert selectors.current_subscription(member) is None


@pytest.mark.parametrize(
    ("days_past_due", "plan"), [(1, "premium"), (6, "premium"), (8, "free"), (30, "free")]
)
def test_past_due_keeps_the_plan_for_the_grace_period_then_free(
    fake_stripe, customer, member, post_event, days_past_due, plan
):
    # given: the renewal period began days_past_due days ago and its invoice is unpaid
    sub = subscription_data(
        fake_stripe,
        customer=customer.id,
        price=PREMIUM_PRICE,
        status="past_due",
        started_days_ago=days_past_due,
    )

    # when
    post_event(event("customer.subscription.updated", sub))

    # then
    assert plan_for(member) == plan


def test_grace_ends_on_its_own_without_another_event(fake_stripe, customer, member, post_event):
    # given
    sub = subscription_data(
        fake_stripe, customer=customer.id, price=PREMIUM_PRICE, status="past_due"
    )
    post_event(event("customer.subscription.updated", sub))

    # when / then
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=7)
    assert selectors.entitlement(member)[0] == "premium"
    assert selectors.entitlement(member, now=later)[0] == "free"


@pytest.mark.parametrize("status", ["unpaid", "incomplete_expired", "incomplete", "canceled"])
def test_statuses_without_service_are_free(fake_stripe, customer, member, post_event, status):
    sub = subscription_data(fake_stripe, customer=customer.id, price=PREMIUM_PRICE, status=status)
    post_event(event("customer.subscription.updated", sub))
    assert plan_for(member) == "free"


def test_failed_payment_notifies_the_member(fake_stripe, customer, member, post_event):
    # given
    invoice = example(
        "invoice",
        id="in_failed",
        customer=customer.id,
        status="open",
        amount_due=900,
        currency="eur",
        hosted_invoice_url="https://invoice.stripe.com/i/in_failed",
        subscription=None,
        parent=None,
        discounts=[],
        lines={"object": "list", "data": [], "has_more": False, "url": "/v1/invoices/x/lines"},
    )
    fake_stripe.put(invoice)

    # when
    response = post_event(event("invoice.payment_failed", invoice))

    # then
    assert response.status_code == 200
    notification = Notification.objects.get(user=member)
    assert notification.kind == "billing_payment_failed"
    assert notification.title == "Your payment failed"
    assert notification.body == (
        "We could not collect 9.00 EUR for your subscription. Update your card to keep your plan."
    )
    assert notification.data == {
        "invoice": "in_failed",
        "url": "https://invoice.stripe.com/i/in_failed",
    }


def test_trial_ending_notifies_the_member(fake_stripe, customer, member, post_event):
    # given
    trial_end = 1_900_000_000
    sub = subscription_data(
        fake_stripe,
        customer=customer.id,
        price=PREMIUM_PRICE,
        status="trialing",
        trial_end=trial_end,
    )

    # when
    post_event(event("customer.subscription.trial_will_end", sub))

    # then
    notification = Notification.objects.get(user=member)
    assert notification.kind == "billing_trial_will_end"
    assert notification.body == ("Your trial ends on 17 March 2030. Add a card to keep your plan.")
    assert plan_for(member) == "premium"


def test_the_same_event_twice_is_handled_once(fake_stripe, customer, member, post_event):
    # given
    invoice = example(
        "invoice",
        id="in_twice",
        customer=customer.id,
        subscription=None,
        parent=None,
        discounts=[],
        lines={"object": "list", "data": [], "has_more": False, "url": "/v1/invoices/x/lines"},
    )
    fake_stripe.put(invoice)
    payload = event("invoice.payment_failed", invoice, event_id="evt_twice")

    # when
    first, second = post_event(payload), post_event(payload)

    # then
    assert (first.status_code, second.status_code) == (200, 200)
    assert Event.objects.filter(id="evt_twice").count() == 1
    assert Notification.objects.filter(user=member).count() == 1


def test_an_older_event_after_a_newer_one_leaves_the_newest_state(
    fake_stripe, customer, member, post_event
):
    # given: Stripe's subscription is canceled now; the events arrive newest first
    sub = subscription_data(fake_stripe, customer=customer.id, price=PREMIUM_PRICE)
    older = event("customer.subscription.created", sub, created=sub["created"] - 60)
    canceled = fake_stripe.put({**sub, "status": "canceled"})
    newer = event("customer.subscription.deleted", canceled, created=sub["created"])

    # when
    post_event(newer)
    post_event(older)

    # then
    assert Subscription.objects.get(id=sub["id"]).stripe_data["status"] == "canceled"
    assert plan_for(member) == "free"


def test_a_bad_signature_is_refused_and_changes_nothing(
    fake_stripe, customer, member, post_event, caplog
):
    # given
    sub = subscription_data(fake_stripe, customer=customer.id, price=PREMIUM_PRICE)
    requests_before = len(fake_stripe.received)

    # when
    with caplog.at_level(logging.ERROR, logger="billing.webhooks"):
        response = post_event(event("customer.subscription.created", sub), secret="whsec_wrong")

    # then
    assert response.status_code == 400
    assert Event.objects.count() == 0
    assert Subscription.objects.count() == 0
    assert len(fake_stripe.received) == requests_before
    assert WebhookEventTrigger.objects.get().valid is False
    assert "STRIPE_WEBHOOK_SECRET" in caplog.text
    assert plan_for(member) == "free"


def test_a_failing_handler_keeps_the_event_for_reprocessing(
    fake_stripe, customer, member, post_event, purpose
):
    # given: the app that owns the paid object fails the first time
    intent = example(
        "payment_intent",
        id="pi_flaky",
        customer=customer.id,
        status="succeeded",
        metadata={"purpose": "test.booking", "object_id": "booking-1"},
        transfer_data=None,
        payment_method_configuration_details=None,
        last_payment_error=None,
        next_action=None,
    )
    fake_stripe.put(intent)
    payments.unregister("test.booking")
    payments.register(
        "test.booking",
        price="billing.tests.hooks.no_price",
        on_succeeded="billing.tests.hooks.flaky",
    )

    # when
    with pytest.raises(RuntimeError):
        post_event(event("payment_intent.succeeded", intent, event_id="evt_flaky"))

    # then: nothing is kept but the request, with its traceback
    trigger = WebhookEventTrigger.objects.get()
    assert (trigger.valid, trigger.processed) == (True, False)
    assert "the booking service is down" in trigger.exception
    assert Event.objects.count() == 0

    # when: reprocessed by the operator
    call_command("billing_reprocess_webhooks")

    # then
    trigger.refresh_from_db()
    assert trigger.processed is True
    assert Event.objects.filter(id="evt_flaky").count() == 1
    assert purpose == [("succeeded", "pi_flaky", "booking-1")]


@pytest.mark.parametrize(
    ("kind", "status", "heard"),
    [
        ("payment_intent.succeeded", "succeeded", [("succeeded", "pi_x", "booking-7")]),
        (
            "payment_intent.payment_failed",
            "requires_payment_method",
            [("failed", "pi_x", "booking-7")],
        ),
        ("payment_intent.payment_failed", "succeeded", []),
    ],
)
def test_payment_outcomes_reach_the_owner_of_the_paid_object(
    fake_stripe, customer, post_event, purpose, kind, status, heard
):
    # given
    intent = example(
        "payment_intent",
        id="pi_x",
        customer=customer.id,
        status=status,
        metadata={"purpose": "test.booking", "object_id": "booking-7"},
        transfer_data=None,
        payment_method_configuration_details=None,
        last_payment_error=None,
        next_action=None,
    )
    fake_stripe.put(intent)

    # when
    response = post_event(event(kind, intent))

    # then
    assert response.status_code == 200
    assert purpose == heard
