"""Upgrades and downgrades take effect at the next request: a member who subscribes (a signed
webhook) or is given a grant can generate development plans and career tools (and, after a
webhook, message other members) at once, and is
refused again (403 ``plan_required`` naming premium) the moment the subscription is deleted or
the grant ended, while what they made stays theirs."""

import pytest

from accounts.tests.helpers import client_for
from ai.models import Generation
from coaching.models import Artifact, DevelopmentPlan
from coaching.tests.factories import AssessmentResultFactory

from .conftest import PREMIUM_PRICE, customer_for, event, subscription_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offline_ai")]

PLANS = "/api/v1/coaching/plans"
TOOL = "/api/v1/coaching/tools/roadmap/generate"
MESSAGES = "/api/v1/messages"
PLAN_REQUIRED = [
    {
        "code": "plan_required",
        "detail": "This needs the premium plan; see GET /api/v1/billing/plans to upgrade.",
        "attr": None,
    }
]


def _generate(client):
    """A development plan and a roadmap asked for, one after the other."""
    plan = client.post(PLANS, {"focus": "Leadership"}, format="json")
    tool = client.post(TOOL, {"prompt": "Become a data analyst"}, format="json")
    return plan, tool


def _assert_refused(responses):
    for response in responses:
        assert response.status_code == 403
        assert response.json() == {"type": "client_error", "errors": PLAN_REQUIRED}


def _message(client, recipient):
    return client.post(
        MESSAGES, {"recipient": str(recipient.pk), "content": "Hello"}, format="json"
    )


def test_a_subscription_unlocks_generation_and_its_deletion_locks_it_again(
    member,
    other_member,
    fake_stripe,
    prices,
    webhook_endpoint,
    post_event,
    django_capture_on_commit_callbacks,
):
    # given: a free member with an assessment
    AssessmentResultFactory(user=member)
    client = client_for(member)
    _assert_refused([*_generate(client), _message(client, other_member)])

    # when: Stripe tells us they subscribed
    customer = customer_for(fake_stripe, member)
    sub = subscription_data(fake_stripe, customer=customer.id, price=PREMIUM_PRICE)
    assert post_event(event("customer.subscription.created", sub)).status_code == 200

    # then: generating works at once
    with django_capture_on_commit_callbacks(execute=True):
        plan, tool = _generate(client)
    assert (plan.status_code, tool.status_code) == (202, 202)
    assert _message(client, other_member).status_code == 201
    made = (DevelopmentPlan.objects.get(), Artifact.objects.get())
    assert [row.status for row in made] == ["ready", "ready"]

    # when: the subscription is deleted
    sub = fake_stripe.put({**sub, "status": "canceled", "ended_at": sub["created"]})
    assert post_event(event("customer.subscription.deleted", sub)).status_code == 200

    # then: refused again at once, nothing more is made, and what was made stays readable
    _assert_refused([*_generate(client), _message(client, other_member)])
    assert (DevelopmentPlan.objects.count(), Artifact.objects.count()) == (1, 1)
    assert Generation.objects.count() == 2
    assert client.get(f"{PLANS}/{made[0].pk}").status_code == 200
    assert client.get(f"/api/v1/coaching/tools/roadmap/{made[1].pk}/export").status_code == 200


def test_a_grant_ended_over_the_api_locks_generation_at_once(
    member, staff_api, django_capture_on_commit_callbacks
):
    # given: staff give the member premium, without Stripe
    AssessmentResultFactory(user=member)
    client = client_for(member)
    granted = staff_api.post(
        "/api/v1/billing/grants",
        {"user": str(member.pk), "plan": "premium", "reason": "Beta"},
        format="json",
    )
    assert granted.status_code == 201

    # when / then: generating works at once
    with django_capture_on_commit_callbacks(execute=True):
        plan, tool = _generate(client)
    assert (plan.status_code, tool.status_code) == (202, 202)

    # when: staff end the grant
    assert staff_api.delete(f"/api/v1/billing/grants/{granted.json()['id']}").status_code == 204

    # then
    _assert_refused(_generate(client))
    assert (DevelopmentPlan.objects.count(), Artifact.objects.count()) == (1, 1)
    assert client.get("/api/v1/auth/me").json()["plan"] == "free"


def test_a_grant_works_with_no_stripe_keys_at_all(
    member, staff_api, no_keys, django_capture_on_commit_callbacks
):
    AssessmentResultFactory(user=member)
    staff_api.post(
        "/api/v1/billing/grants",
        {"user": str(member.pk), "plan": "premium", "reason": "Laptop"},
        format="json",
    )

    with django_capture_on_commit_callbacks(execute=True):
        plan, tool = _generate(client_for(member))

    assert (plan.status_code, tool.status_code) == (202, 202)
