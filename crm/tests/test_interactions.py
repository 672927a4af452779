"""A customer's timeline and ``last_contacted_at`` (docs/API.md, crm)."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.tests.helpers import errors_of
from crm.models import Customer, Interaction
from crm.tests.factories import CustomerFactory, InteractionFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime.now(dt.UTC)


def timeline_url(customer) -> str:
    return f"/api/v1/crm/customers/{customer.pk}/interactions"


def detail_url(interaction) -> str:
    return f"/api/v1/crm/interactions/{interaction.pk}"


def last_contacted(customer):
    return Customer.objects.values_list("last_contacted_at", flat=True).get(pk=customer.pk)


def test_create_records_the_interaction_and_moves_last_contacted(member_api, member):
    # given
    customer = CustomerFactory(owner=member)
    at = NOW - dt.timedelta(hours=2)

    # when
    response = member_api.post(
        timeline_url(customer),
        {
            "kind": "sale",
            "occurred_at": at.isoformat(),
            "channel": "shop",
            "amount": 4500,
            "currency": "EUR",
            "notes": "Paid <i>cash</i> & smiled",
        },
    )

    # then
    assert response.status_code == 201, response.content
    interaction = Interaction.objects.get()
    assert response.json() == {
        "id": str(interaction.pk),
        "customer": str(customer.pk),
        "kind": "sale",
        "occurred_at": at.isoformat().replace("+00:00", "Z"),
        "channel": "shop",
        "amount": 4500,
        "currency": "eur",
        "notes": "Paid cash &amp; smiled",
        "created_at": response.json()["created_at"],
        "updated_at": response.json()["updated_at"],
    }
    assert interaction.owner == member
    assert last_contacted(customer) == at


def test_occurred_at_defaults_to_now(member_api, member):
    customer = CustomerFactory(owner=member)

    response = member_api.post(timeline_url(customer), {"kind": "call"})

    assert response.status_code == 201
    assert abs(last_contacted(customer) - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=30)


def test_a_back_dated_entry_never_moves_last_contacted_back(member_api, member):
    # given
    customer = CustomerFactory(owner=member)
    recent = NOW - dt.timedelta(hours=1)
    member_api.post(timeline_url(customer), {"kind": "call", "occurred_at": recent.isoformat()})

    # when
    response = member_api.post(
        timeline_url(customer),
        {"kind": "visit", "occurred_at": (NOW - dt.timedelta(days=30)).isoformat()},
    )

    # then
    assert response.status_code == 201
    assert last_contacted(customer) == recent


def test_edit_and_delete_recompute_last_contacted(member_api, member):
    # given
    customer = CustomerFactory(owner=member)
    old = InteractionFactory(customer=customer, occurred_at=NOW - dt.timedelta(days=3))
    new = InteractionFactory(customer=customer, occurred_at=NOW - dt.timedelta(days=1))
    Customer.objects.filter(pk=customer.pk).update(last_contacted_at=new.occurred_at)

    # when: the latest moves back before the other
    moved = NOW - dt.timedelta(days=5)
    response = member_api.patch(detail_url(new), {"occurred_at": moved.isoformat()})

    # then
    assert response.status_code == 200, response.content
    assert last_contacted(customer) == old.occurred_at

    # when: both go
    assert member_api.delete(detail_url(old)).status_code == 204
    assert last_contacted(customer) == moved
    assert member_api.delete(detail_url(new)).status_code == 204
    assert last_contacted(customer) is None


def test_timeline_is_newest_first_with_a_cursor(member_api, member):
    # given
    customer = CustomerFactory(owner=member)
    entries = [
        InteractionFactory(customer=customer, occurred_at=NOW - dt.timedelta(days=days))
        for days in (3, 1, 2)
    ]
    InteractionFactory(customer=CustomerFactory(owner=member))

    # when
    first = member_api.get(timeline_url(customer), {"page_size": 2})
    second = member_api.get(first.json()["next"])

    # then
    assert first.status_code == 200
    assert [row["id"] for row in first.json()["results"]] == [
        str(entries[1].pk),
        str(entries[2].pk),
    ]
    assert [row["id"] for row in second.json()["results"]] == [str(entries[0].pk)]


def test_timeline_query_count_does_not_grow(member_api, member, django_assert_num_queries):
    # given: the user, the customer, the page
    customer = CustomerFactory(owner=member)
    InteractionFactory(customer=customer)
    with django_assert_num_queries(3):
        assert member_api.get(timeline_url(customer)).status_code == 200

    InteractionFactory.create_batch(25, customer=customer)

    # when / then
    with django_assert_num_queries(3):
        response = member_api.get(timeline_url(customer))
    assert len(response.json()["results"]) == 20


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({}, "kind", "required"),
        ({"kind": "fax"}, "kind", "invalid_choice"),
        ({"kind": "call", "occurred_at": "tomorrow"}, "occurred_at", "invalid"),
        (
            {"kind": "call", "occurred_at": (NOW + dt.timedelta(days=1)).isoformat()},
            "occurred_at",
            "invalid",
        ),
        ({"kind": "call", "amount": 100, "currency": "eur"}, "amount", "invalid"),
        ({"kind": "sale", "amount": 100}, "currency", "required"),
        ({"kind": "sale", "amount": -1, "currency": "eur"}, "amount", "min_value"),
        ({"kind": "sale", "amount": 1, "currency": "euro"}, "currency", "invalid"),
        ({"kind": "note", "notes": "x" * 5001}, "notes", "max_length"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(member_api, member, body, attr, code):
    customer = CustomerFactory(owner=member)

    response = member_api.post(timeline_url(customer), body)

    assert response.status_code == 400, response.content
    assert errors_of(response) == [{"code": code, "attr": attr}]
    assert not Interaction.objects.exists()
    assert last_contacted(customer) is None


def test_patch_refuses_an_amount_on_a_call(member_api, member):
    interaction = InteractionFactory(customer=CustomerFactory(owner=member), kind="call")

    response = member_api.patch(detail_url(interaction), {"amount": 5, "currency": "usd"})

    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid", "attr": "amount"}]


def test_detail_and_patch(member_api, member):
    interaction = InteractionFactory(customer=CustomerFactory(owner=member), notes="old")

    assert member_api.get(detail_url(interaction)).json()["notes"] == "old"
    response = member_api.patch(detail_url(interaction), {"notes": "<b>new</b>", "kind": "visit"})

    assert response.status_code == 200
    assert (response.json()["notes"], response.json()["kind"]) == ("new", "visit")


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_members_customer_timeline_is_not_found(other_api, member, method):
    customer = CustomerFactory(owner=member)
    InteractionFactory(customer=customer)

    response = getattr(other_api, method)(timeline_url(customer), {"kind": "call"})

    assert response.status_code == 404
    assert errors_of(response) == [{"code": "not_found", "attr": None}]
    assert Interaction.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_members_interaction_is_not_found(other_api, member, method):
    interaction = InteractionFactory(customer=CustomerFactory(owner=member), notes="mine")

    response = getattr(other_api, method)(detail_url(interaction), {"notes": "theirs"})

    assert response.status_code == 404
    interaction.refresh_from_db()
    assert interaction.notes == "mine"


def test_interactions_need_authentication(member):
    interaction = InteractionFactory(customer=CustomerFactory(owner=member))
    client = APIClient()

    assert client.get(timeline_url(interaction.customer)).status_code == 401
    assert client.post(timeline_url(interaction.customer), {"kind": "call"}).status_code == 401
    assert client.get(detail_url(interaction)).status_code == 401
    assert client.delete(detail_url(interaction)).status_code == 401
    assert Interaction.objects.count() == 1
