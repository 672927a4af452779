"""Complimentary plans over REST (docs/API.md, billing): staff give a member a plan without
Stripe, list grants, and end them; the member's plan follows at once. No Stripe keys here:
grants must not need them."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for
from billing import services
from billing.models import PlanGrant
from core.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_keys")]

URL = "/api/v1/billing/grants"
NOW = dt.datetime(2030, 5, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _errors(response):
    return [(e["code"], e["attr"]) for e in response.json()["errors"]]


def _iso(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _grant(user, plan="premium", **extra):
    return services.grant_create(user=user, plan=plan, reason="support", **extra)


# --- create ---------------------------------------------------------------------------------


def test_staff_give_a_member_a_plan_and_it_follows_at_once(member, member_api, staff, staff_api):
    # given
    assert member_api.get("/api/v1/auth/me").json()["plan"] == "free"
    ends_at = NOW + dt.timedelta(days=30)

    # when
    response = staff_api.post(
        URL,
        {"user": str(member.pk), "plan": "premium", "ends_at": _iso(ends_at), "reason": "Beta"},
        format="json",
    )

    # then
    assert response.status_code == 201
    grant = PlanGrant.objects.get()
    assert response.json() == {
        "id": str(grant.pk),
        "user": str(member.pk),
        "user_email": member.email,
        "plan": "premium",
        "starts_at": _iso(NOW),
        "ends_at": _iso(ends_at),
        "ended_at": None,
        "active": True,
        "reason": "Beta",
        "granted_by": staff.email,
        "created_at": _iso(NOW),
    }
    assert (grant.user, grant.granted_by, grant.reason) == (member, staff, "Beta")
    assert member_api.get("/api/v1/auth/me").json()["plan"] == "premium"
    subscription = member_api.get("/api/v1/billing/subscription").json()
    assert (subscription["plan"], subscription["source"]) == ("premium", "grant")
    entry = AuditEntry.objects.get(target_type="billing.plangrant")
    assert (entry.action, entry.actor, entry.target_id, entry.subject_id, entry.reason) == (
        AuditEntry.Action.ADD,
        staff,
        str(grant.pk),
        str(member.pk),
        "Beta",
    )


@pytest.mark.parametrize("ends_at", [None, "absent"])
def test_a_grant_without_an_end_lasts_until_ended(member, staff_api, ends_at):
    body = {"user": str(member.pk), "plan": "premium", "reason": "Partner"}
    if ends_at != "absent":
        body["ends_at"] = ends_at

    response = staff_api.post(URL, body, format="json")

    assert response.status_code == 201
    assert (response.json()["ends_at"], response.json()["active"]) == (None, True)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"user": None}, ("null", "user")),
        ({"user": "nope"}, ("invalid", "user")),
        ({"user": "00000000-0000-0000-0000-000000000000"}, ("does_not_exist", "user")),
        ({"user": ["x"]}, ("incorrect_type", "user")),
        ({"plan": "platinum"}, ("invalid_choice", "plan")),
        ({"plan": ""}, ("blank", "plan")),
        ({"ends_at": _iso(NOW - dt.timedelta(minutes=1))}, ("past", "ends_at")),
        ({"ends_at": _iso(NOW)}, ("past", "ends_at")),
        ({"ends_at": "tomorrow"}, ("invalid", "ends_at")),
        ({"reason": ""}, ("blank", "reason")),
        ({"reason": "x" * 201}, ("max_length", "reason")),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_grants_nothing(
    member, member_api, staff_api, change, error
):
    body = {"user": str(member.pk), "plan": "premium", "reason": "Beta", **change}

    response = staff_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert _errors(response) == [error]
    assert PlanGrant.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert member_api.get("/api/v1/auth/me").json()["plan"] == "free"


@pytest.mark.parametrize("missing", ["user", "plan", "reason"])
def test_each_required_field_is_named(member, staff_api, missing):
    body = {"user": str(member.pk), "plan": "premium", "reason": "Beta"}
    del body[missing]

    response = staff_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert _errors(response) == [("required", missing)]


def test_an_inactive_account_cannot_be_given_a_plan(staff_api):
    gone = UserFactory(is_active=False)

    response = staff_api.post(
        URL, {"user": str(gone.pk), "plan": "premium", "reason": "x"}, format="json"
    )

    assert (response.status_code, _errors(response)) == (400, [("does_not_exist", "user")])


# --- who may ------------------------------------------------------------------------------


def test_members_are_refused_every_operation(member, member_api, other_member):
    grant = _grant(other_member)

    listed = member_api.get(URL)
    created = member_api.post(
        URL, {"user": str(member.pk), "plan": "premium", "reason": "me"}, format="json"
    )
    ended = member_api.delete(f"{URL}/{grant.pk}")

    for response in (listed, created, ended):
        assert response.status_code == 403
        assert _errors(response) == [("permission_denied", None)]
    assert list(PlanGrant.objects.values_list("user", "ended_at")) == [(other_member.pk, None)]


def test_anonymous_callers_are_refused_every_operation(api, member):
    grant = _grant(member)

    for response in (
        api.get(URL),
        api.post(URL, {"user": str(member.pk), "plan": "premium", "reason": "x"}, format="json"),
        api.delete(f"{URL}/{grant.pk}"),
    ):
        assert response.status_code == 401
        assert _errors(response) == [("not_authenticated", None)]
    assert PlanGrant.objects.get().ended_at is None


# --- list -----------------------------------------------------------------------------------


def test_the_list_is_newest_first_and_filters_by_member(member, other_member, staff_api):
    # given
    first = _grant(member)
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        second = _grant(other_member, ends_at=NOW + dt.timedelta(days=2))
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        services.grant_end(grant=first)

    # when
    with time_machine.travel(NOW + dt.timedelta(minutes=3), tick=False):
        everyone = staff_api.get(URL).json()
        one = staff_api.get(URL, {"user": str(member.pk)}).json()

    # then
    assert everyone["count"] == 2
    assert [(row["id"], row["active"]) for row in everyone["results"]] == [
        (str(second.pk), True),
        (str(first.pk), False),
    ]
    assert one["count"] == 1
    (row,) = one["results"]
    assert (row["id"], row["ended_at"], row["granted_by"]) == (
        str(first.pk),
        _iso(NOW + dt.timedelta(minutes=2)),
        None,
    )


def test_an_expired_grant_is_listed_as_not_active(member, staff):
    _grant(member, ends_at=NOW + dt.timedelta(days=1))

    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        (row,) = client_for(staff).get(URL).json()["results"]

    assert (row["active"], row["ended_at"]) == (False, None)


def test_a_user_filter_that_is_not_an_id_is_a_400_naming_it(staff_api):
    response = staff_api.get(URL, {"user": "nope"})

    assert response.status_code == 400
    assert _errors(response) == [("invalid", "user")]


def test_the_list_query_count_does_not_grow(staff, staff_api, django_assert_num_queries):
    # given
    _grant(UserFactory(), granted_by=staff)
    with django_assert_num_queries(3):
        staff_api.get(URL)
    for _ in range(15):
        _grant(UserFactory(), granted_by=staff)

    # when / then
    with django_assert_num_queries(3):
        response = staff_api.get(URL)
    assert response.json()["count"] == 16


# --- end ------------------------------------------------------------------------------------


def test_ending_a_grant_takes_the_plan_away_at_once(member, member_api, staff, staff_api):
    # given
    grant = _grant(member)
    assert member_api.get("/api/v1/auth/me").json()["plan"] == "premium"

    # when
    response = staff_api.delete(f"{URL}/{grant.pk}")

    # then
    assert response.status_code == 204
    grant.refresh_from_db()
    assert (grant.ended_at, grant.active) == (NOW, False)
    assert member_api.get("/api/v1/auth/me").json()["plan"] == "free"
    entry = AuditEntry.objects.get(target_id=str(grant.pk), action=AuditEntry.Action.CHANGE)
    assert (entry.actor, entry.subject_id, entry.changes) == (
        staff,
        str(member.pk),
        {"fields": ["ended_at"]},
    )


def test_ending_an_ended_grant_changes_nothing(member, staff):
    grant = _grant(member)
    services.grant_end(grant=grant)
    grant.refresh_from_db()
    entries = AuditEntry.objects.count()

    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        response = client_for(staff).delete(f"{URL}/{grant.pk}")

    assert response.status_code == 204
    assert PlanGrant.objects.get().ended_at == grant.ended_at
    assert AuditEntry.objects.count() == entries


def test_an_unknown_grant_is_a_404(staff_api):
    response = staff_api.delete(f"{URL}/00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404
    assert _errors(response) == [("not_found", None)]


def test_the_other_sources_of_the_plan_are_left_alone(member, member_api, staff_api):
    # given: two grants of premium
    first = _grant(member)
    _grant(member, ends_at=timezone.now() + dt.timedelta(days=3))

    # when: one ends
    staff_api.delete(f"{URL}/{first.pk}")

    # then: the other still gives premium
    assert member_api.get("/api/v1/auth/me").json()["plan"] == "premium"
    assert client_for(member).get("/api/v1/billing/subscription").json()["source"] == "grant"
