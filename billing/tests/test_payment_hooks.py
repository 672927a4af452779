"""A payment purpose's own idempotency key, cancelling an intent nobody will pay, refunds,
and ``charge.refunded`` reaching the owner of the paid object, against the fake Stripe."""

import pytest
from django.core.checks import run_checks

from billing import payments, services
from core.exceptions import DomainError

from .conftest import customer_for, event
from .fake_stripe import example

pytestmark = pytest.mark.django_db

refunds_heard: list[tuple[str, str, int]] = []


# The keyed purpose's hooks, by dotted path as apps declare them.
def client_key(*, user, object_id: str) -> str:
    return f"thing:{object_id}"


def refunded(*, payment_intent, object_id: str, amount_refunded: int) -> None:
    refunds_heard.append((payment_intent.id, object_id, amount_refunded))


def refunded_without_amount(*, payment_intent, object_id: str) -> None:
    """Does not accept ``amount_refunded``: the system check names it."""


@pytest.fixture
def keyed():
    """A purpose with its own idempotency key and a refund hook."""
    refunds_heard.clear()
    payments.register(
        "test.keyed",
        price="billing.tests.hooks.price",
        client_key="billing.tests.test_payment_hooks.client_key",
        on_refunded="billing.tests.test_payment_hooks.refunded",
    )
    yield refunds_heard
    payments.unregister("test.keyed")


def intent_in_stripe(fake, *, customer: str, status: str, **extra) -> dict:
    fields = {
        "customer": customer,
        "status": status,
        "amount": 4500,
        "currency": "eur",
        "metadata": {"purpose": "test.keyed", "object_id": "thing-1"},
        "transfer_data": None,
        "payment_method_configuration_details": None,
        "last_payment_error": None,
        "next_action": None,
        "latest_charge": None,
        **extra,
    }
    return fake.put(example("payment_intent", id=fake.new_id("pi_"), **fields))


# --- the purpose's own key ------------------------------------------------------------------


def test_the_purposes_key_wins_over_the_clients_so_one_object_has_one_intent(
    member, member_api, fake_stripe, keyed
):
    # given: the owning app made the intent with its own key
    made = services.payment_intent_create(
        user=member, purpose="test.keyed", object_id="thing-1", client_key="whatever"
    )

    # when: the client asks to pay for the same object with its own Idempotency-Key
    response = member_api.post(
        "/api/v1/billing/payment-intents",
        {"purpose": "test.keyed", "object": "thing-1"},
        HTTP_IDEMPOTENCY_KEY="client-key-1",
    )

    # then: the same intent, one intent made at Stripe
    assert response.status_code == 201
    assert response.json()["id"] == made["id"]
    assert response.json()["client_secret"] == made["client_secret"]
    creates = [r for r in fake_stripe.writes() if r.path == "/v1/payment_intents"]
    assert len(creates) == 2
    assert creates[0].idempotency_key == creates[1].idempotency_key
    assert len([o for o in fake_stripe.objects.values() if o["object"] == "payment_intent"]) == 1


def test_without_a_purpose_key_the_clients_key_decides(member, fake_stripe, purpose):
    # when
    first = services.payment_intent_create(
        user=member, purpose="test.booking", object_id="b-1", client_key="one"
    )
    second = services.payment_intent_create(
        user=member, purpose="test.booking", object_id="b-1", client_key="two"
    )

    # then
    assert first["id"] != second["id"]


# --- cancelling an intent -------------------------------------------------------------------


def test_an_unpaid_intent_is_cancelled_with_stripes_reason(member, fake_stripe):
    # given
    customer = customer_for(fake_stripe, member)
    intent = intent_in_stripe(fake_stripe, customer=customer.id, status="requires_payment_method")

    # when: asked twice (a retried task)
    first = services.payment_intent_cancel(payment_intent_id=intent["id"], reason="abandoned")
    again = services.payment_intent_cancel(payment_intent_id=intent["id"], reason="abandoned")

    # then: cancelled once
    assert (first["status"], again["status"]) == ("canceled", "canceled")
    assert fake_stripe.get(intent["id"])["cancellation_reason"] == "abandoned"
    cancels = [r for r in fake_stripe.writes() if r.path.endswith("/cancel")]
    assert len(cancels) == 1
    assert cancels[0].params == {"cancellation_reason": "abandoned"}
    assert cancels[0].idempotency_key == f"pi-cancel:{intent['id']}"


@pytest.mark.parametrize("status", ["succeeded", "processing"])
def test_a_paid_or_processing_intent_is_left_for_the_webhook(member, fake_stripe, status):
    # given
    customer = customer_for(fake_stripe, member)
    intent = intent_in_stripe(fake_stripe, customer=customer.id, status=status)

    # when
    result = services.payment_intent_cancel(
        payment_intent_id=intent["id"], reason="requested_by_customer"
    )

    # then: no cancel was sent
    assert result["status"] == status
    assert [r for r in fake_stripe.writes() if r.path.endswith("/cancel")] == []


def test_an_intent_paid_between_the_look_and_the_cancel_stands(member, fake_stripe):
    # given: the customer finishes paying just as the cancel reaches Stripe
    customer = customer_for(fake_stripe, member)
    intent = intent_in_stripe(fake_stripe, customer=customer.id, status="requires_action")
    answer = fake_stripe.handle

    def paid_before_the_cancel(method, path, params):
        if path.endswith("/cancel"):
            fake_stripe.objects[intent["id"]]["status"] = "succeeded"
        return answer(method, path, params)

    fake_stripe.handle = paid_before_the_cancel

    # when: Stripe refuses the cancel
    result = services.payment_intent_cancel(payment_intent_id=intent["id"], reason="abandoned")

    # then: Stripe's current state stands
    assert result["status"] == "succeeded"
    assert [r.path for r in fake_stripe.writes()][-1].endswith("/cancel")


def test_a_cancel_reason_stripe_does_not_know_is_a_programming_error(member, fake_stripe):
    with pytest.raises(ValueError, match="cancellation reason"):
        services.payment_intent_cancel(payment_intent_id="pi_x", reason="changed_my_mind")
    assert fake_stripe.received == []


def test_an_unknown_intent_is_stripes_refusal(fake_stripe):
    # given
    fake_stripe.missing.add("pi_gone")

    # when / then
    with pytest.raises(DomainError) as refused:
        services.payment_intent_cancel(payment_intent_id="pi_gone", reason="abandoned")
    assert refused.value.code == "stripe_invalid_request"


# --- refunds --------------------------------------------------------------------------------


def test_a_full_refund_is_made_once(member, fake_stripe):
    # given
    customer = customer_for(fake_stripe, member)
    intent = intent_in_stripe(fake_stripe, customer=customer.id, status="succeeded")

    # when: asked twice
    first = services.refund_create(payment_intent_id=intent["id"], reason="requested_by_customer")
    again = services.refund_create(payment_intent_id=intent["id"], reason="requested_by_customer")

    # then
    assert first == again
    assert first["amount"] == 4500
    assert (first["currency"], first["status"]) == ("eur", "succeeded")
    refunds = [o for o in fake_stripe.objects.values() if o["object"] == "refund"]
    assert len(refunds) == 1
    sent = [r for r in fake_stripe.writes() if r.path == "/v1/refunds"][0]
    assert sent.params == {"payment_intent": intent["id"], "reason": "requested_by_customer"}


def test_a_partial_refund_names_its_amount(member, fake_stripe):
    # given
    customer = customer_for(fake_stripe, member)
    intent = intent_in_stripe(fake_stripe, customer=customer.id, status="succeeded")

    # when
    refund = services.refund_create(
        payment_intent_id=intent["id"], amount=1000, reason="requested_by_customer"
    )

    # then
    assert refund["amount"] == 1000
    sent = [r for r in fake_stripe.writes() if r.path == "/v1/refunds"][0]
    assert sent.params["amount"] == 1000
    assert sent.idempotency_key == f"refund:{intent['id']}:1000"


def test_without_keys_no_refund_is_asked(no_keys):
    from billing.stripe_api import BillingUnavailable

    with pytest.raises(BillingUnavailable):
        services.refund_create(payment_intent_id="pi_x", reason="requested_by_customer")


# --- charge.refunded ------------------------------------------------------------------------


def refunded_charge(fake, *, customer: str, intent: dict, amount_refunded: int) -> dict:
    charge = example(
        "charge",
        id=fake.new_id("ch_"),
        customer=customer,
        payment_intent=intent["id"],
        amount=intent["amount"],
        currency=intent["currency"],
        amount_refunded=amount_refunded,
        refunded=amount_refunded == intent["amount"],
        balance_transaction=None,
        payment_method=None,
        invoice=None,
        on_behalf_of=None,
        source_transfer=None,
        transfer=None,
        application=None,
        application_fee=None,
        review=None,
    )
    return fake.put(charge)


@pytest.fixture
def customer(fake_stripe, webhook_endpoint, member):
    return customer_for(fake_stripe, member)


def test_a_refund_made_in_stripes_dashboard_reaches_the_owner(
    fake_stripe, customer, post_event, keyed
):
    # given: a payment of the keyed purpose, 1,000 of it refunded in the dashboard
    intent = intent_in_stripe(fake_stripe, customer=customer.id, status="succeeded")
    charge = refunded_charge(fake_stripe, customer=customer.id, intent=intent, amount_refunded=1000)

    # when: the event arrives, twice (Stripe's retry of one event)
    first = post_event(event("charge.refunded", charge, event_id="evt_refund_1"))
    again = post_event(event("charge.refunded", charge, event_id="evt_refund_1"))

    # then: heard once, with the total refunded
    assert (first.status_code, again.status_code) == (200, 200)
    assert keyed == [(intent["id"], "thing-1", 1000)]


def test_a_refund_of_a_payment_without_a_purpose_is_ignored(
    fake_stripe, customer, post_event, keyed
):
    # given
    intent = intent_in_stripe(fake_stripe, customer=customer.id, status="succeeded", metadata={})
    charge = refunded_charge(fake_stripe, customer=customer.id, intent=intent, amount_refunded=4500)

    # when
    response = post_event(event("charge.refunded", charge))

    # then
    assert response.status_code == 200
    assert keyed == []


# --- the system check -----------------------------------------------------------------------


def test_a_refund_hook_without_the_amount_keyword_fails_the_check():
    # given
    payments.register(
        "test.broken",
        price="billing.tests.hooks.price",
        client_key="billing.tests.test_payment_hooks.client_key",
        on_refunded="billing.tests.test_payment_hooks.refunded_without_amount",
    )
    try:
        # when
        errors = [e for e in run_checks() if e.id == "billing.E001"]
    finally:
        payments.unregister("test.broken")

    # then
    assert len(errors) == 1
    assert "'test.broken' on_refunded" in errors[0].msg
    assert "amount_refunded" in errors[0].msg
