"""The public catalogue: coaches and courses, their filters and orderings, and staff's
publish switch."""

import datetime as dt

import pytest

from accounts.tests.factories import ProfileFactory, UserFactory
from accounts.tests.helpers import client_for, errors_of
from analytics.models import Event
from core.models import AuditEntry
from marketplace.models import Coach, Enrolment

from .factories import BookingFactory, CoachFactory, CourseFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/marketplace"
NOW = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)


def named_coach(name: str, **kwargs) -> Coach:
    user = UserFactory()
    ProfileFactory(user=user, display_name=name)
    return CoachFactory(user=user, **kwargs)


def ids(response) -> list[str]:
    return [row["id"] for row in response.json()["results"]]


# --- GET /coaches ---------------------------------------------------------------------------


def test_the_list_shows_published_coaches_without_signing_in(api):
    # given
    coach = named_coach(
        "Ada Lovelace",
        headline="Career changes",
        specialties=["career"],
        languages=["en", "fr"],
        timezone="Europe/Paris",
        rating_sum=9,
        rating_count=2,
        next_available_at=NOW,
    )
    CourseFactory(coach=coach, price_amount=5000, currency="eur")
    CourseFactory(coach=coach, price_amount=3000, currency="eur")
    CourseFactory(coach=coach, price_amount=100, currency="eur", active=False)
    CoachFactory(published=False)

    # when
    response = api.get(f"{API}/coaches")

    # then
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert response.json()["results"] == [
        {
            "id": str(coach.pk),
            "display_name": "Ada Lovelace",
            "headline": "Career changes",
            "specialties": ["career"],
            "languages": ["en", "fr"],
            "timezone": "Europe/Paris",
            "rating_avg": 4.5,
            "rating_count": 2,
            "price_from": {"amount": 3000, "currency": "eur"},
            "next_available": "2030-01-01T12:00:00Z",
        }
    ]


def test_a_coach_without_an_active_course_has_no_price_and_no_rating(api):
    # given
    coach = named_coach("Bo")

    # when
    response = api.get(f"{API}/coaches")

    # then
    row = response.json()["results"][0]
    assert (row["id"], row["price_from"], row["rating_avg"]) == (str(coach.pk), None, None)


def test_the_default_order_is_by_rating_then_number_of_ratings(api):
    # given
    unrated = named_coach("A")
    few = named_coach("B", rating_sum=5, rating_count=1)
    many = named_coach("C", rating_sum=50, rating_count=10)
    lower = named_coach("D", rating_sum=8, rating_count=2)

    # when
    response = api.get(f"{API}/coaches")

    # then
    assert ids(response) == [str(c.pk) for c in (many, few, lower, unrated)]


def test_ordering_by_next_available_and_by_price(api):
    # given
    later = named_coach("A", next_available_at=NOW + dt.timedelta(days=2))
    sooner = named_coach("B", next_available_at=NOW)
    never = named_coach("C", next_available_at=None)
    CourseFactory(coach=later, price_amount=100)
    CourseFactory(coach=sooner, price_amount=900)

    # when
    by_time = api.get(f"{API}/coaches", {"ordering": "next_available"})
    by_price = api.get(f"{API}/coaches", {"ordering": "price_from"})

    # then
    assert ids(by_time) == [str(c.pk) for c in (sooner, later, never)]
    assert ids(by_price) == [str(c.pk) for c in (later, sooner, never)]


def test_search_matches_name_headline_and_specialty(api):
    # given
    by_name = named_coach("Grace Hopper", headline="x", specialties=["a"])
    by_headline = named_coach("Someone", headline="Public speaking", specialties=["b"])
    by_specialty = named_coach("Other", headline="y", specialties=["negotiation"])

    # when
    answers = [
        ids(api.get(f"{API}/coaches", {"search": word}))
        for word in ("hopper", "SPEAKING", "negoti")
    ]

    # then
    assert answers == [[str(by_name.pk)], [str(by_headline.pk)], [str(by_specialty.pk)]]


def test_filters_by_specialty_language_price_and_availability(api):
    # given
    first = named_coach("A", specialties=["leadership"], languages=["en"], next_available_at=NOW)
    second = named_coach(
        "B",
        specialties=["leadership skills"],
        languages=["fr"],
        next_available_at=NOW + dt.timedelta(days=5),
    )
    CourseFactory(coach=first, price_amount=1000)
    CourseFactory(coach=second, price_amount=5000)

    # when
    answers = [
        ids(api.get(f"{API}/coaches", query))
        for query in (
            {"specialty": "Leadership"},
            {"language": "FR"},
            {"price_min": 2000},
            {"price_max": 2000},
            {"available_before": (NOW + dt.timedelta(days=1)).isoformat()},
        )
    ]

    # then
    assert answers == [
        [str(first.pk)],
        [str(second.pk)],
        [str(second.pk)],
        [str(first.pk)],
        [str(first.pk)],
    ]


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ({"ordering": "name"}, "ordering"),
        ({"price_min": "cheap"}, "price_min"),
        ({"price_max": "-1"}, "price_max"),
        ({"available_before": "soon"}, "available_before"),
        ({"language": "english"}, "language"),
        ({"search": "x" * 101}, "search"),
    ],
)
def test_bad_query_parameters_are_named(api, query, attr):
    # when
    response = api.get(f"{API}/coaches", query)

    # then
    assert response.status_code == 400
    assert [e["attr"] for e in errors_of(response)] == [attr]


@pytest.mark.parametrize("rows", [1, 8])
def test_the_list_costs_the_same_queries_whatever_its_size(
    api, rows, django_assert_max_num_queries
):
    # given
    for _ in range(rows):
        coach = named_coach("Coach")
        CourseFactory.create_batch(2, coach=coach)

    # when
    with django_assert_max_num_queries(2):
        response = api.get(f"{API}/coaches")

    # then
    assert len(response.json()["results"]) == rows


# --- GET /coaches/{id} ----------------------------------------------------------------------


def test_a_profile_shows_bio_active_courses_and_policy(api):
    # given
    coach = named_coach("Ada", bio="Hello.", free_cancel_hours=12, reschedule_limit=1)
    course = CourseFactory(coach=coach, title="Intro", price_amount=0, duration_minutes=30)
    CourseFactory(coach=coach, active=False)

    # when
    response = api.get(f"{API}/coaches/{coach.pk}")

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["display_name"], body["bio"], body["policy"]) == (
        "Ada",
        "Hello.",
        {"free_cancel_hours": 12, "reschedule_limit": 1},
    )
    assert body["courses"] == [
        {
            "id": str(course.pk),
            "title": "Intro",
            "description": course.description,
            "kind": "one_to_one",
            "duration_minutes": 30,
            "price": {"amount": 0, "currency": "usd"},
            "capacity": 1,
        }
    ]


def test_an_unpublished_coach_is_not_found(api):
    # given
    coach = CoachFactory(published=False)

    # when
    response = api.get(f"{API}/coaches/{coach.pk}")

    # then
    assert response.status_code == 404


# --- GET /courses ---------------------------------------------------------------------------


def test_courses_lists_active_courses_of_published_coaches(api):
    # given
    coach = named_coach("Ada")
    course = CourseFactory(
        coach=coach, title="Pitch practice", kind="group", capacity=6, price_amount=2500
    )
    CourseFactory(coach=coach, active=False)
    CourseFactory(coach=CoachFactory(published=False))

    # when
    response = api.get(f"{API}/courses")

    # then
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": str(course.pk),
            "title": "Pitch practice",
            "description": course.description,
            "coach": {"id": str(coach.pk), "display_name": "Ada"},
            "kind": "group",
            "duration_minutes": 60,
            "price": {"amount": 2500, "currency": "usd"},
            "capacity": 6,
        }
    ]


def test_course_filters(api):
    # given
    english = named_coach("A", languages=["en"])
    french = named_coach("B", languages=["fr"])
    cheap = CourseFactory(coach=english, title="Budget basics", price_amount=500)
    group = CourseFactory(coach=french, kind="group", capacity=4, price_amount=4000)

    # when
    answers = [
        ids(api.get(f"{API}/courses", query))
        for query in (
            {"coach": str(french.pk)},
            {"search": "budget"},
            {"kind": "group"},
            {"language": "en"},
            {"price_min": 1000},
            {"price_max": 1000},
        )
    ]

    # then
    assert answers == [
        [str(group.pk)],
        [str(cheap.pk)],
        [str(group.pk)],
        [str(cheap.pk)],
        [str(group.pk)],
        [str(cheap.pk)],
    ]


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ({"coach": "nope"}, "coach"),
        ({"kind": "solo"}, "kind"),
        ({"price_min": "x"}, "price_min"),
        ({"language": "e1"}, "language"),
    ],
)
def test_bad_course_filters_are_named(api, query, attr):
    # when
    response = api.get(f"{API}/courses", query)

    # then
    assert response.status_code == 400
    assert [e["attr"] for e in errors_of(response)] == [attr]


@pytest.mark.parametrize("rows", [1, 8])
def test_the_course_list_costs_the_same_queries_whatever_its_size(
    api, rows, django_assert_max_num_queries
):
    # given
    for _ in range(rows):
        CourseFactory(coach=named_coach("Coach"))

    # when
    with django_assert_max_num_queries(2):
        response = api.get(f"{API}/courses")

    # then
    assert len(response.json()["results"]) == rows


def test_one_course_and_the_courses_not_shown(api):
    # given
    course = CourseFactory(coach=named_coach("Ada"))
    inactive = CourseFactory(active=False)
    unpublished = CourseFactory(coach=CoachFactory(published=False))

    # when
    statuses = [
        api.get(f"{API}/courses/{c.pk}").status_code for c in (course, inactive, unpublished)
    ]

    # then
    assert statuses == [200, 404, 404]
    assert api.get(f"{API}/courses/{course.pk}").json()["coach"]["display_name"] == "Ada"


# --- PATCH /coaches/{id}/publish ------------------------------------------------------------


def test_staff_publish_a_coach_and_it_is_audited(
    staff, staff_api, django_capture_on_commit_callbacks
):
    # given
    coach = CoachFactory(published=False, published_at=None)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.patch(
            f"{API}/coaches/{coach.pk}/publish", {"published": True}, format="json"
        )

    # then
    assert response.status_code == 200
    coach.refresh_from_db()
    assert response.json() == {
        "id": str(coach.pk),
        "published": True,
        "published_at": coach.published_at.isoformat().replace("+00:00", "Z"),
    }
    assert list(
        AuditEntry.objects.values_list("actor", "action", "target_id", "subject_id", "changes")
    ) == [
        (
            staff.pk,
            "change",
            str(coach.pk),
            str(coach.user_id),
            {"fields": ["published"], "published": True},
        )
    ]
    assert list(Event.objects.values_list("name", "user", "properties")) == [
        ("coach_published", coach.user_id, {"coach_id": str(coach.pk)})
    ]


def test_staff_unpublish_a_coach_and_the_profile_disappears(staff_api, api):
    # given
    coach = CoachFactory()

    # when
    response = staff_api.patch(
        f"{API}/coaches/{coach.pk}/publish", {"published": False}, format="json"
    )

    # then
    assert response.status_code == 200
    assert response.json()["published_at"] is None
    assert api.get(f"{API}/coaches/{coach.pk}").status_code == 404


def test_publishing_the_current_value_writes_nothing(staff_api):
    # given
    coach = CoachFactory()

    # when
    response = staff_api.patch(
        f"{API}/coaches/{coach.pk}/publish", {"published": True}, format="json"
    )

    # then
    assert response.status_code == 200
    assert AuditEntry.objects.count() == 0


def test_an_erased_coach_cannot_be_published(staff_api):
    # given
    coach = CoachFactory(user=None, published=False)

    # when
    response = staff_api.patch(
        f"{API}/coaches/{coach.pk}/publish", {"published": True}, format="json"
    )

    # then
    assert response.status_code == 409
    assert errors_of(response) == [{"code": "coach_erased", "attr": None}]


def test_publish_refuses_members_anonymous_bad_bodies_and_unknown_coaches(member, api, staff_api):
    # given
    coach = CoachFactory(user=member, published=False)
    url = f"{API}/coaches/{coach.pk}/publish"

    # when
    as_member = client_for(member).patch(url, {"published": True}, format="json")
    anonymous = api.patch(url, {"published": True}, format="json")
    bad = staff_api.patch(url, {"published": "maybe"}, format="json")
    unknown = staff_api.patch(
        f"{API}/coaches/00000000-0000-0000-0000-000000000000/publish",
        {"published": True},
        format="json",
    )

    # then
    assert [r.status_code for r in (as_member, anonymous, bad, unknown)] == [403, 401, 400, 404]
    assert errors_of(bad) == [{"code": "invalid", "attr": "published"}]
    coach.refresh_from_db()
    assert coach.published is False


def test_a_group_course_lists_its_upcoming_sessions_with_seats_left(api):
    # given
    course = CourseFactory(coach=named_coach("Ada"), kind="group", capacity=5)
    session = BookingFactory(course=course, kind="group", client=None, capacity=5)
    Enrolment.objects.create(booking=session, client=UserFactory())
    Enrolment.objects.create(
        booking=session, client=UserFactory(), cancelled_at=dt.datetime.now(dt.UTC)
    )
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    BookingFactory(course=course, kind="group", client=None, capacity=5, start=past)
    BookingFactory(
        course=course,
        kind="group",
        client=None,
        status="cancelled",
        start=session.start + dt.timedelta(days=1),
    )

    # when
    response = api.get(f"{API}/courses/{course.pk}")

    # then
    assert response.status_code == 200
    assert response.json()["sessions"] == [
        {
            "id": str(session.pk),
            "start": session.start.isoformat().replace("+00:00", "Z"),
            "end": session.end.isoformat().replace("+00:00", "Z"),
            "seats_left": 4,
        }
    ]


def test_a_one_to_one_course_has_no_sessions(api):
    # given
    course = CourseFactory(coach=named_coach("Ada"))
    BookingFactory(course=course)

    # when
    response = api.get(f"{API}/courses/{course.pk}")

    # then
    assert response.json()["sessions"] == []
