"""Customers: the owner's book, its filters, exact contact search and duplicates
(docs/API.md, crm)."""

import datetime as dt

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.tests.helpers import errors_of
from analytics.models import Event
from crm.models import Customer, Interaction
from crm.tests.factories import CustomerFactory, InteractionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/crm/customers"


def detail_url(customer) -> str:
    return f"{URL}/{customer.pk}"


# --- create ------------------------------------------------------------------------------


def test_create_normalises_and_returns_the_customer(
    member_api, us_member, django_capture_on_commit_callbacks
):
    # given
    body = {
        "name": "Ada Lovelace",
        "email": "Ada@Example.COM",
        "phone": "(415) 555 2671",
        "tags": ["vip", "wedding", "vip"],
        "status": "active",
        "source": "instagram",
        "birthday": "1990-12-10",
        "notes": "Likes <b>tea</b> & cake<script>x</script>",
        "whatsapp_opt_in": True,
    }

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(URL, body)

    # then
    assert response.status_code == 201, response.content
    customer = Customer.objects.get()
    assert response.json() == {
        "id": str(customer.pk),
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": "+14155552671",
        "tags": ["vip", "wedding"],
        "status": "active",
        "source": "instagram",
        "birthday": "1990-12-10",
        "notes": "Likes tea &amp; cake",
        "whatsapp_opt_in": True,
        "last_contacted_at": None,
        "created_at": response.json()["created_at"],
        "updated_at": response.json()["updated_at"],
        "interaction_count": 0,
        "referrals": {"made": 0, "converted": 0},
        "points": 0,
        "next_follow_up": None,
    }
    assert customer.owner == us_member
    assert customer.email_index and customer.phone_index
    event = Event.objects.get(name="customer_created")
    assert event.user_id == us_member.pk
    assert event.properties["customer_id"] == str(customer.pk)


def test_create_needs_only_a_name(member_api, member):
    response = member_api.post(URL, {"name": "Bob"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["phone"], body["status"], body["tags"]) == ("", "", "lead", [])
    assert Customer.objects.get().email_index == ""


def test_contact_details_are_not_stored_in_plain_text(member_api, us_member):
    # given
    member_api.post(URL, {"name": "Ada", "email": "ada@example.com", "phone": "4155552671"})

    # when
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM crm_customer")
        raw_rows = cursor.fetchall()

    # then
    stored = " ".join(str(value) for row in raw_rows for value in row)
    assert "Ada" in stored  # the name is plaintext, by design
    for plain in ("ada@example.com", "example.com", "+14155552671", "4155552671"):
        assert plain not in stored


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({}, "name", "required"),
        ({"name": ""}, "name", "blank"),
        ({"name": "x" * 201}, "name", "max_length"),
        ({"name": "A", "email": "not-an-email"}, "email", "invalid"),
        ({"name": "A", "phone": "415555"}, "phone", "invalid"),
        ({"name": "A", "phone": "+1 000 000 0000"}, "phone", "invalid"),
        ({"name": "A", "status": "vip"}, "status", "invalid_choice"),
        ({"name": "A", "birthday": "2999-01-01"}, "birthday", "invalid"),
        ({"name": "A", "tags": ["x" * 51]}, "tags.0", "max_length"),
        ({"name": "A", "tags": [f"t{i}" for i in range(21)]}, "tags", "max_length"),
        ({"name": "A", "notes": "x" * 5001}, "notes", "max_length"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(member_api, us_member, body, attr, code):
    response = member_api.post(URL, body)

    assert response.status_code == 400, response.content
    assert errors_of(response) == [{"code": code, "attr": attr}]
    assert not Customer.objects.exists()


def test_a_national_number_without_a_region_is_refused(member_api, member):
    response = member_api.post(URL, {"name": "A", "phone": "(415) 555 2671"})

    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid", "attr": "phone"}]


@pytest.mark.parametrize(
    ("field", "stored", "sent"),
    [
        ("email", "ada@example.com", "ADA@example.com "),
        ("phone", "+14155552671", "(415) 555-2671"),
    ],
)
def test_a_duplicate_of_the_owners_is_a_conflict_naming_the_field(
    member_api, us_member, field, stored, sent
):
    # given
    CustomerFactory(owner=us_member, **{field: stored})

    # when
    response = member_api.post(URL, {"name": "Again", field: sent})

    # then
    assert response.status_code == 409, response.content
    assert response.json()["type"] == "client_error"
    assert errors_of(response) == [{"code": "duplicate", "attr": field}]
    assert Customer.objects.count() == 1


def test_the_same_contact_details_are_allowed_across_owners(member_api, us_member, other_member):
    # given
    CustomerFactory(owner=other_member, email="ada@example.com", phone="+14155552671")

    # when
    response = member_api.post(
        URL, {"name": "Ada", "email": "ada@example.com", "phone": "+1 415 555 2671"}
    )

    # then
    assert response.status_code == 201, response.content
    assert Customer.objects.count() == 2


def test_anonymous_is_refused(api):
    assert api.post(URL, {"name": "A"}).status_code == 401
    assert api.get(URL).status_code == 401
    assert not Customer.objects.exists()


def test_writes_meet_the_crm_write_throttle(member_api, member, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.THROTTLE_RATES, "crm_write": "2/min"},
    }
    statuses = [member_api.post(URL, {"name": f"C{i}"}).status_code for i in range(3)]

    assert statuses == [201, 201, 429]
    assert member_api.get(URL).status_code == 200  # reads are not writes


# --- list and search ---------------------------------------------------------------------


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_shows_only_the_callers_customers_newest_first(member_api, member, other_member):
    # given
    older = CustomerFactory(owner=member, tags=["vip"])
    newer = CustomerFactory(owner=member)
    CustomerFactory(owner=other_member)

    # when
    response = member_api.get(URL)

    # then
    assert ids(response) == [str(newer.pk), str(older.pk)]
    assert response.json()["count"] == 2
    assert response.json()["results"][1]["tags"] == ["vip"]


def test_list_filters(member_api, member):
    # given
    now = dt.datetime.now(dt.UTC)
    ada = CustomerFactory(
        owner=member, name="Ada Lovelace", status="lead", source="instagram", tags=["vip", "x"]
    )
    bob = CustomerFactory(owner=member, name="Bob", status="active", tags=["vip"])
    Customer.objects.filter(pk=bob.pk).update(last_contacted_at=now - dt.timedelta(days=2))
    Customer.objects.filter(pk=ada.pk).update(created_at=now - dt.timedelta(days=10))

    # when / then
    assert ids(member_api.get(URL, {"search": "lovel"})) == [str(ada.pk)]
    assert ids(member_api.get(URL, {"status": "active"})) == [str(bob.pk)]
    assert ids(member_api.get(URL, {"source": "instagram"})) == [str(ada.pk)]
    assert ids(member_api.get(f"{URL}?tag=vip&tag=x")) == [str(ada.pk)]
    assert set(ids(member_api.get(URL, {"tag": "vip"}))) == {str(ada.pk), str(bob.pk)}
    after = (now - dt.timedelta(days=5)).isoformat()
    assert ids(member_api.get(URL, {"created_after": after})) == [str(bob.pk)]
    assert ids(member_api.get(URL, {"created_before": after})) == [str(ada.pk)]
    assert ids(member_api.get(URL, {"last_contacted_after": after})) == [str(bob.pk)]
    assert ids(member_api.get(URL, {"last_contacted_before": now.isoformat()})) == [str(bob.pk)]
    assert ids(member_api.get(URL, {"ordering": "name"})) == [str(ada.pk), str(bob.pk)]
    assert ids(member_api.get(URL, {"ordering": "-last_contacted_at"}))[0] in {
        str(ada.pk),
        str(bob.pk),
    }


@pytest.mark.parametrize(
    ("params", "attr"),
    [
        ({"status": "vip"}, "status"),
        ({"ordering": "email"}, "ordering"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"search": "x" * 101}, "search"),
    ],
)
def test_list_refuses_bad_filters_naming_them(member_api, member, params, attr):
    response = member_api.get(URL, params)

    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == [attr]


@pytest.mark.parametrize("path", [URL, f"{URL}/search"])
def test_exact_phone_search_matches_any_format_but_no_fragment(member_api, us_member, path):
    # given
    ada = CustomerFactory(owner=us_member, phone="+14155552671")
    CustomerFactory(owner=us_member, phone="+14155552672")

    # when / then
    assert ids(member_api.get(path, {"phone": "(415) 555 2671"})) == [str(ada.pk)]
    assert ids(member_api.get(path, {"phone": "+1 415-555-2671"})) == [str(ada.pk)]
    assert ids(member_api.get(path, {"phone": "415555"})) == []
    assert ids(member_api.get(path, {"phone": "2671"})) == []


def test_exact_email_search_ignores_case_but_not_fragments(member_api, member):
    ada = CustomerFactory(owner=member, email="ada@example.com")

    assert ids(member_api.get(f"{URL}/search", {"email": "ADA@Example.com"})) == [str(ada.pk)]
    assert ids(member_api.get(f"{URL}/search", {"email": "ada@example"})) == []
    assert ids(member_api.get(f"{URL}/search", {"email": "example.com"})) == []


def test_search_by_name_with_q(member_api, member, other_member):
    ada = CustomerFactory(owner=member, name="Ada Lovelace")
    CustomerFactory(owner=member, name="Bob")
    CustomerFactory(owner=other_member, name="Ada Byron")

    assert ids(member_api.get(f"{URL}/search", {"q": "ADA"})) == [str(ada.pk)]


def test_another_owners_contact_details_are_not_found(member_api, us_member, other_member):
    CustomerFactory(owner=other_member, phone="+14155552671")

    assert ids(member_api.get(URL, {"phone": "+14155552671"})) == []


@pytest.mark.parametrize("path", [URL, f"{URL}/search"])
def test_list_query_count_does_not_grow(member_api, member, path, django_assert_num_queries):
    # given: the user, the count, the page, the page's tags
    CustomerFactory(owner=member, tags=["vip"])
    with django_assert_num_queries(4):
        assert member_api.get(path, {"tag": "vip"}).status_code == 200

    for _ in range(25):
        CustomerFactory(owner=member, tags=["vip", "wedding"])

    # when / then
    with django_assert_num_queries(4):
        response = member_api.get(path, {"tag": "vip"})
    assert response.json()["count"] == 26


# --- detail, change, delete --------------------------------------------------------------


def test_detail_adds_counts(member_api, member):
    # given
    customer = CustomerFactory(owner=member, email="ada@example.com")
    InteractionFactory.create_batch(2, customer=customer)

    # when
    response = member_api.get(detail_url(customer))

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["email"], body["interaction_count"], body["points"]) == (
        "ada@example.com",
        2,
        0,
    )


def test_patch_changes_only_what_is_sent(member_api, us_member):
    # given
    customer = CustomerFactory(
        owner=us_member, name="Ada", email="ada@example.com", tags=["vip"], source="shop"
    )

    # when
    response = member_api.patch(
        detail_url(customer), {"phone": "415 555 2671", "tags": ["new"], "status": "inactive"}
    )

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["email"], body["phone"], body["tags"], body["status"]) == (
        "Ada",
        "ada@example.com",
        "+14155552671",
        ["new"],
        "inactive",
    )
    customer.refresh_from_db()
    assert customer.source == "shop"


def test_patch_to_another_customers_number_is_a_conflict(member_api, us_member):
    CustomerFactory(owner=us_member, phone="+14155552671")
    customer = CustomerFactory(owner=us_member, phone="+14155552672")

    response = member_api.patch(detail_url(customer), {"phone": "(415) 555-2671"})

    assert response.status_code == 409
    assert errors_of(response) == [{"code": "duplicate", "attr": "phone"}]
    customer.refresh_from_db()
    assert customer.phone == "+14155552672"


def test_patch_keeps_its_own_number(member_api, us_member):
    customer = CustomerFactory(owner=us_member, phone="+14155552671")

    response = member_api.patch(detail_url(customer), {"phone": "415-555-2671"})

    assert response.status_code == 200


def test_patch_refuses_bad_input(member_api, member):
    customer = CustomerFactory(owner=member, email="ada@example.com")

    response = member_api.patch(detail_url(customer), {"email": "nope"})

    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid", "attr": "email"}]
    customer.refresh_from_db()
    assert customer.email == "ada@example.com"


def test_put_replaces_the_details(member_api, member):
    customer = CustomerFactory(owner=member, email="ada@example.com", source="shop")

    response = member_api.put(detail_url(customer), {"name": "Ada L."})

    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.email_index, customer.source) == (
        "Ada L.",
        "",
        "",
        "",
    )


def test_delete_removes_the_customer_and_their_interactions(member_api, member):
    customer = CustomerFactory(owner=member)
    InteractionFactory(customer=customer)

    response = member_api.delete(detail_url(customer))

    assert response.status_code == 204
    assert not Customer.objects.exists()
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_members_customer_is_not_found(other_api, member, method):
    customer = CustomerFactory(owner=member, name="Mine")

    response = getattr(other_api, method)(detail_url(customer), {"name": "Theirs"})

    assert response.status_code == 404
    assert errors_of(response) == [{"code": "not_found", "attr": None}]
    customer.refresh_from_db()
    assert customer.name == "Mine"


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_detail_needs_authentication(member, method):
    customer = CustomerFactory(owner=member)

    response = getattr(APIClient(), method)(detail_url(customer))

    assert response.status_code == 401
    assert Customer.objects.filter(pk=customer.pk).exists()


# --- settings ----------------------------------------------------------------------------


def test_settings_default_and_change(member_api, member):
    response = member_api.get("/api/v1/crm/settings")
    assert response.status_code == 200
    assert response.json() == {
        "default_phone_region": "",
        "timezone": member.profile.timezone,
        "referral_points": 100,
        "referee_points": 0,
        "reward_delay_hours": 0,
    }

    response = member_api.patch(
        "/api/v1/crm/settings", {"default_phone_region": "fr", "timezone": "Europe/Paris"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["default_phone_region"] == "FR"
    assert response.json()["timezone"] == "Europe/Paris"


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"default_phone_region": "XX"}, "default_phone_region"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"referral_points": -1}, "referral_points"),
    ],
)
def test_settings_refuse_bad_input(member_api, member, body, attr):
    response = member_api.patch("/api/v1/crm/settings", body)

    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == [attr]


def test_settings_need_authentication(api):
    assert api.get("/api/v1/crm/settings").status_code == 401


@pytest.mark.postgres
def test_name_search_can_use_the_trigram_index(member):
    # given: no sequential scans, so whatever index can answer the LIKE is used (with an
    # owner filter the planner may rightly prefer the owner's rows on a small table)
    CustomerFactory.create_batch(30, owner=member)
    queryset = Customer.objects.filter(name__icontains="lovel")

    # when
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()

    # then
    assert "crm_customer_name_trgm" in plan
