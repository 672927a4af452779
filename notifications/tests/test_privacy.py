"""Export, erasure and retention of notifications through the privacy registry."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import account_erase, purge_expired
from core import privacy
from notifications.models import Notification, NotificationPreference, ScheduledNotification

from .factories import (
    NotificationFactory,
    NotificationPreferenceFactory,
    ScheduledNotificationFactory,
)

pytestmark = pytest.mark.django_db


def age(queryset, **fields) -> None:
    queryset.update(**fields)


def test_the_export_holds_the_members_notifications_choices_and_schedule(member, other_member):
    # given
    notification = NotificationFactory(user=member, title="Hello", data={"a": 1})
    NotificationPreferenceFactory(user=member, kind="welcome", email=False)
    row = ScheduledNotificationFactory(user=member)
    NotificationFactory(user=other_member)

    # when
    data = privacy.export_user(member)["data"]

    # then
    assert [(n["id"], n["title"], n["data"]) for n in data["notifications.notification"]] == [
        (str(notification.pk), "Hello", {"a": 1})
    ]
    assert [
        (p["kind"], p["in_app"], p["email"]) for p in data["notifications.notificationpreference"]
    ] == [("welcome", None, False)]
    assert [(s["id"], s["status"]) for s in data["notifications.schedulednotification"]] == [
        (str(row.pk), "pending")
    ]


def test_erasure_removes_every_notification_row_of_the_member(member, other_member):
    # given
    NotificationFactory(user=member)
    NotificationPreferenceFactory(user=member)
    ScheduledNotificationFactory(user=member)
    theirs = NotificationFactory(user=other_member)

    # when
    counts = account_erase(user=member, source="self")

    # then
    assert counts["notifications.notification"] == 1
    assert counts["notifications.notificationpreference"] == 1
    assert counts["notifications.schedulednotification"] == 1
    assert list(Notification.objects.all()) == [theirs]
    assert NotificationPreference.objects.count() == ScheduledNotification.objects.count() == 0


def test_retention_removes_old_read_notifications_and_finished_schedule_rows(member):
    # given
    now = timezone.now()
    old = now - timedelta(days=181)
    read_old = NotificationFactory(user=member, read_at=old)
    email_only_old = NotificationFactory(user=member, in_app=False)
    unread_old = NotificationFactory(user=member)
    read_recent = NotificationFactory(user=member, read_at=now)
    age(
        Notification.objects.filter(pk__in=[read_old.pk, email_only_old.pk, unread_old.pk]),
        created_at=old,
    )
    sent_old = ScheduledNotificationFactory(user=member, status="sent")
    cancelled_old = ScheduledNotificationFactory(user=member, status="cancelled")
    pending_old = ScheduledNotificationFactory(user=member)
    sent_recent = ScheduledNotificationFactory(user=member, status="sent")
    age(
        ScheduledNotification.objects.exclude(pk=sent_recent.pk),
        updated_at=now - timedelta(days=31),
    )

    # when
    counts = purge_expired()

    # then
    assert counts["notifications.notification"] == 2
    assert counts["notifications.schedulednotification"] == 2
    assert set(Notification.objects.values_list("pk", flat=True)) == {
        unread_old.pk,
        read_recent.pk,
    }
    assert set(ScheduledNotification.objects.values_list("pk", flat=True)) == {
        pending_old.pk,
        sent_recent.pk,
    }
    assert not ScheduledNotification.objects.filter(pk__in=[sent_old.pk, cancelled_old.pk]).exists()
