import importlib

import pytest
from django.core.exceptions import ValidationError

from conversations.models import Scenario, validate_tips

from .factories import TIPS, ScenarioFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/conversations/scenarios"


def test_the_list_shows_active_scenarios_in_order(member_api):
    # given
    later = ScenarioFactory(title="B later", order=2)
    first = ScenarioFactory(title="Z first", order=1)
    same_order = ScenarioFactory(title="A later", order=2)
    ScenarioFactory(active=False, order=0)

    # when
    response = member_api.get(URL)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["slug"] for row in body["results"]] == [first.slug, same_order.slug, later.slug]
    assert body["results"][0] == {
        "slug": first.slug,
        "title": "Z first",
        "setting": "coffee_shop",
        "description": "A busy café on a weekday morning.",
        "target": "social",
        "premium": False,
        "locked": False,
        "difficulties": ["green", "yellow", "red"],
    }


def test_premium_scenarios_are_locked_on_the_free_plan(member_api):
    # given
    premium = ScenarioFactory(premium=True)

    # when
    response = member_api.get(URL)

    # then
    assert [(row["slug"], row["locked"]) for row in response.json()["results"]] == [
        (premium.slug, True)
    ]


def test_premium_scenarios_are_unlocked_on_the_premium_plan(member, member_api, grant_plan):
    # given
    grant_plan(member)
    premium = ScenarioFactory(premium=True)

    # when
    response = member_api.get(URL)

    # then
    assert [(row["slug"], row["locked"]) for row in response.json()["results"]] == [
        (premium.slug, False)
    ]


def test_include_premium_false_leaves_premium_out(member_api):
    # given
    free = ScenarioFactory()
    ScenarioFactory(premium=True)

    # when
    response = member_api.get(URL, {"include_premium": "false"})

    # then
    assert [row["slug"] for row in response.json()["results"]] == [free.slug]


def test_setting_filters_the_list(member_api):
    # given
    park = ScenarioFactory(setting="park")
    ScenarioFactory(setting="gym")

    # when
    response = member_api.get(URL, {"setting": "park"})

    # then
    assert [row["slug"] for row in response.json()["results"]] == [park.slug]


@pytest.mark.parametrize(
    ("params", "attr", "code"),
    [
        ({"include_premium": "perhaps"}, "include_premium", "invalid"),
        ({"setting": "moon"}, "setting", "invalid_choice"),
    ],
)
def test_bad_list_parameters_are_a_400_naming_them(member_api, params, attr, code):
    # when
    response = member_api.get(URL, params)

    # then
    assert response.status_code == 400
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [(code, attr)]


def test_the_catalogue_needs_a_member(api):
    ScenarioFactory()

    assert api.get(URL).status_code == 401
    assert api.get(f"{URL}/coffee").status_code == 401


def test_the_list_query_count_does_not_grow(member_api, django_assert_num_queries):
    # given
    ScenarioFactory(premium=True)
    member_api.get(URL)  # the plan is cached after the first read

    # when / then
    with django_assert_num_queries(3) as few:
        assert member_api.get(URL).status_code == 200
    ScenarioFactory.create_batch(6, premium=True)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(member_api.get(URL).json()["results"]) == 7


def test_the_detail_shows_tips_per_difficulty(member_api):
    # given
    scenario = ScenarioFactory(premium=True)

    # when
    response = member_api.get(f"{URL}/{scenario.slug}")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["tips"] == TIPS
    assert body["locked"] is True
    assert body["slug"] == scenario.slug


@pytest.mark.parametrize("slug", ["no-such-scenario", "inactive"])
def test_an_unknown_or_inactive_slug_is_a_404(member_api, slug):
    # given
    ScenarioFactory(slug="inactive", active=False)

    # when
    response = member_api.get(f"{URL}/{slug}")

    # then
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize(
    "tips",
    [
        [],
        {"green": ["a"], "yellow": ["b"]},
        {"green": ["a"], "yellow": ["b"], "red": ["c"], "blue": ["d"]},
        {"green": [], "yellow": ["b"], "red": ["c"]},
        {"green": ["  "], "yellow": ["b"], "red": ["c"]},
        {"green": ["x" * 201], "yellow": ["b"], "red": ["c"]},
        {"green": [1], "yellow": ["b"], "red": ["c"]},
    ],
)
def test_malformed_tips_are_refused(tips):
    with pytest.raises(ValidationError):
        validate_tips(tips)


def test_the_seed_scenarios_are_valid_and_five():
    # given
    seed = importlib.import_module("conversations.migrations.0002_seed_scenarios")

    # when
    rows = [Scenario(**row) for row in seed.SCENARIOS]
    for row in rows:
        row.full_clean()

    # then
    assert [row.setting for row in rows] == ["coffee_shop", "bookstore", "park", "gym", "museum"]
    assert any(row.premium for row in rows)
    assert all(2 <= len(tips) <= 4 for row in rows for tips in row.tips.values())
