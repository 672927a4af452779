"""A coach's weekly hours and date overrides."""

import datetime as dt

import pytest

from accounts.tests.helpers import client_for, errors_of
from marketplace.models import DateOverride, WeeklyRule

from .factories import CoachFactory, DateOverrideFactory, WeeklyRuleFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/marketplace"
DAY = dt.date(2030, 3, 4)


@pytest.fixture
def coach(member):
    return CoachFactory(user=member)


def rules_of(coach) -> list[tuple]:
    return list(
        WeeklyRule.objects.filter(coach=coach)
        .order_by("weekday", "start_time")
        .values_list("weekday", "start_time", "end_time")
    )


def overrides_of(coach) -> list[tuple]:
    return list(
        DateOverride.objects.filter(coach=coach)
        .order_by("date", "start_time")
        .values_list("date", "start_time", "end_time")
    )


# --- weekly hours ---------------------------------------------------------------------------


def test_put_replaces_the_weekly_hours(coach, member_api):
    # given
    WeeklyRuleFactory(coach=coach, weekday=6)

    # when
    response = member_api.put(
        f"{API}/me/coach/schedule",
        [
            {"weekday": 0, "start": "13:00", "end": "17:30"},
            {"weekday": 0, "start": "09:00", "end": "12:00"},
            {"weekday": 4, "start": "20:00", "end": "24:00"},
            {"weekday": 5, "start": "00:00", "end": "00:00"},
        ],
        format="json",
    )

    # then
    assert response.status_code == 200
    assert response.json() == [
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 0, "start": "13:00", "end": "17:30"},
        {"weekday": 4, "start": "20:00", "end": "24:00"},
        {"weekday": 5, "start": "00:00", "end": "24:00"},
    ]
    assert rules_of(coach) == [
        (0, dt.time(9), dt.time(12)),
        (0, dt.time(13), dt.time(17, 30)),
        (4, dt.time(20), dt.time(0)),
        (5, dt.time(0), dt.time(0)),
    ]


def test_get_reads_the_weekly_hours(coach, member_api):
    # given
    WeeklyRuleFactory(coach=coach, weekday=2, start_time=dt.time(8), end_time=dt.time(10))
    WeeklyRuleFactory(weekday=2)

    # when
    response = member_api.get(f"{API}/me/coach/schedule")

    # then
    assert response.status_code == 200
    assert response.json() == [{"weekday": 2, "start": "08:00", "end": "10:00"}]


def test_an_empty_list_clears_the_hours(coach, member_api):
    # given
    WeeklyRuleFactory(coach=coach)

    # when
    response = member_api.put(f"{API}/me/coach/schedule", [], format="json")

    # then
    assert (response.status_code, response.json(), rules_of(coach)) == (200, [], [])


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        (
            [
                {"weekday": 1, "start": "09:00", "end": "12:00"},
                {"weekday": 2, "start": "09:00", "end": "12:00"},
                {"weekday": 1, "start": "11:00", "end": "13:00"},
            ],
            {"code": "overlap", "attr": "2.start"},
        ),
        (
            [
                {"weekday": 1, "start": "09:00", "end": "24:00"},
                {"weekday": 1, "start": "23:00", "end": "00:00"},
            ],
            {"code": "overlap", "attr": "1.start"},
        ),
        (
            [{"weekday": 1, "start": "12:00", "end": "09:00"}],
            {"code": "end_before_start", "attr": "0.end"},
        ),
        (
            [{"weekday": 1, "start": "09:00", "end": "09:00"}],
            {"code": "end_before_start", "attr": "0.end"},
        ),
        (
            [{"weekday": 7, "start": "09:00", "end": "10:00"}],
            {"code": "max_value", "attr": "0.weekday"},
        ),
        ([{"weekday": 1, "start": "9am", "end": "10:00"}], {"code": "invalid", "attr": "0.start"}),
        (
            [{"weekday": 1, "start": "24:00", "end": "24:00"}],
            {"code": "end_of_day", "attr": "0.start"},
        ),
        ([{"weekday": 1, "start": "09:00", "end": "25:00"}], {"code": "invalid", "attr": "0.end"}),
        ([{"weekday": 1, "start": "09:00"}], {"code": "required", "attr": "0.end"}),
        ({"weekday": 1}, {"code": "not_a_list", "attr": "non_field_errors"}),
    ],
)
def test_bad_rows_are_named_and_change_nothing(coach, member_api, rows, error):
    # given
    WeeklyRuleFactory(coach=coach)
    before = rules_of(coach)

    # when
    response = member_api.put(f"{API}/me/coach/schedule", rows, format="json")

    # then
    assert response.status_code == 400
    assert errors_of(response) == [error]
    assert rules_of(coach) == before


def test_touching_rows_do_not_overlap(coach, member_api):
    # when
    response = member_api.put(
        f"{API}/me/coach/schedule",
        [
            {"weekday": 3, "start": "09:00", "end": "12:00"},
            {"weekday": 3, "start": "12:00", "end": "15:00"},
        ],
        format="json",
    )

    # then
    assert response.status_code == 200
    assert len(rules_of(coach)) == 2


def test_the_schedule_needs_a_sign_in_and_a_coach(api, other_member):
    # when
    answers = [
        api.get(f"{API}/me/coach/schedule"),
        api.put(f"{API}/me/coach/schedule", [], format="json"),
        client_for(other_member).get(f"{API}/me/coach/schedule"),
        client_for(other_member).put(f"{API}/me/coach/schedule", [], format="json"),
    ]

    # then
    assert [r.status_code for r in answers] == [401, 401, 404, 404]


@pytest.mark.parametrize("rows", [1, 10])
def test_reading_the_schedule_costs_the_same_queries(
    coach, member_api, rows, django_assert_max_num_queries
):
    # given
    for index in range(rows):
        WeeklyRuleFactory(
            coach=coach, weekday=index % 7, start_time=dt.time(index), end_time=dt.time(index + 1)
        )

    # when
    with django_assert_max_num_queries(4):
        response = member_api.get(f"{API}/me/coach/schedule")

    # then
    assert len(response.json()) == rows


# --- overrides ------------------------------------------------------------------------------


def test_post_replaces_one_dates_hours(coach, member_api):
    # given
    DateOverrideFactory(coach=coach, date=DAY)
    DateOverrideFactory(coach=coach, date=DAY + dt.timedelta(days=1))

    # when
    response = member_api.post(
        f"{API}/me/coach/overrides",
        {
            "date": DAY.isoformat(),
            "ranges": [{"start": "14:00", "end": "16:00"}, {"start": "08:00", "end": "09:00"}],
        },
        format="json",
    )

    # then
    assert response.status_code == 201
    assert response.json() == {
        "date": "2030-03-04",
        "ranges": [{"start": "08:00", "end": "09:00"}, {"start": "14:00", "end": "16:00"}],
    }
    assert overrides_of(coach) == [
        (DAY, dt.time(8), dt.time(9)),
        (DAY, dt.time(14), dt.time(16)),
        (DAY + dt.timedelta(days=1), dt.time(10), dt.time(12)),
    ]


def test_no_ranges_is_a_day_off(coach, member_api):
    # when
    response = member_api.post(
        f"{API}/me/coach/overrides", {"date": DAY.isoformat(), "ranges": []}, format="json"
    )

    # then
    assert response.status_code == 201
    assert response.json() == {"date": "2030-03-04", "ranges": []}
    assert overrides_of(coach) == [(DAY, None, None)]


def test_get_lists_the_overrides_between_two_dates(coach, member_api):
    # given
    DateOverrideFactory(coach=coach, date=DAY - dt.timedelta(days=1))
    DateOverrideFactory(coach=coach, date=DAY, start_time=None, end_time=None)
    DateOverrideFactory(coach=coach, date=DAY + dt.timedelta(days=2))
    DateOverrideFactory(coach=coach, date=DAY + dt.timedelta(days=3))
    DateOverrideFactory(date=DAY)

    # when
    response = member_api.get(
        f"{API}/me/coach/overrides",
        {"from": DAY.isoformat(), "to": (DAY + dt.timedelta(days=2)).isoformat()},
    )

    # then
    assert response.status_code == 200
    assert response.json() == [
        {"date": "2030-03-04", "ranges": []},
        {"date": "2030-03-06", "ranges": [{"start": "10:00", "end": "12:00"}]},
    ]


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ({"from": "tomorrow"}, "from"),
        ({"to": "2030-13-01"}, "to"),
        ({"from": "2030-03-05", "to": "2030-03-04"}, "to"),
    ],
)
def test_bad_override_queries_are_named(coach, member_api, query, attr):
    # when
    response = member_api.get(f"{API}/me/coach/overrides", query)

    # then
    assert response.status_code == 400
    assert [e["attr"] for e in errors_of(response)] == [attr]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"ranges": []}, {"code": "required", "attr": "date"}),
        ({"date": "soon", "ranges": []}, {"code": "invalid", "attr": "date"}),
        ({"date": "2030-03-04"}, {"code": "required", "attr": "ranges"}),
        (
            {"date": "2030-03-04", "ranges": [{"start": "10:00", "end": "09:00"}]},
            {"code": "end_before_start", "attr": "ranges.0.end"},
        ),
        (
            {
                "date": "2030-03-04",
                "ranges": [{"start": "09:00", "end": "11:00"}, {"start": "10:00", "end": "12:00"}],
            },
            {"code": "overlap", "attr": "ranges.1.start"},
        ),
    ],
)
def test_bad_overrides_are_named(coach, member_api, body, error):
    # when
    response = member_api.post(f"{API}/me/coach/overrides", body, format="json")

    # then
    assert response.status_code == 400
    assert errors_of(response) == [error]
    assert overrides_of(coach) == []


def test_delete_goes_back_to_the_weekly_hours(coach, member_api):
    # given
    DateOverrideFactory(coach=coach, date=DAY)
    DateOverrideFactory(coach=coach, date=DAY, start_time=dt.time(14), end_time=dt.time(15))
    kept = DateOverrideFactory(coach=coach, date=DAY + dt.timedelta(days=1))

    # when
    response = member_api.delete(f"{API}/me/coach/overrides/{DAY.isoformat()}")

    # then
    assert response.status_code == 204
    assert overrides_of(coach) == [(kept.date, kept.start_time, kept.end_time)]


def test_deleting_a_date_without_an_override_or_a_bad_date_is_not_found(coach, member_api):
    # when
    answers = [
        member_api.delete(f"{API}/me/coach/overrides/{DAY.isoformat()}"),
        member_api.delete(f"{API}/me/coach/overrides/someday"),
    ]

    # then
    assert [r.status_code for r in answers] == [404, 404]


def test_another_coachs_override_is_not_touched(coach, other_member):
    # given
    CoachFactory(user=other_member)
    DateOverrideFactory(coach=coach, date=DAY)

    # when
    response = client_for(other_member).delete(f"{API}/me/coach/overrides/{DAY.isoformat()}")

    # then
    assert response.status_code == 404
    assert len(overrides_of(coach)) == 1


def test_overrides_need_a_sign_in(api):
    # when
    answers = [
        api.get(f"{API}/me/coach/overrides"),
        api.post(f"{API}/me/coach/overrides", {}, format="json"),
        api.delete(f"{API}/me/coach/overrides/{DAY.isoformat()}"),
    ]

    # then
    assert [r.status_code for r in answers] == [401, 401, 401]


@pytest.mark.parametrize("rows", [1, 10])
def test_listing_overrides_costs_the_same_queries(
    coach, member_api, rows, django_assert_max_num_queries
):
    # given
    for index in range(rows):
        DateOverrideFactory(coach=coach, date=DAY + dt.timedelta(days=index))

    # when
    with django_assert_max_num_queries(4):
        response = member_api.get(f"{API}/me/coach/overrides")

    # then
    assert len(response.json()) == rows
