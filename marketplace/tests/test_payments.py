"""Paid sessions (docs/API.md, marketplace and billing): a priced booking is held with one
PaymentIntent, confirmed only by Stripe's signed webhook, expired when abandoned (its
intent cancelled) and refunded by the coach's policy, against billing's fake Stripe on
127.0.0.1. The coach works Mondays 09:00-17:00 New York time (14:00-22:00Z in January)."""

import datetime as dt
import logging

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from billing.tests.conftest import (  # noqa: F401  (fixtures)
    API_KEY,
    WEBHOOK_SECRET,
    WEBHOOK_UUID,
    event,
    fake_stripe,
    post_event,
    webhook_endpoint,
)
from billing.tests.fake_stripe import example
from core import privacy as core_privacy
from marketplace import tasks
from marketplace.models import Booking

from .factories import CoachFactory, CourseFactory, WeeklyRuleFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/marketplace/bookings"
INTENTS = "/api/v1/billing/payment-intents"
NOW = dt.datetime(2027, 1, 1, 12, 0, tzinfo=dt.UTC)  # a Friday
MONDAY = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
HOLD = dt.timedelta(minutes=15)


@pytest.fixture(autouse=True)
def _stripe_settings(settings):
    """Billing configured against the fake Stripe, as billing's own tests set it."""
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_TEST_SECRET_KEY = API_KEY
    settings.STRIPE_LIVE_MODE = False
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_UUID = str(WEBHOOK_UUID)
    settings.MARKETPLACE_HOLD_MINUTES = 15


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def course(db):
    coach = CoachFactory(free_cancel_hours=24, reschedule_limit=2)
    WeeklyRuleFactory(coach=coach, weekday=0)
    return CourseFactory(coach=coach, price_amount=5000, currency="usd")


@pytest.fixture
def client_user(db):
    return UserFactory(profile__display_name="Ada Lovelace")


@pytest.fixture
def client_api(client_user):
    return client_for(client_user)


def z(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def book(client, course, start=MONDAY, **extra):
    headers = {}
    if "key" in extra:
        headers["HTTP_IDEMPOTENCY_KEY"] = extra.pop("key")
    return client.post(
        API, {"course": str(course.pk), "start": z(start), **extra}, format="json", **headers
    )


def intents_at(fake) -> list[dict]:
    return [o for o in fake.objects.values() if o["object"] == "payment_intent"]


def requests_to(fake, suffix: str) -> list:
    return [r for r in fake.writes() if r.path.endswith(suffix)]


def pay(fake, post, booking: Booking, *, event_id: str | None = None):
    """The client pays at Stripe, which then sends its signed ``payment_intent.succeeded``."""
    fake.objects[booking.payment_intent_id]["status"] = "succeeded"
    return post(
        event("payment_intent.succeeded", fake.get(booking.payment_intent_id), event_id=event_id)
    )


@pytest.fixture
def paid(fake_stripe, webhook_endpoint, post_event, client_api, course):  # noqa: F811
    """A booking paid through the whole flow: held, intent, webhook."""
    response = book(client_api, course)
    booking = Booking.objects.get(pk=response.json()["id"])
    assert pay(fake_stripe, post_event, booking).status_code == 200
    booking.refresh_from_db()
    assert (booking.status, booking.payment_status) == ("confirmed", "paid")
    return booking


# --- holds and their one intent -------------------------------------------------------------


def test_a_priced_booking_is_held_with_the_servers_price_and_one_intent(
    fake_stripe,  # noqa: F811
    client_api,
    course,
    client_user,
):
    # when: an amount in the body is ignored
    response = book(client_api, course, amount=1, key="book-1")

    # then
    assert response.status_code == 201
    body = response.json()
    booking = Booking.objects.get()
    intent = fake_stripe.get(booking.payment_intent_id)
    assert body["status"] == "held"
    assert body["hold_expires_at"] == z(NOW + HOLD)
    assert body["price"] == {"amount": 5000, "currency": "usd"}
    assert body["payment"] == {
        "id": intent["id"],
        "client_secret": intent["client_secret"],
        "amount": 5000,
        "currency": "usd",
    }
    assert (intent["amount"], intent["currency"]) == (5000, "usd")
    assert intent["metadata"]["purpose"] == "marketplace.booking"
    assert intent["metadata"]["object_id"] == str(booking.pk)
    assert body["payment_status"] == "pending"
    assert body["refund"] is None


def test_a_replay_with_the_idempotency_key_returns_the_same_booking_and_secret(
    fake_stripe,  # noqa: F811
    client_api,
    course,
):
    # given
    first = book(client_api, course, key="book-1")

    # when
    again = book(client_api, course, key="book-1")

    # then
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["payment"] == first.json()["payment"]
    assert Booking.objects.count() == 1
    assert len(intents_at(fake_stripe)) == 1


def test_the_callers_own_live_hold_is_200_with_the_same_intent(
    fake_stripe,  # noqa: F811
    client_api,
    course,
):
    # given
    first = book(client_api, course)

    # when: booked again without a key (another tab)
    again = book(client_api, course)

    # then
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["payment"]["id"] == first.json()["payment"]["id"]
    assert again.json()["payment"]["client_secret"] == first.json()["payment"]["client_secret"]
    assert len(intents_at(fake_stripe)) == 1


def test_paying_through_billing_reaches_the_bookings_one_intent(
    fake_stripe,  # noqa: F811
    client_api,
    course,
):
    # given
    held = book(client_api, course).json()

    # when: the app asks billing for the booking's intent, with its own key
    response = client_api.post(
        INTENTS,
        {"purpose": "marketplace.booking", "object": held["id"]},
        HTTP_IDEMPOTENCY_KEY="pay-1",
    )

    # then
    assert response.status_code == 201
    assert response.json()["id"] == held["payment"]["id"]
    assert response.json()["client_secret"] == held["payment"]["client_secret"]
    assert len(intents_at(fake_stripe)) == 1


def test_another_members_booking_is_not_theirs_to_pay(fake_stripe, client_api, course):  # noqa: F811
    # given
    held = book(client_api, course).json()

    # when
    response = client_for(UserFactory()).post(
        INTENTS, {"purpose": "marketplace.booking", "object": held["id"]}
    )

    # then
    assert response.status_code == 404
    assert errors_of(response) == [{"code": "not_found", "attr": None}]


def test_a_booking_that_is_not_held_is_not_payable(
    fake_stripe,  # noqa: F811
    webhook_endpoint,  # noqa: F811
    post_event,  # noqa: F811
    client_api,
    paid,
):
    # when: paying again for a confirmed booking
    response = client_api.post(INTENTS, {"purpose": "marketplace.booking", "object": str(paid.pk)})

    # then
    assert response.status_code == 409
    assert errors_of(response) == [{"code": "not_payable", "attr": None}]
    assert len(intents_at(fake_stripe)) == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"purpose": "marketplace.booking"}, {"code": "required", "attr": "object"}),
        ({"object": "x"}, {"code": "required", "attr": "purpose"}),
    ],
)
def test_paying_for_a_booking_with_bad_input_is_400(fake_stripe, client_api, body, error):  # noqa: F811
    response = client_api.post(INTENTS, body)

    assert response.status_code == 400
    assert errors_of(response) == [error]
    assert fake_stripe.writes() == []


def test_paying_for_a_booking_needs_a_signed_in_member(api, fake_stripe, course):  # noqa: F811
    response = api.post(INTENTS, {"purpose": "marketplace.booking", "object": "x"})

    assert response.status_code == 401
    assert fake_stripe.writes() == []


def test_when_the_intent_cannot_be_made_the_hold_expires_and_the_error_goes_through(
    fake_stripe,  # noqa: F811
    client_api,
    course,
):
    # given: Stripe cannot be reached
    fake_stripe.stop()

    # when
    response = book(client_api, course)

    # then
    assert response.status_code == 503
    assert errors_of(response) == [{"code": "stripe_unavailable", "attr": None}]
    booking = Booking.objects.get()
    assert (booking.status, booking.payment_status) == ("expired", "none")
    assert sorted(booking.events.values_list("action", "reason")) == [
        ("expired", "The payment could not be started (stripe_unavailable)."),
        ("held", ""),
    ]


# --- abandoned payments ---------------------------------------------------------------------


def test_an_abandoned_payment_frees_the_slot_at_the_coachs_next_booking(
    fake_stripe,  # noqa: F811
    client_api,
    course,
    clock,
    django_capture_on_commit_callbacks,
):
    # given: a hold whose client walked away
    first = book(client_api, course).json()
    clock.move_to(NOW + HOLD + dt.timedelta(minutes=1))

    # when: someone else books the same time
    with django_capture_on_commit_callbacks(execute=True):
        response = book(client_for(UserFactory()), course)

    # then: theirs; the lapsed hold expired and its intent was cancelled at Stripe
    assert response.status_code == 201
    lapsed = Booking.objects.get(pk=first["id"])
    assert (lapsed.status, lapsed.payment_status) == ("expired", "none")
    intent = fake_stripe.get(first["payment"]["id"])
    assert (intent["status"], intent["cancellation_reason"]) == ("canceled", "abandoned")


def test_the_beat_task_expires_lapsed_holds_and_cancels_their_intents(
    fake_stripe,  # noqa: F811
    client_api,
    client_user,
    course,
    clock,
    django_capture_on_commit_callbacks,
):
    # given: a lapsed hold, and a live one of another coach
    lapsed = book(client_api, course).json()
    clock.move_to(NOW + dt.timedelta(minutes=10))
    other = CourseFactory(coach=CoachFactory(), price_amount=3000)
    WeeklyRuleFactory(coach=other.coach, weekday=0)
    live = book(client_for(client_user), other).json()
    clock.move_to(NOW + HOLD + dt.timedelta(minutes=1))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        expired = tasks.holds_expire.delay().get()

    # then
    assert expired == 1
    assert Booking.objects.get(pk=lapsed["id"]).status == "expired"
    assert Booking.objects.get(pk=live["id"]).status == "held"
    assert fake_stripe.get(lapsed["payment"]["id"])["status"] == "canceled"
    assert fake_stripe.get(live["payment"]["id"])["status"] == "requires_payment_method"
    cancels = requests_to(fake_stripe, "/cancel")
    assert [(r.path, r.params) for r in cancels] == [
        (
            f"/v1/payment_intents/{lapsed['payment']['id']}/cancel",
            {"cancellation_reason": "abandoned"},
        )
    ]

    # when: run again
    with django_capture_on_commit_callbacks(execute=True):
        again = tasks.holds_expire.delay().get()

    # then: nothing left to do
    assert again == 0
    assert len(requests_to(fake_stripe, "/cancel")) == 1


# --- Stripe's word --------------------------------------------------------------------------


def test_a_succeeded_payment_confirms_the_hold_once(
    fake_stripe,  # noqa: F811
    webhook_endpoint,  # noqa: F811
    post_event,  # noqa: F811
    client_api,
    course,
):
    # given
    booking = Booking.objects.get(pk=book(client_api, course).json()["id"])

    # when: the event, its replay, and a second event of the same success
    first = pay(fake_stripe, post_event, booking, event_id="evt_paid")
    replay = pay(fake_stripe, post_event, booking, event_id="evt_paid")
    another = pay(fake_stripe, post_event, booking)

    # then: confirmed once
    assert (first.status_code, replay.status_code, another.status_code) == (200, 200, 200)
    booking.refresh_from_db()
    assert (booking.status, booking.payment_status, booking.paid_at) == ("confirmed", "paid", NOW)
    assert sorted(booking.events.values_list("actor", "action")) == [
        ("client", "held"),
        ("system", "confirmed"),
    ]
    assert requests_to(fake_stripe, "/v1/refunds") == []


def test_a_failed_payment_keeps_the_hold_for_another_card(
    fake_stripe,  # noqa: F811
    webhook_endpoint,  # noqa: F811
    post_event,  # noqa: F811
    client_api,
    course,
    caplog,
):
    # given
    caplog.set_level(logging.INFO, logger="marketplace")
    booking = Booking.objects.get(pk=book(client_api, course).json()["id"])
    fake_stripe.objects[booking.payment_intent_id].update(
        status="requires_payment_method",
        last_payment_error={"code": "card_declined", "message": "Your card was declined."},
    )

    # when
    response = post_event(
        event("payment_intent.payment_failed", fake_stripe.get(booking.payment_intent_id))
    )

    # then
    assert response.status_code == 200
    booking.refresh_from_db()
    assert (booking.status, booking.payment_status) == ("held", "pending")
    assert f"Payment {booking.payment_intent_id} failed" in caplog.text
    assert "card_declined" in caplog.text


def test_a_payment_after_the_slot_went_to_someone_else_is_refunded(
    fake_stripe,  # noqa: F811
    webhook_endpoint,  # noqa: F811
    post_event,  # noqa: F811
    client_api,
    course,
    clock,
    django_capture_on_commit_callbacks,
):
    # given: the client was still in 3-D Secure when the hold lapsed and the time was taken
    booking = Booking.objects.get(pk=book(client_api, course).json()["id"])
    fake_stripe.objects[booking.payment_intent_id]["status"] = "processing"
    clock.move_to(NOW + HOLD + dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert book(client_for(UserFactory()), course).status_code == 201
    assert fake_stripe.get(booking.payment_intent_id)["status"] == "processing"

    # when: the payment succeeds after all
    with django_capture_on_commit_callbacks() as queued:
        response = pay(fake_stripe, post_event, booking)

    # then: marked for a refund, which is asked after commit
    assert response.status_code == 200
    booking.refresh_from_db()
    assert (booking.status, booking.payment_status) == ("expired", "refund_pending")
    assert requests_to(fake_stripe, "/v1/refunds") == []

    # when: the transaction's work after commit runs
    for callback in queued:
        callback()

    # then: refunded in full at Stripe and on the booking
    refunds = requests_to(fake_stripe, "/v1/refunds")
    assert [r.params for r in refunds] == [
        {"payment_intent": booking.payment_intent_id, "reason": "requested_by_customer"}
    ]
    booking.refresh_from_db()
    assert (booking.payment_status, booking.amount_refunded) == ("refunded", 5000)
    assert sorted(booking.events.values_list("action", "reason")) == [
        ("expired", "The hold lapsed before the payment."),
        ("held", ""),
        ("refunded", "50.00 USD refunded in all."),
        ("refunded", "Paid after the booking lost its time: refunding in full."),
    ]


def charge_refunded(fake, booking: Booking, amount_refunded: int) -> dict:
    intent = fake.get(booking.payment_intent_id)
    charge = example(
        "charge",
        id=fake.new_id("ch_"),
        customer=intent["customer"],
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
    fake.put(charge)
    return event("charge.refunded", charge)


def test_refunds_made_in_stripes_dashboard_reach_the_booking(
    fake_stripe,  # noqa: F811
    post_event,  # noqa: F811
    client_api,
    paid,
):
    # when: 20.00 back, then all of it
    partial = post_event(charge_refunded(fake_stripe, paid, 2000))
    shown_partial = client_api.get(f"{API}/{paid.pk}").json()
    full = post_event(charge_refunded(fake_stripe, paid, 5000))
    shown_full = client_api.get(f"{API}/{paid.pk}").json()

    # then
    assert (partial.status_code, full.status_code) == (200, 200)
    assert shown_partial["payment_status"] == "paid"
    assert shown_partial["refund"] == {"amount": 2000, "currency": "usd", "status": "refunded"}
    assert shown_full["payment_status"] == "refunded"
    assert shown_full["refund"] == {"amount": 5000, "currency": "usd", "status": "refunded"}
    paid.refresh_from_db()
    assert paid.amount_refunded == 5000
    assert sorted(paid.events.filter(action="refunded").values_list("reason", flat=True)) == [
        "20.00 USD refunded in all.",
        "50.00 USD refunded in all.",
    ]


# --- cancel ---------------------------------------------------------------------------------


def test_cancelling_a_hold_cancels_its_intent(
    fake_stripe,  # noqa: F811
    client_api,
    course,
    django_capture_on_commit_callbacks,
):
    # given
    held = book(client_api, course).json()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_api.post(f"{API}/{held['id']}/cancel", {}, format="json")

    # then
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["payment_status"]) == ("cancelled", "none")
    assert response.json()["refund"] is None
    intent = fake_stripe.get(held["payment"]["id"])
    assert (intent["status"], intent["cancellation_reason"]) == (
        "canceled",
        "requested_by_customer",
    )


@pytest.mark.parametrize(
    ("by", "before_start", "late", "refund"),
    [
        ("coach", dt.timedelta(hours=2), True, 5000),
        ("client", dt.timedelta(hours=48), False, 5000),
        ("client", dt.timedelta(hours=2), True, 0),
    ],
    ids=["coach-late-in-full", "client-early-in-full", "client-late-nothing"],
)
def test_cancelling_a_paid_booking_refunds_by_the_coachs_policy(
    fake_stripe,  # noqa: F811
    client_api,
    paid,
    clock,
    django_capture_on_commit_callbacks,
    by,
    before_start,
    late,
    refund,
):
    # given (signed in afresh: days went by)
    clock.move_to(MONDAY - before_start)
    caller = client_for(paid.client if by == "client" else paid.coach.user)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = caller.post(f"{API}/{paid.pk}/cancel", {"reason": "Ill."}, format="json")

    # then: the answer shows the refund per policy
    assert response.status_code == 200
    body = response.json()
    assert body["cancellation"]["by"] == by
    assert body["cancellation"]["late"] is late
    if refund:
        assert body["payment_status"] == "refund_pending"
        assert body["refund"] == {"amount": refund, "currency": "usd", "status": "pending"}
    else:
        assert body["payment_status"] == "paid"
        assert body["refund"] == {"amount": 0, "currency": "usd", "status": "none"}

    # then: Stripe was asked after commit, and the booking follows its answer
    refunds = requests_to(fake_stripe, "/v1/refunds")
    assert len(refunds) == (1 if refund else 0)
    shown = caller.get(f"{API}/{paid.pk}").json()
    assert shown["payment_status"] == ("refunded" if refund else "paid")
    assert shown["refund"]["amount"] == refund


# --- a coach's account closed ---------------------------------------------------------------


def test_a_coachs_erasure_cancels_their_upcoming_bookings_and_refunds_the_paid_ones(
    fake_stripe,  # noqa: F811
    paid,
    client_api,
    course,
    django_capture_on_commit_callbacks,
):
    # given: a paid booking, and a hold of another member two hours later
    other = client_for(UserFactory())
    held = book(other, course, MONDAY + dt.timedelta(hours=2)).json()
    coach_user = paid.coach.user

    # when
    with django_capture_on_commit_callbacks(execute=True):
        core_privacy.erase_user(coach_user)

    # then: both cancelled by the platform, the payment refunded in full, the hold's intent
    # cancelled, and the client sees why
    paid.refresh_from_db()
    hold = Booking.objects.get(pk=held["id"])
    assert (paid.status, paid.cancelled_by, paid.late_cancel) == ("cancelled", "system", False)
    assert paid.payment_status == "refunded"
    assert paid.amount_refunded == 5000
    assert (hold.status, hold.payment_status) == ("cancelled", "none")
    assert len(requests_to(fake_stripe, "/v1/refunds")) == 1
    assert requests_to(fake_stripe, f"/v1/payment_intents/{hold.payment_intent_id}/cancel")
    shown = client_api.get(f"{API}/{paid.pk}").json()
    assert shown["cancellation"]["by"] == "system"
    assert shown["refund"] == {"amount": 5000, "currency": "usd", "status": "refunded"}
    assert ("system", "cancelled") in set(paid.events.values_list("actor", "action"))
