"""schedule(), cancel() and the dispatcher: due rows are sent once, the rest wait."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications import kinds, services, tasks
from notifications.models import Notification, ScheduledNotification

from .factories import ScheduledNotificationFactory

pytestmark = pytest.mark.django_db

Status = ScheduledNotification.Status


def statuses() -> dict[str, str]:
    return {
        row.payload["title"]: row.status for row in ScheduledNotification.objects.order_by("pk")
    }


def due(user, title: str, **extra) -> ScheduledNotification:
    return ScheduledNotificationFactory(
        user=user, payload={"title": title, "body": "Body.", "data": {"n": title}}, **extra
    )


def test_schedule_stores_a_pending_row(member):
    # given
    when = timezone.now() + timedelta(days=2)

    # when
    row = services.schedule(
        user=member, kind="welcome", when=when, title="Hi", body="Hello.", data={"a": 1}
    )

    # then
    row.refresh_from_db()
    assert (row.user, row.kind, row.send_at, row.status, row.attempts) == (
        member,
        "welcome",
        when,
        "pending",
        0,
    )
    assert row.payload == {"title": "Hi", "body": "Hello.", "data": {"a": 1}}


def test_schedule_refuses_an_unknown_kind_and_a_naive_time(member):
    with pytest.raises(kinds.UnknownKind):
        services.schedule(user=member, kind="nope", when=timezone.now(), title="x")
    with pytest.raises(ValueError, match="aware"):
        services.schedule(
            user=member, kind="welcome", when=timezone.now().replace(tzinfo=None), title="x"
        )
    assert ScheduledNotification.objects.count() == 0


def test_the_dispatcher_sends_due_rows_and_leaves_future_ones(
    member, django_capture_on_commit_callbacks
):
    # given
    now = timezone.now()
    sent = due(member, "due", send_at=now - timedelta(minutes=5))
    later = due(member, "later", send_at=now + timedelta(minutes=5))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        report = services.dispatch_due(now=now)

    # then
    assert report.as_dict() == {"sent": 1, "cancelled": 0, "failed": 0, "postponed": 0}
    assert statuses() == {"due": "sent", "later": "pending"}
    sent.refresh_from_db()
    assert (sent.attempts, sent.error) == (1, "")
    assert sent.sent_at is not None
    notification = Notification.objects.get()
    assert (notification.scheduled, notification.user, notification.title) == (sent, member, "due")
    assert (notification.body, notification.data) == ("Body.", {"n": "due"})
    assert [m.subject for m in mail.outbox] == ["due"]
    later.refresh_from_db()
    assert later.attempts == 0


def test_a_row_becomes_due_with_time(member):
    # given
    now = timezone.now()
    due(member, "tomorrow", send_at=now + timedelta(days=1))

    # when
    today = services.dispatch_due(now=now)
    tomorrow = services.dispatch_due(now=now + timedelta(days=1, seconds=1))

    # then
    assert (today.sent, tomorrow.sent) == (0, 1)
    assert statuses() == {"tomorrow": "sent"}


def test_running_the_dispatcher_twice_sends_each_row_once(
    member, django_capture_on_commit_callbacks
):
    # given
    for n in range(3):
        due(member, f"row {n}")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = services.dispatch_due()
        second = services.dispatch_due()

    # then
    assert (first.sent, second.sent) == (3, 0)
    assert Notification.objects.count() == 3
    assert len(mail.outbox) == 3


def test_the_dispatcher_works_through_several_batches(member):
    for n in range(7):
        due(member, f"row {n}")

    report = services.dispatch_due(batch_size=3)

    assert report.sent == 7
    assert set(statuses().values()) == {"sent"}


def test_cancelled_rows_are_never_sent(member):
    # given
    kept = due(member, "kept")
    dropped = due(member, "dropped")

    # when
    cancelled = services.cancel(scheduled=dropped, reason="The booking was cancelled.")
    report = services.dispatch_due()

    # then
    assert cancelled is True
    assert report.sent == 1
    assert statuses() == {"kept": "sent", "dropped": "cancelled"}
    dropped.refresh_from_db()
    assert dropped.cancel_reason == "The booking was cancelled."
    assert list(Notification.objects.values_list("scheduled", flat=True)) == [kept.pk]


def test_a_sent_or_cancelled_row_cannot_be_cancelled(member):
    # given
    sent = due(member, "sent")
    services.dispatch_due()
    cancelled = due(member, "cancelled", status=Status.CANCELLED, cancel_reason="first")

    # when / then
    assert services.cancel(scheduled=sent) is False
    assert services.cancel(scheduled=cancelled.pk, reason="second") is False
    cancelled.refresh_from_db()
    assert cancelled.cancel_reason == "first"
    assert statuses() == {"sent": "sent", "cancelled": "cancelled"}


def test_a_row_of_a_closed_account_is_cancelled(member):
    # given
    due(member, "closed")
    member.is_active = False
    member.save(update_fields=["is_active"])

    # when
    report = services.dispatch_due()

    # then
    assert report.cancelled == 1
    row = ScheduledNotification.objects.get()
    assert (row.status, row.cancel_reason) == ("cancelled", "The account is closed.")
    assert Notification.objects.count() == 0


def test_a_failing_row_is_postponed_then_failed_without_holding_up_the_others(member, settings):
    # given: a row of a kind that was removed from the code while it waited
    settings.NOTIFICATIONS_DISPATCH_MAX_ATTEMPTS = 2
    now = timezone.now()
    broken = ScheduledNotificationFactory(user=member, kind="retired_kind", send_at=now)
    due(member, "fine", send_at=now)

    # when
    first = services.dispatch_due(now=now)
    broken.refresh_from_db()
    postponed = (broken.status, broken.attempts, broken.send_at)
    second = services.dispatch_due(now=now + timedelta(minutes=2))

    # then
    assert first.as_dict() == {"sent": 1, "cancelled": 0, "failed": 0, "postponed": 1}
    assert postponed == ("pending", 1, now + timedelta(minutes=2))
    assert second.as_dict() == {"sent": 0, "cancelled": 0, "failed": 1, "postponed": 0}
    broken.refresh_from_db()
    assert (broken.status, broken.attempts) == ("failed", 2)
    assert broken.error == "UnknownKind: No notification kind 'retired_kind' is registered."
    assert Notification.objects.filter(scheduled=broken).count() == 0


def test_the_channels_are_decided_when_the_row_is_sent(member):
    # given: scheduled while email was on, switched off before it is due
    due(member, "later")
    services.preferences_update(user=member, changes={"welcome": {"email": False}})

    # when
    services.dispatch_due()

    # then
    notification = Notification.objects.get()
    assert (notification.in_app, notification.email_status) == (True, "none")


def test_the_beat_task_dispatches_and_reports(member, django_capture_on_commit_callbacks):
    # given
    due(member, "due")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.dispatch_due.delay()

    # then
    assert result.get() == {
        "sent": 1,
        "cancelled": 0,
        "failed": 0,
        "postponed": 0,
        "emails_requeued": 0,
    }
    assert len(mail.outbox) == 1


def test_the_dispatcher_is_in_the_beat_schedule(settings):
    assert settings.CELERY_BEAT_SCHEDULE["notifications-dispatch-due"] == {
        "task": "notifications.tasks.dispatch_due",
        "schedule": 60.0,
    }


def test_dispatch_query_count_per_row_does_not_depend_on_other_rows(
    django_assert_num_queries,
):
    # given: rows of several members, their preferences fetched once per batch
    for _ in range(3):
        due(UserFactory(), "row")
    # savepoint, the batch with its users and profiles, their preferences; per row:
    # savepoint, insert, update, release; release
    with django_assert_num_queries(3 + 3 * 4 + 1):
        services.dispatch_due()
