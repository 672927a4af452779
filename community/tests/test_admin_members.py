"""Staff's member management: GET /community/admin/members (search, filters, ordering,
``last_seen``), GET and PATCH /community/admin/members/{id} (tier, open or closed account).
Staff only, and every page shown and every change is in the audit log."""

import datetime as dt
import uuid

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.utils import timezone
from rest_framework import serializers
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.services import tokens_for
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import bearer, client_for, errors_of
from community.models import Membership
from core import realtime
from core.models import AuditEntry

from .factories import MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/community/admin/members"


def detail_url(user) -> str:
    return f"{LIST}/{getattr(user, 'pk', user)}"


def iso(value) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


def account(name, email, joined, **kwargs):
    return UserFactory(email=email, profile__display_name=name, date_joined=at(joined), **kwargs)


def last_seen_of(user) -> dt.datetime | None:
    tokens = OutstandingToken.objects.filter(user=user).order_by("-created_at")
    token_seen = tokens.values_list("created_at", flat=True).first()
    return max([value for value in (user.last_login, token_seen) if value], default=None)


def row(user, *, tier=None, verified=True, plan="free") -> dict:
    user.refresh_from_db()
    return {
        "id": str(user.pk),
        "email": user.email,
        "display_name": user.profile.display_name,
        "tier": {"slug": tier.slug, "name": tier.name, "rank": tier.rank} if tier else None,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "date_joined": iso(user.date_joined),
        "last_seen": iso(last_seen_of(user)),
        "email_verified": verified,
        "plan": plan,
    }


def emails(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["email"] for item in response.json()["results"]]


@pytest.fixture
def gold():
    return TierFactory(name="Gold", slug="gold", rank=2)


@pytest.fixture
def ada(gold):
    user = account("Ada Lovelace", "ada@analytical.test", "2024-01-10", last_login=at("2024-03-01"))
    MembershipFactory(user=user, tier=gold)
    return user


@pytest.fixture
def bo():
    return account("Bo Diddley", "bo@guitar.test", "2024-02-20", is_active=False, verified=False)


# --- GET /community/admin/members -----------------------------------------------------------


def test_staff_list_every_account_newest_first(staff_api, staff, ada, bo, gold):
    # when
    response = staff_api.get(LIST)

    # then: staff and closed accounts included, with the staff member's own token as seen
    assert response.status_code == 200
    assert response.json() == {
        "count": 3,
        "next": None,
        "previous": None,
        "results": [row(staff), row(bo, verified=False), row(ada, tier=gold)],
    }
    assert response.json()["results"][2]["last_seen"] == "2024-03-01T12:00:00Z"
    assert response.json()["results"][1]["last_seen"] is None


def test_each_member_shown_is_audited_as_viewed(staff_api, staff, ada, bo):
    # when
    staff_api.get(LIST, {"page_size": 2})

    # then: the first page only
    entries = AuditEntry.objects.order_by("subject_id")
    assert sorted(
        (e.actor, e.action, e.target_type, e.target_id, e.subject_id, e.reason, e.ip_address)
        for e in entries
    ) == sorted(
        (staff, "view", "accounts.user", str(user.pk), str(user.pk), "listed via api", "127.0.0.1")
        for user in (staff, bo)
    )


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("ada", ["ada@analytical.test"]),
        ("LOVELACE", ["ada@analytical.test"]),
        ("guitar.test", ["bo@guitar.test"]),
        ("bo diddley", ["bo@guitar.test"]),
        ("TEST", ["bo@guitar.test", "ada@analytical.test"]),
        ("ada guitar", []),
        ("", ["staff@platform.example", "bo@guitar.test", "ada@analytical.test"]),
    ],
)
def test_search_finds_members_by_name_or_email(ada, bo, search, expected):
    # given
    staff = UserFactory(email="staff@platform.example", is_staff=True)

    # when
    response = client_for(staff).get(LIST, {"search": search})

    # then
    assert emails(response) == expected


def test_members_are_filtered_by_tier_and_status(staff_api, ada, bo, gold):
    # given
    MembershipFactory(user=bo, tier=gold)
    account("Cy", "cy@cymbal.test", "2024-03-01")

    # when
    gold_members = staff_api.get(LIST, {"tier": "gold"})
    inactive = staff_api.get(LIST, {"status": "inactive"})
    active_gold = staff_api.get(LIST, {"status": "active", "tier": "gold"})

    # then
    assert emails(gold_members) == ["bo@guitar.test", "ada@analytical.test"]
    assert emails(inactive) == ["bo@guitar.test"]
    assert emails(active_gold) == ["ada@analytical.test"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"joined_after": "2024-01-10"}, ["bo@guitar.test", "ada@analytical.test"]),
        ({"joined_after": "2024-01-11", "joined_before": "2024-02-20"}, ["bo@guitar.test"]),
        ({"joined_before": "2024-02-19"}, ["ada@analytical.test"]),
        ({"joined_after": "2024-02-21", "joined_before": "2024-12-31"}, []),
        (
            {"joined_before": "9999-12-31", "joined_after": "0001-01-01"},
            ["bo@guitar.test", "ada@analytical.test"],
        ),
    ],
)
def test_members_are_filtered_by_the_day_they_joined(staff_api, ada, bo, query, expected):
    # when
    response = staff_api.get(LIST, {**query, "search": "test"})

    # then: the days are inclusive
    assert emails(response) == expected


def test_last_seen_follows_sign_ins_and_token_refreshes(api, staff_api, ada, bo):
    # given: Bo signed in in June; Ada signed in in March and refreshed her token in July
    bo.is_active = True
    bo.save(update_fields=["is_active"])
    with time_machine.travel(at("2024-06-05"), tick=False):
        tokens_for(user=bo)
    with time_machine.travel(at("2024-07-01", hour=9), tick=False):
        refresh = tokens_for(user=ada)["refresh"]
    with time_machine.travel(at("2024-07-02", hour=8), tick=False):
        refreshed = api.post("/api/v1/auth/refresh", {"refresh": refresh})
    assert refreshed.status_code == 200
    never = account("Cy", "cy@cymbal.test", "2024-03-01")

    # when
    by_last_seen = staff_api.get(LIST, {"ordering": "-last_seen", "search": "test"})
    july = staff_api.get(LIST, {"last_seen_after": "2024-07-02", "last_seen_before": "2024-07-02"})
    june = staff_api.get(LIST, {"last_seen_after": "2024-06-05", "last_seen_before": "2024-06-30"})

    # then: the refresh counts as seen; never seen comes last
    assert [(item["email"], item["last_seen"]) for item in by_last_seen.json()["results"]] == [
        ("ada@analytical.test", "2024-07-02T08:00:00Z"),
        ("bo@guitar.test", "2024-06-05T12:00:00Z"),
        (never.email, None),
    ]
    assert emails(july) == ["ada@analytical.test"]
    assert emails(june) == ["bo@guitar.test"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-date_joined", ["cy@cymbal.test", "bo@guitar.test", "ada@analytical.test"]),
        ("date_joined", ["ada@analytical.test", "bo@guitar.test", "cy@cymbal.test"]),
        ("email", ["ada@analytical.test", "bo@guitar.test", "cy@cymbal.test"]),
        ("-last_seen", ["ada@analytical.test", "cy@cymbal.test", "bo@guitar.test"]),
    ],
)
def test_the_list_is_ordered_as_asked(staff_api, ada, bo, ordering, expected):
    # given: Cy joined last, and was never seen, like Bo
    account("Cy", "cy@cymbal.test", "2024-03-01")

    # when
    response = staff_api.get(LIST, {"ordering": ordering, "search": "test"})

    # then
    assert emails(response) == expected


def test_pages_are_numbered_and_capped(staff_api):
    # given
    UserFactory.create_batch(101)

    # when
    small = staff_api.get(LIST, {"page_size": 2, "page": 2})
    huge = staff_api.get(LIST, {"page_size": 1000})

    # then
    assert (small.json()["count"], len(small.json()["results"])) == (102, 2)
    assert small.json()["next"].endswith("page=3&page_size=2")
    assert len(huge.json()["results"]) == 100


@pytest.mark.parametrize(
    ("query", "attr", "code"),
    [
        ({"tier": "platinum"}, "tier", "does_not_exist"),
        ({"status": "banned"}, "status", "invalid_choice"),
        ({"joined_after": "2024-13-01"}, "joined_after", "invalid"),
        ({"joined_before": "yesterday"}, "joined_before", "invalid"),
        ({"last_seen_after": "2024-02-30"}, "last_seen_after", "invalid"),
        ({"last_seen_before": "10000-01-01"}, "last_seen_before", "invalid"),
        ({"ordering": "password"}, "ordering", "invalid_choice"),
        ({"search": "x" * 101}, "search", "max_length"),
        (
            {"joined_after": "2024-02-01", "joined_before": "2024-01-31"},
            "joined_before",
            "invalid_range",
        ),
        (
            {"last_seen_after": "2024-02-01", "last_seen_before": "2024-01-31"},
            "last_seen_before",
            "invalid_range",
        ),
    ],
)
def test_a_bad_query_is_a_400_naming_the_parameter(staff_api, query, attr, code):
    # when
    response = staff_api.get(LIST, query)

    # then
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert errors_of(response) == [{"code": code, "attr": attr}]
    assert AuditEntry.objects.count() == 0


def test_the_list_is_staff_only(api, member_api):
    assert api.get(LIST).status_code == 401
    refused = member_api.get(LIST)
    assert refused.status_code == 403
    assert errors_of(refused) == [{"code": "permission_denied", "attr": None}]
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    "query", [{}, {"search": "example", "tier": "gold", "ordering": "-last_seen"}]
)
def test_the_list_query_count_does_not_grow(staff_api, gold, query, django_assert_num_queries):
    # given: the token's user, the count, the page, the audit entries, the plan grants of the
    # members not in the plan cache (the tier's slug first when filtered on)
    queries = 6 if "tier" in query else 5
    MembershipFactory(user=UserFactory(), tier=gold)
    with django_assert_num_queries(queries):
        staff_api.get(LIST, query)
    for _ in range(30):
        user = UserFactory()
        MembershipFactory(user=user, tier=gold)
        tokens_for(user=user)

    # when / then
    with django_assert_num_queries(queries):
        response = staff_api.get(LIST, query)
    assert len(response.json()["results"]) == 20


def test_the_list_shows_each_members_plan_read_for_the_page_at_once(staff_api, ada, grant_plan):
    # given: ada on premium through a grant, the others on the free plan
    grant_plan(ada)
    others = UserFactory.create_batch(3)

    # when
    response = staff_api.get(LIST, {"page_size": 10})

    # then
    plans = {item["email"]: item["plan"] for item in response.json()["results"]}
    assert plans[ada.email] == "premium"
    assert {plans[user.email] for user in others} == {"free"}


# --- GET /community/admin/members/{id} ------------------------------------------------------


def test_staff_read_one_account_with_its_plan_and_it_is_audited(staff_api, staff, ada, gold):
    # when
    response = staff_api.get(detail_url(ada))

    # then
    assert response.status_code == 200
    assert response.json() == row(ada, tier=gold)
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_type, entry.subject_id, entry.reason) == (
        staff,
        "view",
        "accounts.user",
        str(ada.pk),
        "viewed via api",
    )


def test_an_unknown_account_is_a_404(staff_api):
    response = staff_api.get(detail_url(uuid.uuid4()))

    assert response.status_code == 404
    assert errors_of(response) == [{"code": "not_found", "attr": None}]
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("method", ["get", "patch"])
def test_one_account_is_staff_only(api, member_api, ada, method):
    body = {"tier": None} if method == "patch" else None
    assert getattr(api, method)(detail_url(ada), body).status_code == 401
    refused = getattr(member_api, method)(detail_url(ada), body)
    assert refused.status_code == 403
    assert errors_of(refused) == [{"code": "permission_denied", "attr": None}]
    assert Membership.objects.get(user=ada).tier is not None
    assert AuditEntry.objects.count() == 0


# --- PATCH /community/admin/members/{id} ----------------------------------------------------


def test_staff_change_a_members_tier(staff_api, staff, ada):
    # given
    silver = TierFactory(name="Silver", slug="silver", rank=1)

    # when
    response = staff_api.patch(detail_url(ada), {"tier": "silver"})

    # then
    assert response.status_code == 200
    assert response.json() == row(ada, tier=silver)
    assert Membership.objects.get(user=ada).tier == silver
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_type, entry.changes, entry.reason) == (
        staff,
        "change",
        "community.membership",
        {"fields": ["tier"]},
        "tier set via api",
    )


def test_staff_take_a_tier_away(staff_api, ada):
    response = staff_api.patch(detail_url(ada), {"tier": None})

    assert response.status_code == 200
    assert response.json()["tier"] is None
    assert Membership.objects.get(user=ada).tier is None


def test_deactivating_ends_every_session(api, staff_api, staff, ada):
    # given: Ada is signed in on two devices
    sessions = [tokens_for(user=ada) for _ in range(2)]
    assert bearer(sessions[0]["access"]).get("/api/v1/auth/me").status_code == 200

    # when
    response = staff_api.patch(detail_url(ada), {"is_active": False})

    # then
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    ada.refresh_from_db()
    assert ada.is_active is False
    outstanding = OutstandingToken.objects.filter(user=ada)
    assert BlacklistedToken.objects.filter(token__in=outstanding).count() == outstanding.count()
    assert bearer(sessions[0]["access"]).get("/api/v1/auth/me").status_code == 401
    refreshed = api.post("/api/v1/auth/refresh", {"refresh": sessions[1]["refresh"]})
    assert refreshed.status_code == 401
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_type, entry.target_id) == (
        staff,
        "change",
        "accounts.user",
        str(ada.pk),
    )
    assert (entry.changes, entry.reason) == ({"fields": ["is_active"]}, "deactivated via api")


def test_reactivating_reopens_the_account(staff_api, bo):
    # when
    response = staff_api.patch(detail_url(bo), {"is_active": True})

    # then
    assert response.status_code == 200
    bo.refresh_from_db()
    assert bo.is_active is True
    assert AuditEntry.objects.get().reason == "reactivated via api"


def test_setting_what_is_already_set_changes_nothing(staff_api, ada, gold):
    response = staff_api.patch(detail_url(ada), {"tier": "gold", "is_active": True})

    assert response.status_code == 200
    assert AuditEntry.objects.count() == 0


def test_staff_may_not_deactivate_themselves(staff_api, staff, gold):
    # when: with a tier change in the same request
    response = staff_api.patch(detail_url(staff), {"is_active": False, "tier": "gold"})

    # then: nothing at all happens
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "cannot_deactivate_self",
                "detail": "You cannot deactivate your own account.",
                "attr": "is_active",
            }
        ],
    }
    staff.refresh_from_db()
    assert staff.is_active is True
    assert not Membership.objects.filter(user=staff).exists()
    assert AuditEntry.objects.count() == 0


def test_an_account_waiting_for_its_erasure_is_not_reopened(staff_api, gold):
    # given
    leaving = UserFactory(is_active=False, erasure_requested_at=timezone.now())

    # when: with a tier change in the same request
    response = staff_api.patch(detail_url(leaving), {"is_active": True, "tier": "gold"})

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "erasure_requested", "attr": "is_active"}]
    leaving.refresh_from_db()
    assert leaving.is_active is False
    assert not Membership.objects.filter(user=leaving, tier=gold).exists()
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({"tier": "platinum"}, "tier", "does_not_exist"),
        ({"tier": ["gold"]}, "tier", "incorrect_type"),
        ({"is_active": "maybe"}, "is_active", "invalid"),
        ({"is_active": None}, "is_active", "null"),
    ],
)
def test_a_bad_change_is_a_400_naming_the_field(staff_api, ada, body, attr, code):
    # when
    response = staff_api.patch(detail_url(ada), body, format="json")

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": code, "attr": attr}]
    ada.refresh_from_db()
    assert ada.is_active is True
    assert AuditEntry.objects.count() == 0


def test_changing_an_unknown_account_is_a_404(staff_api):
    response = staff_api.patch(detail_url(uuid.uuid4()), {"is_active": False})

    assert response.status_code == 404
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
async def test_deactivating_closes_the_members_sockets(socket_of):
    # given
    staff = await database_sync_to_async(UserFactory)(is_staff=True)
    member = await database_sync_to_async(UserFactory)()
    bystander = await database_sync_to_async(UserFactory)()
    sockets = [await socket_of(member), await socket_of(member)]
    other = await socket_of(bystander)

    # when
    response = await database_sync_to_async(
        lambda: client_for(staff).patch(detail_url(member), {"is_active": False})
    )()

    # then
    assert response.status_code == 200
    for socket in sockets:
        assert await socket.receive_output(timeout=1) == {
            "type": "websocket.close",
            "code": realtime.CLOSE_REVOKED,
        }
    await other.send_json_to({"type": "ping"})
    assert await other.receive_json_from(timeout=1) == {"type": "pong"}
