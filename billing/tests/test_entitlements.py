"""The plan every other app reads, the one entitlement check on it (``Entitled`` on REST,
``require`` anywhere else), the socket push, and the member's billing records in export
and erasure."""

import asyncio
import datetime as dt

import pytest
import stripe
import time_machine
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.utils import timezone
from djstripe.models import Customer, Invoice
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from accounts import entitlements
from accounts import services as account_services
from accounts.entitlements import Entitled, PlanRequired
from accounts.tests.factories import UserFactory
from billing import selectors, services
from core import privacy, realtime

from .conftest import API_KEY, PREMIUM_PRICE, customer_for, event, subscription_data
from .fake_stripe import example

pytestmark = pytest.mark.django_db

PLAN_REQUIRED = {
    "type": "client_error",
    "errors": [
        {
            "code": "plan_required",
            "detail": "This needs the premium plan; see GET /api/v1/billing/plans to upgrade.",
            "attr": None,
        }
    ],
}


class PlansOnlyView(APIView):
    """Anyone signed in reads; making one needs a plan with ``coaching.plans``."""

    permission_classes = [IsAuthenticated, Entitled("coaching.plans", methods=("POST",))]

    def get(self, request):
        return Response({"read": True})

    def post(self, request):
        return Response({"made": True}, status=201)


class ToolsOnlyView(APIView):
    permission_classes = [IsAuthenticated, Entitled("coaching.tools")]

    def get(self, request):
        return Response({"ok": True})


def _subscribe(fake_stripe, member, status="active"):
    customer = customer_for(fake_stripe, member)
    data = subscription_data(fake_stripe, customer=customer.id, price=PREMIUM_PRICE, status=status)
    services.subscription_mirror(data=stripe.Subscription.retrieve(data["id"], api_key=API_KEY))
    return customer, data


def _call(view, method, user=None):
    request = getattr(APIRequestFactory(), method)("/gated")
    if user is not None:
        force_authenticate(request, user=user)
    return view.as_view()(request)


# --- Entitled -------------------------------------------------------------------------------


def test_a_free_member_is_refused_a_gated_view_naming_the_plan(member):
    response = _call(ToolsOnlyView, "get", member)

    assert response.status_code == 403
    assert response.data == PLAN_REQUIRED


def test_a_subscriber_passes(member, fake_stripe, prices):
    _subscribe(fake_stripe, member)

    response = _call(ToolsOnlyView, "get", member)

    assert (response.status_code, response.data) == (200, {"ok": True})


def test_a_granted_member_passes_without_stripe(member, grant_plan, no_keys):
    grant_plan(member, "premium")

    response = _call(ToolsOnlyView, "get", member)

    assert (response.status_code, response.data) == (200, {"ok": True})


def test_only_the_methods_named_are_gated(member):
    read = _call(PlansOnlyView, "get", member)
    made = _call(PlansOnlyView, "post", member)

    assert (read.status_code, read.data) == (200, {"read": True})
    assert (made.status_code, made.data) == (403, PLAN_REQUIRED)


def test_anonymous_is_a_401_before_any_plan_is_asked(db):
    response = _call(ToolsOnlyView, "get")

    assert response.status_code == 401
    assert response.data["errors"][0]["code"] == "not_authenticated"


# --- require, allows, limit -----------------------------------------------------------------


def test_require_raises_naming_the_cheapest_plan_that_unlocks_the_feature(member, settings):
    settings.BILLING_PLANS = {
        **settings.BILLING_PLANS,
        "gold": {"rank": 2, "features": ["coaching.tools", "coaching.gold"]},
    }

    with pytest.raises(PlanRequired) as tools:
        entitlements.require(member, "coaching.tools")
    with pytest.raises(PlanRequired) as gold:
        entitlements.require(member, "coaching.gold")

    assert (tools.value.feature, tools.value.plan) == ("coaching.tools", "premium")
    assert (gold.value.feature, gold.value.plan) == ("coaching.gold", "gold")
    assert gold.value.get_codes() == "plan_required"
    assert str(gold.value.detail) == (
        "This needs the gold plan; see GET /api/v1/billing/plans to upgrade."
    )


def test_a_feature_no_plan_lists_is_free_for_everyone(member):
    entitlements.require(member, "community.posts")

    assert entitlements.allows(member, "community.posts") is True
    assert entitlements.allows(member, "community.messaging") is False
    assert entitlements.unlocking_plan("community.posts") is None


def test_limits_follow_the_plan(member, grant_plan):
    assert entitlements.limit(member, "conversations.practice_per_day") == 3
    assert entitlements.limit(member, "crm.customers") is None

    grant_plan(member, "premium")

    assert entitlements.limit(member, "conversations.practice_per_day") == 50


def test_the_table_is_read_in_rank_order(settings):
    settings.BILLING_PLANS = {
        "gold": {"rank": 2, "features": ["a.b"]},
        "free": {"rank": 0},
        "premium": {"rank": 1, "limits": {"x.y": 1}},
    }

    assert entitlements.plan_names() == ["free", "premium", "gold"]
    assert entitlements.plan_rank("gold") == 2
    assert entitlements.plan_rank("unknown") == 0
    assert entitlements.plan_features("gold") == ["a.b"]
    assert entitlements.plan_limits("premium") == {"x.y": 1}
    assert entitlements.plan_limits("free") == {}


# --- the plan: sources, cache, push ---------------------------------------------------------


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


def test_a_grant_gives_its_plan_until_it_ends_and_no_longer(member):
    # given: a grant of one hour
    ends_at = timezone.now() + dt.timedelta(hours=1)
    grant = services.grant_create(user=member, plan="premium", reason="trial", ends_at=ends_at)

    # then: premium until the end, which is when the cached answer expires; then free
    assert selectors.entitlement(member) == ("premium", ends_at)
    assert selectors.entitlement(member, now=ends_at) == ("free", None)
    with time_machine.travel(ends_at, tick=False):
        assert grant.active is False


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
    assert (frame["plan"], frame["source"], frame["status"], frame["subscription"]) == (
        "premium",
        "subscription",
        "active",
        data["id"],
    )
    assert frame["grant"] is None


def test_a_grant_is_pushed_to_the_members_sockets(
    member, grant_plan, django_capture_on_commit_callbacks
):
    # given
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(realtime.group_for(member.pk), channel)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_plan(member, "premium")

    # then
    frame = async_to_sync(asyncio.wait_for)(layer.receive(channel), 2)["frame"]
    assert frame == {
        "type": "billing.plan.updated",
        "plan": "premium",
        "source": "grant",
        "status": None,
        "subscription": None,
        "price": None,
        "current_period_end": None,
        "cancel_at_period_end": False,
        "grant": {"id": str(grant.pk), "plan": "premium", "ends_at": None},
    }


def test_without_keys_subscriptions_count_for_nothing_and_grants_still_do(
    member, other_member, fake_stripe, prices, settings, grant_plan
):
    # given
    _subscribe(fake_stripe, member)
    grant_plan(other_member, "premium")

    # when
    settings.STRIPE_SECRET_KEY = ""

    # then
    assert selectors.plan_for(member) == "free"
    assert selectors.plan_for(other_member) == "premium"


def test_the_richest_source_wins(member, fake_stripe, prices, settings, grant_plan):
    # given: a subscription to premium, and a grant of a richer plan
    settings.BILLING_PLANS = {**settings.BILLING_PLANS, "gold": {"rank": 2}}
    _subscribe(fake_stripe, member)
    grant = grant_plan(member, "gold")

    # then
    assert selectors.plan_for(member) == "gold"

    # when: the grant ends
    services.grant_end(grant=grant)

    # then: the subscription's plan again, at once
    assert selectors.plan_for(member) == "premium"


# --- privacy --------------------------------------------------------------------------------


def test_export_includes_the_billing_records(member, fake_stripe, prices, grant_plan):
    customer, data = _subscribe(fake_stripe, member)
    grant = grant_plan(member, "premium")

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
    assert [(row["id"], row["plan"], row["reason"]) for row in document["billing.plangrant"]] == [
        (str(grant.pk), "premium", "test")
    ]


def test_erasure_cancels_at_stripe_deletes_the_customer_and_keeps_pseudonymised_invoices(
    member, fake_stripe, prices, grant_plan, django_capture_on_commit_callbacks
):
    # given
    customer, data = _subscribe(fake_stripe, member)
    grant_plan(member, "premium")
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
    # and the invoice stays, without the person; the grant goes with the account
    kept = Invoice.objects.get(id="in_kept")
    assert "customer_email" not in kept.stripe_data
    assert "customer_name" not in kept.stripe_data
    row = Customer.objects.get(id=customer.id)
    assert (row.subscriber_id, row.email, row.metadata) == (None, "", {})
    assert row.date_purged is not None
    assert selectors.grants(user_id=member.pk).count() == 0


def test_plans_of_a_page_of_members_are_read_at_once_and_agree_with_plan_for(
    member, other_member, fake_stripe, prices, grant_plan, django_assert_num_queries
):
    # given: a subscriber, a member with a grant, a free member and a past_due subscriber
    # whose grace period has run out
    _subscribe(fake_stripe, member)
    grant_plan(other_member)
    free = UserFactory()
    lapsed = UserFactory()
    with time_machine.travel(timezone.now() - dt.timedelta(days=30)):
        _subscribe(fake_stripe, lapsed, status="past_due")
    users = [member, other_member, free, lapsed]
    cache.clear()

    # when: cold, then cached
    with django_assert_num_queries(2):  # the grants, the subscriptions
        plans = selectors.plans_for(users)
    with django_assert_num_queries(0):
        assert selectors.plans_for(users) == plans

    # then
    assert plans == {
        member.pk: "premium",
        other_member.pk: "premium",
        free.pk: "free",
        lapsed.pk: "free",
    }
    cache.clear()
    assert {user.pk: selectors.plan_for(user) for user in users} == plans
