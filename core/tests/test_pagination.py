"""Pagination (docs/API.md): page numbers with a count, cursors without one, ``page_size`` capped."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from accounts.models import Profile, User

pytestmark = [pytest.mark.django_db, pytest.mark.urls("core.tests.urls")]

ROWS = 105


class CursorURL:
    """Equal to an absolute URL of ``path`` carrying a cursor and the given query values:
    the cursor itself is opaque, what matters is that it is there."""

    def __init__(self, path: str, **query: str):
        self.path = path
        self.query = query

    def __eq__(self, other):
        if not isinstance(other, str):
            return False
        parts = urlsplit(other)
        params = {key: values[0] for key, values in parse_qs(parts.query).items()}
        cursor = params.pop("cursor", "")
        return (
            f"{parts.scheme}://{parts.netloc}{parts.path}" == f"http://testserver{self.path}"
            and bool(cursor)
            and params == self.query
        )

    def __repr__(self):
        return f"<cursor URL of {self.path} with {self.query}>"


@pytest.fixture
def users() -> list[User]:
    """Members whose emails sort in creation order."""
    return User.objects.bulk_create([User(email=f"member{n:03}@example.com") for n in range(ROWS)])


@pytest.fixture
def profiles(users) -> list[Profile]:
    """Profiles, newest first, one minute apart."""
    start = timezone.now() - dt.timedelta(days=1)
    created = Profile.objects.bulk_create(
        [Profile(user=user, display_name=f"Member {n:03}") for n, user in enumerate(users)]
    )
    for n, profile in enumerate(created):
        Profile.objects.filter(pk=profile.pk).update(created_at=start + dt.timedelta(minutes=n))
    return list(reversed(created))


def _user_rows(users: list[User]) -> list[dict]:
    return [{"id": str(user.id), "email": user.email} for user in users]


def _profile_rows(profiles: list[Profile]) -> list[dict]:
    return [{"id": str(p.id), "display_name": p.display_name} for p in profiles]


def test_page_numbers_default_to_20_with_a_count(api, users):
    # when
    response = api.get("/users/")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": ROWS,
        "next": "http://testserver/users/?page=2",
        "previous": None,
        "results": _user_rows(users[:20]),
    }


def test_page_size_is_capped_at_100(api, users):
    # when
    response = api.get("/users/", {"page_size": 1000})

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": ROWS,
        "next": "http://testserver/users/?page=2&page_size=1000",
        "previous": None,
        "results": _user_rows(users[:100]),
    }


def test_the_last_page_links_back(api, users):
    # when
    response = api.get("/users/", {"page_size": 100, "page": 2})

    # then
    assert response.json() == {
        "count": ROWS,
        "next": None,
        "previous": "http://testserver/users/?page_size=100",
        "results": _user_rows(users[100:]),
    }


def test_cursor_pages_are_newest_first_and_capped_at_100(api, profiles):
    # when
    response = api.get("/profiles/", {"page_size": 1000})

    # then
    assert response.status_code == 200
    assert response.json() == {
        "next": CursorURL("/profiles/", page_size="1000"),
        "previous": None,
        "results": _profile_rows(profiles[:100]),
    }


def test_the_next_cursor_continues_where_the_page_ended(api, profiles):
    # given
    first = api.get("/profiles/", {"page_size": 1000}).json()

    # when
    response = api.get(first["next"])

    # then
    assert response.json() == {
        "next": None,
        "previous": CursorURL("/profiles/", page_size="1000"),
        "results": _profile_rows(profiles[100:]),
    }
