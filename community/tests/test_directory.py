"""The member directory: GET /community/members (search, tier) and a member's profile."""

import uuid

import pytest
from django.db import connection

from accounts.models import Profile, User
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import errors_of
from community.selectors.directory import listed_members, members_matching

from .factories import MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db

MEMBERS = "/api/v1/community/members"


def member_url(user) -> str:
    return f"{MEMBERS}/{user.pk}"


def listed(name: str, **profile) -> User:
    user = UserFactory(profile__display_name=name)
    if profile:
        Profile.objects.filter(user=user).update(**profile)
    return user


def card(user, tier=None) -> dict:
    profile = Profile.objects.get(user=user)
    return {
        "id": str(user.pk),
        "display_name": profile.display_name,
        "headline": profile.headline,
        "company": profile.company,
        "position": profile.position,
        "industry": profile.industry,
        "tier": None if tier is None else {"slug": tier.slug, "name": tier.name, "rank": tier.rank},
    }


def names(response) -> list[str]:
    return [row["display_name"] for row in response.json()["results"]]


# --- GET /community/members ---------------------------------------------------------------


def test_the_directory_lists_active_listed_members_by_name(member_api, member):
    # given
    Profile.objects.filter(user=member).update(display_name="Mia Member")
    tier = TierFactory(name="Pro", slug="pro", rank=2)
    ada = listed(
        "Ada Lovelace",
        headline="Poet of numbers",
        company="Analytical Engines",
        position="Head of Research",
        industry="Computing",
    )
    MembershipFactory(user=ada, tier=tier)
    grace = listed("grace Hopper")
    listed("Hidden Person", directory_visibility="hidden")
    UserFactory(profile__display_name="Gone Person", is_active=False)

    # when
    response = member_api.get(MEMBERS)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": 3,
        "next": None,
        "previous": None,
        "results": [card(ada, tier), card(grace), card(member)],
    }


def test_a_member_without_a_membership_or_with_no_tier_has_a_null_tier(member_api, member):
    # given
    MembershipFactory(user=member, tier=None)

    # when
    response = member_api.get(MEMBERS)

    # then
    assert response.json()["results"] == [card(member)]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("ada", ["Ada Lovelace"]),
        ("ENGINES", ["Ada Lovelace"]),
        ("engineer", ["Grace Hopper"]),
        ("hopper principal", ["Grace Hopper"]),
        ("  ", ["Ada Lovelace", "Grace Hopper", "Mia Member"]),
        ("nobody", []),
    ],
)
def test_search_matches_every_word_in_name_company_or_position(
    member_api, member, search, expected
):
    # given
    Profile.objects.filter(user=member).update(display_name="Mia Member")
    listed("Ada Lovelace", company="Analytical Engines", position="Head of Research")
    listed("Grace Hopper", company="Compiler Works", position="Principal Engineer")
    listed("Hidden Ada", directory_visibility="hidden")

    # when
    response = member_api.get(MEMBERS, {"search": search})

    # then
    assert response.status_code == 200
    assert names(response) == expected


def test_search_text_is_never_read_as_query_syntax(member_api):
    # given
    listed("Ada Lovelace")

    # when
    response = member_api.get(MEMBERS, {"search": "ada' & | ! :* (%_"})

    # then
    assert response.status_code == 200
    assert names(response) == ["Ada Lovelace"]


def test_the_tier_filter_lists_only_that_tiers_members(member_api):
    # given
    pro, founder = TierFactory(slug="pro"), TierFactory(slug="founding")
    MembershipFactory(user=listed("Ada"), tier=pro)
    MembershipFactory(user=listed("Grace"), tier=founder)
    listed("Linus")

    # when
    response = member_api.get(MEMBERS, {"tier": "pro"})
    unknown = member_api.get(MEMBERS, {"tier": "no-such-tier"})

    # then
    assert names(response) == ["Ada"]
    assert unknown.status_code == 200
    assert unknown.json()["count"] == 0


def test_search_and_tier_combine(member_api):
    # given
    pro = TierFactory(slug="pro")
    MembershipFactory(user=listed("Ada Lovelace"), tier=pro)
    listed("Ada Other")

    # when
    response = member_api.get(MEMBERS, {"search": "ada", "tier": "pro"})

    # then
    assert names(response) == ["Ada Lovelace"]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"search": "x" * 101}, {"code": "max_length", "attr": "search"}),
        ({"tier": "not a slug!"}, {"code": "invalid", "attr": "tier"}),
    ],
)
def test_bad_filters_are_a_400_naming_them(member_api, query, error):
    response = member_api.get(MEMBERS, query)

    assert response.status_code == 400
    assert errors_of(response) == [error]


def test_the_directory_is_page_numbered(member_api, member):
    # given
    for name in ["B", "C", "D"]:
        listed(name)
    Profile.objects.filter(user=member).update(display_name="A")

    # when
    first = member_api.get(MEMBERS, {"page_size": 3})
    second = member_api.get(first.json()["next"])

    # then
    assert first.json()["count"] == 4
    assert names(first) == ["A", "B", "C"]
    assert names(second) == ["D"]


def test_the_directory_needs_authentication(api):
    response = api.get(MEMBERS)

    assert response.status_code == 401
    assert errors_of(response) == [{"code": "not_authenticated", "attr": None}]


def test_the_directory_with_a_trailing_slash_is_not_a_server_error(member_api):
    assert member_api.get(f"{MEMBERS}/").status_code == 404


@pytest.mark.parametrize("query", [{}, {"search": "member"}, {"tier": "pro"}])
def test_the_directory_query_count_does_not_grow(member_api, django_assert_num_queries, query):
    # given: the token's user, the count, the page
    pro = TierFactory(slug="pro")
    MembershipFactory(user=listed("Member 0"), tier=pro)
    with django_assert_num_queries(3):
        member_api.get(MEMBERS, query)
    for n in range(1, 25):
        MembershipFactory(user=listed(f"Member {n}", company="Co"), tier=TierFactory())
        MembershipFactory(user=listed(f"Pro member {n}"), tier=pro)

    # when / then
    with django_assert_num_queries(3):
        response = member_api.get(MEMBERS, query)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 20


@pytest.mark.postgres
def test_on_postgresql_search_is_full_text_ranked_name_first(member_api):
    # given: "park" in a position, a company, and a name
    listed("Zoe Adams", position="Parking attendant")
    listed("Yann Brook", company="Park Street Bakery")
    listed("Xavier Park")
    listed("Walter Sparks")  # "park" inside a word is not a word prefix

    # when
    response = member_api.get(MEMBERS, {"search": "park"})

    # then
    assert connection.vendor == "postgresql"
    assert names(response) == ["Xavier Park", "Yann Brook", "Zoe Adams"]


@pytest.mark.postgres
def test_on_postgresql_every_word_is_a_prefix_and_must_match(member_api):
    # given
    listed("Ada Lovelace", company="Analytical Engines")
    listed("Ada Byron", company="Poetry Ltd")

    # when
    response = member_api.get(MEMBERS, {"search": "ada analyt"})

    # then
    assert names(response) == ["Ada Lovelace"]


# --- GET /community/members/{id} ----------------------------------------------------------


def test_a_listed_members_public_profile(member_api):
    # given
    tier = TierFactory()
    ada = listed("Ada Lovelace", headline="Poet of numbers", industry="Computing")
    MembershipFactory(user=ada, tier=tier)

    # when
    response = member_api.get(member_url(ada))

    # then
    assert response.status_code == 200
    assert response.json() == card(ada, tier)


def test_the_callers_own_profile_is_readable_when_listed(member_api, member):
    response = member_api.get(member_url(member))

    assert response.status_code == 200
    assert response.json() == card(member)


@pytest.mark.parametrize(
    "make",
    [
        lambda: listed("Hidden", directory_visibility="hidden"),
        lambda: UserFactory(is_active=False),
        lambda: type("Missing", (), {"pk": uuid.uuid4()}),
    ],
    ids=["hidden", "inactive", "nonexistent"],
)
def test_an_unlisted_or_unknown_member_is_a_404(member_api, make):
    # given
    user = make()

    # when
    response = member_api.get(member_url(user))

    # then
    assert response.status_code == 404
    assert errors_of(response) == [{"code": "not_found", "attr": None}]


def test_a_malformed_member_id_is_a_404(member_api):
    response = member_api.get(f"{MEMBERS}/not-a-uuid")

    assert response.status_code == 404


def test_a_profile_needs_authentication(api, member):
    assert api.get(member_url(member)).status_code == 401


def test_a_profile_costs_two_queries(member_api, django_assert_num_queries):
    # given
    ada = listed("Ada")
    MembershipFactory(user=ada)

    # when / then
    with django_assert_num_queries(2):
        response = member_api.get(member_url(ada))
    assert response.status_code == 200


@pytest.mark.postgres
def test_on_postgresql_search_can_use_the_profile_index():
    # given: the index of accounts' migration 0003 is built from the search's own expression
    queryset = members_matching(listed_members(), "ada lov")

    # when: the planner may not scan the table, as it would prefer to on a few rows
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()

    # then
    assert "accounts_profile_search" in plan
