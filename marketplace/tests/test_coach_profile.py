"""A coach's own profile (apply, read, edit) and courses."""

import pytest

from accounts.tests.helpers import client_for, errors_of
from analytics.models import Event
from marketplace.models import Coach, Course

from .factories import BookingFactory, CoachFactory, CourseFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/marketplace"


@pytest.fixture
def coach(member):
    return CoachFactory(user=member, published=False, published_at=None)


# --- /me/coach ------------------------------------------------------------------------------


def test_a_member_applies_and_is_an_unpublished_coach(
    member, member_api, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(
            f"{API}/me/coach",
            {"headline": "Careers", "languages": ["EN"], "policy": {"free_cancel_hours": 48}},
            format="json",
        )

    # then
    assert response.status_code == 201
    coach = Coach.objects.get(user=member)
    body = response.json()
    assert (body["id"], body["published"], body["headline"], body["languages"]) == (
        str(coach.pk),
        False,
        "Careers",
        ["en"],
    )
    assert body["policy"] == {
        "min_notice_minutes": 240,
        "booking_window_days": 60,
        "daily_cap": None,
        "weekly_cap": None,
        "free_cancel_hours": 48,
        "reschedule_limit": 2,
    }
    assert list(Event.objects.values_list("name", "user", "properties")) == [
        ("coach_applied", member.pk, {"coach_id": str(coach.pk)})
    ]


def test_a_second_application_is_a_conflict(coach, member_api):
    # when
    response = member_api.post(f"{API}/me/coach", {}, format="json")

    # then
    assert response.status_code == 409
    assert errors_of(response) == [{"code": "already_a_coach", "attr": None}]
    assert Coach.objects.count() == 1


def test_a_member_who_is_not_a_coach_gets_404(member_api):
    # when
    answers = [
        member_api.get(f"{API}/me/coach"),
        member_api.patch(f"{API}/me/coach", {"headline": "x"}, format="json"),
        member_api.get(f"{API}/me/coach/courses"),
        member_api.post(f"{API}/me/coach/courses", {"title": "x", "duration_minutes": 30}),
    ]

    # then
    assert [r.status_code for r in answers] == [404, 404, 200, 404]


def test_the_coach_reads_their_profile(coach, member_api):
    # when
    response = member_api.get(f"{API}/me/coach")

    # then
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["published"]) == (str(coach.pk), False)


def test_the_coach_edits_profile_and_policy(coach, member_api):
    # when
    response = member_api.patch(
        f"{API}/me/coach",
        {
            "headline": "Leadership",
            "bio": "Bio.",
            "specialties": [" Negotiation ", "negotiation", "Careers"],
            "languages": ["de", "en"],
            "timezone": "Asia/Tokyo",
            "policy": {"daily_cap": 3, "reschedule_limit": 0},
        },
        format="json",
    )

    # then
    assert response.status_code == 200
    coach.refresh_from_db()
    assert (
        coach.headline,
        coach.bio,
        coach.specialties,
        coach.languages,
        coach.timezone,
        coach.daily_cap,
        coach.reschedule_limit,
        coach.free_cancel_hours,
    ) == ("Leadership", "Bio.", ["negotiation", "careers"], ["de", "en"], "Asia/Tokyo", 3, 0, 24)
    assert response.json()["policy"]["daily_cap"] == 3


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"languages": ["english"]}, "languages.0"),
        ({"specialties": ["x" * 41]}, "specialties.0"),
        ({"specialties": "career"}, "specialties"),
        ({"policy": {"booking_window_days": 0}}, "policy.booking_window_days"),
        ({"policy": {"daily_cap": -1}}, "policy.daily_cap"),
        ({"headline": "x" * 161}, "headline"),
    ],
)
def test_bad_profile_input_is_named(coach, member_api, body, attr):
    # when
    response = member_api.patch(f"{API}/me/coach", body, format="json")

    # then
    assert response.status_code == 400
    assert [e["attr"] for e in errors_of(response)] == [attr]


def test_me_coach_needs_a_sign_in(api):
    # when
    answers = [
        api.get(f"{API}/me/coach"),
        api.post(f"{API}/me/coach", {}, format="json"),
        api.patch(f"{API}/me/coach", {}, format="json"),
        api.get(f"{API}/me/coach/courses"),
    ]

    # then
    assert [r.status_code for r in answers] == [401, 401, 401, 401]


# --- /me/coach/courses ----------------------------------------------------------------------


def test_the_coach_adds_a_course(coach, member_api):
    # when
    response = member_api.post(
        f"{API}/me/coach/courses",
        {
            "title": "Mock interview",
            "description": "One hour.",
            "kind": "group",
            "duration_minutes": 45,
            "slot_interval": 15,
            "buffer_before": 5,
            "buffer_after": 10,
            "price": {"amount": 4500, "currency": "EUR"},
            "capacity": 5,
        },
        format="json",
    )

    # then
    assert response.status_code == 201
    course = Course.objects.get()
    body = response.json()
    del body["created_at"], body["updated_at"]
    assert body == {
        "id": str(course.pk),
        "title": "Mock interview",
        "description": "One hour.",
        "kind": "group",
        "duration_minutes": 45,
        "slot_interval": 15,
        "buffer_before": 5,
        "buffer_after": 10,
        "price": {"amount": 4500, "currency": "eur"},
        "capacity": 5,
        "active": True,
    }
    assert (course.coach_id, course.slot_interval_minutes, course.buffer_after_minutes) == (
        coach.pk,
        15,
        10,
    )


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"duration_minutes": 30}, "title"),
        ({"title": "x"}, "duration_minutes"),
        ({"title": "x", "duration_minutes": 2}, "duration_minutes"),
        ({"title": "x", "duration_minutes": 30, "kind": "solo"}, "kind"),
        ({"title": "x", "duration_minutes": 30, "capacity": 3}, "capacity"),
        ({"title": "x", "duration_minutes": 30, "slot_interval": 1}, "slot_interval"),
        ({"title": "x", "duration_minutes": 30, "buffer_before": -5}, "buffer_before"),
        (
            {"title": "x", "duration_minutes": 30, "price": {"amount": -1, "currency": "usd"}},
            "price.amount",
        ),
        (
            {"title": "x", "duration_minutes": 30, "price": {"amount": 1, "currency": "dollars"}},
            "price.currency",
        ),
    ],
)
def test_bad_course_input_is_named(coach, member_api, body, attr):
    # when
    response = member_api.post(f"{API}/me/coach/courses", body, format="json")

    # then
    assert response.status_code == 400
    assert [e["attr"] for e in errors_of(response)] == [attr]
    assert Course.objects.count() == 0


def test_the_list_has_inactive_courses_and_not_other_coaches(coach, member_api):
    # given
    active = CourseFactory(coach=coach)
    inactive = CourseFactory(coach=coach, active=False)
    CourseFactory()

    # when
    response = member_api.get(f"{API}/me/coach/courses")

    # then
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {
        str(active.pk),
        str(inactive.pk),
    }


@pytest.mark.parametrize("rows", [1, 8])
def test_the_course_list_costs_the_same_queries(
    coach, member_api, rows, django_assert_max_num_queries
):
    # given
    CourseFactory.create_batch(rows, coach=coach)

    # when
    with django_assert_max_num_queries(4):
        response = member_api.get(f"{API}/me/coach/courses")

    # then
    assert response.json()["count"] == rows


def test_editing_a_course_leaves_its_bookings_as_they_were(coach, member_api):
    # given
    course = CourseFactory(coach=coach, price_amount=1000, duration_minutes=60)
    booking = BookingFactory(course=course)

    # when
    response = member_api.patch(
        f"{API}/me/coach/courses/{course.pk}",
        {"price": {"amount": 2000}, "duration_minutes": 90, "title": "New"},
        format="json",
    )

    # then
    assert response.status_code == 200
    assert (response.json()["price"], response.json()["duration_minutes"]) == (
        {"amount": 2000, "currency": "usd"},
        90,
    )
    booking.refresh_from_db()
    assert (booking.price_amount, (booking.end - booking.start).total_seconds()) == (1000, 3600)


def test_a_one_to_one_course_cannot_get_a_capacity(coach, member_api):
    # given
    course = CourseFactory(coach=coach)

    # when
    response = member_api.patch(
        f"{API}/me/coach/courses/{course.pk}", {"capacity": 4}, format="json"
    )

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid", "attr": "capacity"}]


def test_deleting_a_booked_course_deactivates_it_and_an_unbooked_one_goes(coach, member_api):
    # given
    booked = CourseFactory(coach=coach)
    BookingFactory(course=booked)
    unbooked = CourseFactory(coach=coach)

    # when
    first = member_api.delete(f"{API}/me/coach/courses/{booked.pk}")
    second = member_api.delete(f"{API}/me/coach/courses/{unbooked.pk}")

    # then
    assert (first.status_code, second.status_code) == (204, 204)
    assert list(Course.objects.values_list("pk", "active")) == [(booked.pk, False)]


def test_another_coachs_course_is_not_found(coach, member_api):
    # given
    other = CourseFactory()

    # when
    answers = [
        member_api.get(f"{API}/me/coach/courses/{other.pk}"),
        member_api.patch(f"{API}/me/coach/courses/{other.pk}", {"title": "x"}, format="json"),
        member_api.delete(f"{API}/me/coach/courses/{other.pk}"),
    ]

    # then
    assert [r.status_code for r in answers] == [404, 404, 404]
    assert Course.objects.filter(pk=other.pk, active=True).exclude(title="x").exists()


def test_courses_of_an_unsigned_caller_are_refused(api):
    # given
    course = CourseFactory()

    # when
    response = api.get(f"{API}/me/coach/courses/{course.pk}")

    # then
    assert response.status_code == 401


def test_a_course_of_the_coach_is_read_by_them_only(coach, other_member):
    # given
    course = CourseFactory(coach=coach)

    # when
    response = client_for(other_member).get(f"{API}/me/coach/courses/{course.pk}")

    # then
    assert response.status_code == 404
