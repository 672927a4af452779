"""The inbox endpoints: list, unread count, mark one read, mark all read."""

import uuid

import pytest
from django.utils import timezone

from accounts.tests.helpers import errors_of
from notifications.models import Notification

from .factories import NotificationFactory

pytestmark = pytest.mark.django_db

INBOX = "/api/v1/notifications"
UNREAD_COUNT = "/api/v1/notifications/unread-count"
READ_ALL = "/api/v1/notifications/read-all"


def read_url(notification) -> str:
    return f"/api/v1/notifications/{notification.pk}/read"


def iso(moment) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def shape(notification: Notification) -> dict:
    return {
        "id": str(notification.pk),
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "data": notification.data,
        "is_read": notification.read_at is not None,
        "read_at": iso(notification.read_at),
        "created_at": iso(notification.created_at),
    }


# --- GET /notifications -------------------------------------------------------------------


def test_the_inbox_lists_the_callers_notifications_newest_first(member_api, member, other_member):
    # given
    older = NotificationFactory(user=member, data={"url": "https://example.com/x"})
    newer = NotificationFactory(user=member, read_at=timezone.now())
    NotificationFactory(user=other_member)
    NotificationFactory(user=member, in_app=False)  # email only: not in the inbox

    # when
    response = member_api.get(INBOX)

    # then
    assert response.status_code == 200
    newer.refresh_from_db()
    body = response.json()
    assert body["previous"] is None
    assert body["next"] is None
    assert [item["id"] for item in body["results"]] == [str(newer.pk), str(older.pk)]
    assert body["results"][1] == shape(older)
    assert body["results"][0]["is_read"] is True


@pytest.mark.parametrize(("unread", "expected"), [("true", ["unread"]), ("false", ["read"])])
def test_the_inbox_filters_on_unread(member_api, member, unread, expected):
    # given
    NotificationFactory(user=member, title="read", read_at=timezone.now())
    NotificationFactory(user=member, title="unread")

    # when
    response = member_api.get(INBOX, {"unread": unread})

    # then
    assert response.status_code == 200
    assert [item["title"] for item in response.json()["results"]] == expected


def test_the_inbox_is_cursor_paginated(member_api, member):
    # given
    notifications = NotificationFactory.create_batch(3, user=member)

    # when
    first = member_api.get(INBOX, {"page_size": 2})
    second = member_api.get(first.json()["next"])

    # then
    titles = [n.title for n in reversed(notifications)]
    assert [item["title"] for item in first.json()["results"]] == titles[:2]
    assert [item["title"] for item in second.json()["results"]] == titles[2:]
    assert second.json()["next"] is None


def test_a_bad_unread_value_is_a_400_naming_it(member_api):
    response = member_api.get(INBOX, {"unread": "maybe"})

    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid", "attr": "unread"}]


def test_the_inbox_needs_authentication(api):
    response = api.get(INBOX)

    assert response.status_code == 401


def test_the_inbox_with_a_trailing_slash_is_not_a_server_error(member_api):
    assert member_api.get(f"{INBOX}/").status_code == 404


def test_the_inbox_query_count_does_not_grow(member_api, member, django_assert_num_queries):
    # given: the token's user, then one page of notifications
    NotificationFactory.create_batch(2, user=member)
    with django_assert_num_queries(2):
        member_api.get(INBOX)
    NotificationFactory.create_batch(30, user=member, data={"url": "https://example.com"})

    # when / then
    with django_assert_num_queries(2):
        response = member_api.get(INBOX)
    assert len(response.json()["results"]) == 20


# --- GET /notifications/unread-count ------------------------------------------------------


def test_unread_count_counts_the_callers_unread_inbox(member_api, member, other_member):
    # given
    NotificationFactory.create_batch(2, user=member)
    NotificationFactory(user=member, read_at=timezone.now())
    NotificationFactory(user=member, in_app=False)
    NotificationFactory(user=other_member)

    # when
    response = member_api.get(UNREAD_COUNT)

    # then
    assert response.status_code == 200
    assert response.json() == {"count": 2}


def test_unread_count_needs_authentication(api):
    assert api.get(UNREAD_COUNT).status_code == 401


def test_unread_count_query_count_does_not_grow(member_api, member, django_assert_num_queries):
    NotificationFactory(user=member)
    with django_assert_num_queries(2):
        member_api.get(UNREAD_COUNT)
    NotificationFactory.create_batch(25, user=member)

    with django_assert_num_queries(2):
        response = member_api.get(UNREAD_COUNT)
    assert response.json() == {"count": 26}


# --- POST /notifications/{id}/read --------------------------------------------------------


def test_read_marks_one_notification_read(member_api, member):
    # given
    notification = NotificationFactory(user=member)
    untouched = NotificationFactory(user=member)

    # when
    response = member_api.post(read_url(notification))

    # then
    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert response.json() == shape(notification)
    untouched.refresh_from_db()
    assert untouched.read_at is None


def test_reading_twice_keeps_the_first_read_time(member_api, member):
    # given
    first_read = timezone.now() - timezone.timedelta(days=1)
    notification = NotificationFactory(user=member, read_at=first_read)

    # when
    response = member_api.post(read_url(notification))

    # then
    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.read_at == first_read


def test_another_members_notification_is_a_404_and_stays_unread(member_api, other_member):
    # given
    theirs = NotificationFactory(user=other_member)

    # when
    response = member_api.post(read_url(theirs))

    # then
    assert response.status_code == 404
    assert errors_of(response) == [{"code": "not_found", "attr": None}]
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("make", [lambda member: uuid.uuid4(), lambda member: "not-a-uuid"])
def test_an_unknown_notification_is_a_404(member_api, member, make):
    response = member_api.post(f"/api/v1/notifications/{make(member)}/read")

    assert response.status_code == 404


def test_an_email_only_notification_is_not_in_the_inbox(member_api, member):
    notification = NotificationFactory(user=member, in_app=False)

    assert member_api.post(read_url(notification)).status_code == 404


def test_read_needs_authentication(api, member):
    notification = NotificationFactory(user=member)

    response = api.post(read_url(notification))

    assert response.status_code == 401
    notification.refresh_from_db()
    assert notification.read_at is None


def test_read_query_count(member_api, member, django_assert_num_queries):
    # user, the notification, the update and the unread count for the member's other
    # sockets, in a savepoint
    notification = NotificationFactory(user=member)
    NotificationFactory.create_batch(10, user=member)

    with django_assert_num_queries(6):
        response = member_api.post(read_url(notification))
    assert response.status_code == 200


# --- POST /notifications/read-all ---------------------------------------------------------


def test_read_all_marks_every_unread_notification_of_the_caller(member_api, member, other_member):
    # given
    earlier = timezone.now() - timezone.timedelta(hours=1)
    already_read = NotificationFactory(user=member, read_at=earlier)
    NotificationFactory.create_batch(3, user=member)
    theirs = NotificationFactory(user=other_member)

    # when
    response = member_api.post(READ_ALL)

    # then
    assert response.status_code == 200
    assert response.json() == {"marked": 3}
    assert not Notification.objects.filter(user=member, read_at__isnull=True).exists()
    already_read.refresh_from_db()
    assert already_read.read_at == earlier
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_with_nothing_unread_marks_nothing(member_api):
    response = member_api.post(READ_ALL)

    assert response.status_code == 200
    assert response.json() == {"marked": 0}


def test_read_all_needs_authentication(api, member):
    NotificationFactory(user=member)

    assert api.post(READ_ALL).status_code == 401
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_read_all_query_count_does_not_grow(member_api, member, django_assert_num_queries):
    # user, then the update and the unread count in a savepoint
    NotificationFactory.create_batch(2, user=member)
    with django_assert_num_queries(5):
        member_api.post(READ_ALL)
    NotificationFactory.create_batch(40, user=member)

    with django_assert_num_queries(5):
        response = member_api.post(READ_ALL)
    assert response.json() == {"marked": 40}
