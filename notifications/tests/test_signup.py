"""A new member gets the welcome at the next dispatch and, unless they verify their address
within a day, a reminder carrying a fresh verification link."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.helpers import key_from_last_email
from notifications import services
from notifications.models import Notification, ScheduledNotification

pytestmark = pytest.mark.django_db

EMAIL = "newcomer@example.com"


def register(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/auth/register",
            {
                "email": EMAIL,
                "password": "a sturdy passphrase 42",
                "confirm_password": "a sturdy passphrase 42",
                "agreed_to_terms": True,
                "agreed_to_privacy": True,
            },
        )
    assert response.status_code == 201
    return response


def dispatch(django_capture_on_commit_callbacks, now=None):
    with django_capture_on_commit_callbacks(execute=True):
        return services.dispatch_due(now=now)


def test_registering_schedules_the_welcome_now_and_the_reminder_a_day_later(
    api, django_capture_on_commit_callbacks
):
    # given
    before = timezone.now()

    # when
    register(api, django_capture_on_commit_callbacks)

    # then
    after = timezone.now()
    welcome, reminder = ScheduledNotification.objects.order_by("send_at")
    assert (welcome.kind, welcome.status, welcome.user.email) == ("welcome", "pending", EMAIL)
    assert (reminder.kind, reminder.status, reminder.user.email) == (
        "verify_email_reminder",
        "pending",
        EMAIL,
    )
    assert before <= welcome.send_at <= after
    assert reminder.send_at - welcome.send_at == timedelta(hours=24)


def test_the_welcome_goes_out_at_the_next_dispatch(api, django_capture_on_commit_callbacks):
    # given
    register(api, django_capture_on_commit_callbacks)
    mail.outbox.clear()  # the verification email

    # when
    report = dispatch(django_capture_on_commit_callbacks)

    # then
    assert report.sent == 1
    notification = Notification.objects.get()
    assert (notification.kind, notification.title, notification.in_app) == (
        "welcome",
        "Welcome aboard",
        True,
    )
    assert [(m.to, m.subject) for m in mail.outbox] == [([EMAIL], "Welcome aboard")]
    assert "/onboarding" in mail.outbox[0].body
    assert ScheduledNotification.objects.get(kind="verify_email_reminder").status == "pending"


def test_the_reminder_carries_a_working_verification_key(api, django_capture_on_commit_callbacks):
    # given: a day has passed and the address is still unverified
    register(api, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    # when
    report = dispatch(django_capture_on_commit_callbacks, now=timezone.now() + timedelta(hours=25))

    # then
    assert report.sent == 2
    assert [m.subject for m in mail.outbox] == [
        "Welcome aboard",
        "Reminder: confirm your email address",
    ]
    reminder = mail.outbox[-1]
    assert "List-Unsubscribe" not in reminder.extra_headers
    assert "http://127.0.0.1:8000/account/verify-email/" in reminder.body
    key = key_from_last_email()
    response = api.post("/api/v1/auth/verify-email", {"key": key})
    assert response.status_code == 200
    assert Notification.objects.get(kind="verify_email_reminder").in_app is False


def test_the_reminder_is_cancelled_if_the_address_was_verified_meanwhile(
    api, django_capture_on_commit_callbacks
):
    # given
    register(api, django_capture_on_commit_callbacks)
    assert api.post("/api/v1/auth/verify-email", {"key": key_from_last_email()}).status_code == 200
    mail.outbox.clear()

    # when
    report = dispatch(django_capture_on_commit_callbacks, now=timezone.now() + timedelta(hours=25))

    # then
    assert (report.sent, report.cancelled) == (1, 1)
    reminder = ScheduledNotification.objects.get(kind="verify_email_reminder")
    assert (reminder.status, reminder.cancel_reason) == (
        "cancelled",
        "The email address was verified before the reminder was due.",
    )
    assert [m.subject for m in mail.outbox] == ["Welcome aboard"]
    assert not Notification.objects.filter(kind="verify_email_reminder").exists()
