"""The plan every other app reads, the HasPlan permission, the socket push, and the
member's billing records in export and erasure."""

import asyncio

import pytest
import stripe
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from djstripe.models import Customer, Invoice
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from accounts import services as account_services
from billing import selectors, services
from billing.permissions import HasPlan
from core import privacy, realtime

from .conftest import API_KEY, PREMIUM_PRICE, customer_for, event, subscription_data
from .fake_stripe import example

pytestmark = pytest.mark.django_db


class PremiumOnlyView(APIView):
    permission_classes = [HasPlan("premium")]

    def get(self, request):
        return Response({"ok": True})


def _subscribe(fake_stripe, member, status="active"):
    customer = customer_for(fake_stripe, member)
    data = subscription_data(fake_stripe, customer=customer.id, price=PREMIUM_PRICE, status=status)
    services.subscription_mirror(data=stripe.Subscription.retrieve(data["id"], api_key=API_KEY))
    return customer, data


def _get_premium_only(user):
    request = APIRequestFactory().get("/premium-only")
    force_authenticate(request, user=user)
    return PremiumOnlyView.as_view()(request)


def test_a_free_member_is_refused_a_premium_view_naming_the_plans(member, fake_stripe):
    response = _get_premium_only(member)

    assert response.status_code == 403
    assert response.data == {
        "type": "client_error",
        "errors": [
            {
                "code": "plan_required",
                "detail": "This needs the premium plan; see GET /api/v1/billing/plans to upgrade.",
                "attr": None,
            }
        ],
    }


def test_a_premium_member_passes(member, fake_stripe, prices):
    _subscribe(fake_stripe, member)

    response = _get_premium_only(member)

    assert response.status_code == 200


def test_the_plan_is_cached_until_a_webhook_changes_it(
    member, fake_stripe, prices, webhook_endpoint, post_event, django_assert_num_queries
):
    # given
    customer, data = _subscribe(fake_stripe, member)
    assert selectors.plan_for(member) == "premium"

    # when / then: cached
    with django_assert_num_queries(0):
        assert selectors.plan_for(member) == "premium"

    # when: Stripe cancels it
    post_event(
        event("customer.subscription.deleted", fake_stripe.put({**data, "status": "canceled"}))
    )

    # then
    assert selectors.plan_for(member) == "free"


def test_plan_changes_are_pushed_to_the_members_sockets(
    member, fake_stripe, prices, webhook_endpoint, post_event, django_capture_on_commit_callbacks
):
    # given: a socket of the member listening
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(realtime.group_for(member.pk), channel)
    customer = customer_for(fake_stripe, member)
    data = subscription_data(fake_stripe, customer=customer.id, price=PREMIUM_PRICE)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        post_event(event("customer.subscription.created", data))

    # then
    message = async_to_sync(asyncio.wait_for)(layer.receive(channel), 2)
    frame = message["frame"]
    assert frame["type"] == "billing.plan.updated"
    assert (frame["plan"], frame["status"], frame["subscription"]) == (
        "premium",
        "active",
        data["id"],
    )


def test_without_keys_everyone_is_free_whatever_the_rows_say(member, fake_stripe, prices, settings):
    _subscribe(fake_stripe, member)
    settings.STRIPE_SECRET_KEY = ""

    assert selectors.plan_for(member) == "free"


def test_export_includes_the_billing_records(member, fake_stripe, prices):
    customer, data = _subscribe(fake_stripe, member)

    document = privacy.export_user(member)["data"]

    assert document["djstripe.customer"] == [
        {
            "id": customer.id,
            "email": member.email,
            "livemode": False,
            "created": document["djstripe.customer"][0]["created"],
            "metadata": {"user_id": str(member.pk)},
        }
    ]
    assert [row["id"] for row in document["djstripe.subscription"]] == [data["id"]]
    assert document["djstripe.invoice"] == []


def test_erasure_cancels_at_stripe_deletes_the_customer_and_keeps_pseudonymised_invoices(
    member, fake_stripe, prices, django_capture_on_commit_callbacks
):
    # given
    customer, data = _subscribe(fake_stripe, member)
    invoice = example(
        "invoice", id="in_kept", customer=customer.id, customer_email=member.email,
        customer_name="Ada Lovelace",
    )  # fmt: skip
    Invoice.objects.create(id="in_kept", customer=customer, livemode=False, stripe_data=invoice)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        account_services.account_erase(user=member, source="member")

    # then: Stripe was asked to cancel and to delete the customer
    writes = [(r.method, r.path) for r in fake_stripe.writes()]
    assert ("DELETE", f"/v1/subscriptions/{data['id']}") in writes
    assert ("DELETE", f"/v1/customers/{customer.id}") in writes
    # and the invoice stays, without the person
    kept = Invoice.objects.get(id="in_kept")
    assert "customer_email" not in kept.stripe_data
    assert "customer_name" not in kept.stripe_data
    row = Customer.objects.get(id=customer.id)
    assert (row.subscriber_id, row.email, row.metadata) == (None, "", {})
    assert row.date_purged is not None
