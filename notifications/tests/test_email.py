"""Email delivery: the unsubscribe link and its one-click POST, retries on transient mail
server errors (against a real SMTP server on 127.0.0.1), and a task that is safe to run
twice."""

import re
import smtplib
import socket
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from anymail.exceptions import AnymailRecipientsRefused, AnymailRequestsAPIError
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import errors_of
from analytics.models import Event
from notifications import emails, kinds, services, tasks
from notifications.models import Notification, NotificationPreference

from .factories import NotificationFactory
from .smtp_server import FakeSMTPServer

pytestmark = pytest.mark.django_db

UNSUBSCRIBE = "/api/v1/notifications/unsubscribe"


def notify(user, kind="welcome"):
    return services.notify(user=user, kind=kind, title="Your coach replied", body="Read it.")


def link_in(message) -> str:
    match = re.search(r"(http\S+/notifications/unsubscribe\?token=\S+)", message.body)
    assert match, message.body
    return match.group(1)


def header_url(message) -> str:
    return message.extra_headers["List-Unsubscribe"].strip("<>")


def email_choice(member):
    return (
        NotificationPreference.objects.filter(user=member, kind="welcome")
        .values_list("email", flat=True)
        .first()
    )


# --- The unsubscribe link -----------------------------------------------------------------


def test_the_link_in_the_email_switches_that_kinds_email_off(
    api, member, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        notify(member)
    message = mail.outbox[0]
    assert link_in(message) == header_url(message)

    # when: opened from the mail client, signed out
    with django_capture_on_commit_callbacks(execute=True):
        response = api.get(link_in(message))

    # then
    assert response.status_code == 200
    assert response.json() == {
        "kind": "welcome",
        "email": False,
        "detail": "You will no longer receive emails about: "
        "A welcome when you join, with how to get started.",
    }
    assert email_choice(member) is False
    assert Event.objects.filter(name="notification_unsubscribed", user=member).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        later = notify(member)
    assert (later.in_app, later.email_status) == (True, "none")
    assert len(mail.outbox) == 1


def test_the_one_click_post_of_a_mailbox_provider_unsubscribes(
    api, member, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        notify(member)
    message = mail.outbox[0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # when: RFC 8058: a form-encoded POST to the header's URL, no cookies, no credentials
    response = api.post(
        header_url(message),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    # then
    assert response.status_code == 200
    assert email_choice(member) is False


@pytest.mark.parametrize(
    ("configured", "base"),
    [
        ({}, "http://127.0.0.1:8000/api/v1/notifications/unsubscribe"),
        (
            {"FRONTEND_URL": "https://app.example.com"},
            "https://app.example.com/api/v1/notifications/unsubscribe",
        ),
        (
            {"FRONTEND_URL": "https://app.example.com", "PUBLIC_URL": "https://api.example.com"},
            "https://api.example.com/api/v1/notifications/unsubscribe",
        ),
        (
            {
                "PUBLIC_URL": "https://api.example.com",
                "NOTIFICATIONS_UNSUBSCRIBE_URL": "https://mail.example.com/unsubscribe",
            },
            "https://mail.example.com/unsubscribe",
        ),
    ],
    ids=["nothing set", "front end only", "public url", "explicit url"],
)
def test_the_unsubscribe_link_is_absolute_without_a_request(member, settings, configured, base):
    # given
    for name, value in configured.items():
        setattr(settings, name, value)

    # when
    url = emails.unsubscribe_url(member, kinds.get("welcome"))

    # then
    token = emails.unsubscribe_token(member, kinds.get("welcome"))
    assert url == f"{base}?{urlencode({'token': token})}"


def test_unsubscribing_twice_is_harmless(api, member):
    url = emails.unsubscribe_url(member, kinds.get("welcome"))

    responses = [api.get(url), api.get(url)]

    assert [r.status_code for r in responses] == [200, 200]
    assert NotificationPreference.objects.filter(user=member).count() == 1


def test_the_token_may_come_in_a_json_body(api, member):
    token = emails.unsubscribe_token(member, kinds.get("welcome"))

    response = api.post(UNSUBSCRIBE, {"token": token}, format="json")

    assert response.status_code == 200
    assert email_choice(member) is False


@pytest.mark.parametrize(
    ("make_token", "code"),
    [
        (lambda member: "forged", "invalid"),
        (lambda member: emails.unsubscribe_token(member, kinds.get("welcome"))[:-2], "invalid"),
        (
            lambda member: emails.unsubscribe_token(member, kinds.get("verify_email_reminder")),
            "invalid",
        ),
    ],
    ids=["forged", "tampered", "essential kind"],
)
def test_a_bad_token_is_a_400_naming_token(api, member, make_token, code):
    response = api.get(UNSUBSCRIBE, {"token": make_token(member)})

    assert response.status_code == 400
    assert errors_of(response) == [{"code": code, "attr": "token"}]
    assert NotificationPreference.objects.count() == 0


def test_an_expired_token_is_a_400_naming_token(api, member, settings):
    # given
    token = emails.unsubscribe_token(member, kinds.get("welcome"))
    settings.NOTIFICATIONS_UNSUBSCRIBE_TOKEN_DAYS = -1

    # when
    response = api.get(UNSUBSCRIBE, {"token": token})

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "expired", "attr": "token"}]
    assert NotificationPreference.objects.count() == 0


def test_the_token_of_an_erased_member_is_a_400(api):
    member = UserFactory()
    token = emails.unsubscribe_token(member, kinds.get("welcome"))
    member.delete()

    response = api.get(UNSUBSCRIBE, {"token": token})

    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid", "attr": "token"}]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_missing_token_is_a_400_naming_token(api, method):
    response = getattr(api, method)(UNSUBSCRIBE)

    assert response.status_code == 400
    assert errors_of(response) == [{"code": "required", "attr": "token"}]


# --- The task -----------------------------------------------------------------------------


def test_running_the_task_again_sends_nothing_more(member, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(member)

    # when
    result = tasks.send_email.delay(str(notification.pk))

    # then
    assert result.get() == "sent"
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_attempts == 1


def test_the_task_of_a_deleted_notification_does_nothing(member):
    notification = NotificationFactory(user=member, email_status="pending")
    notification_id = str(notification.pk)
    notification.delete()

    assert tasks.send_email.delay(notification_id).get() == "gone"
    assert mail.outbox == []


def test_emails_whose_task_was_lost_are_enqueued_again(member, django_capture_on_commit_callbacks):
    # given: one pending for long (its task lost with the broker), one just queued
    lost = NotificationFactory(user=member, email_status="pending")
    fresh = NotificationFactory(user=member, email_status="pending")
    Notification.objects.filter(pk=lost.pk).update(
        updated_at=timezone.now() - timedelta(minutes=16)
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        requeued = services.emails_requeue_stale()

    # then
    assert requeued == 1
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.email_status, fresh.email_status) == ("sent", "pending")
    assert [m.subject for m in mail.outbox] == [lost.title]


# --- A real mail server -------------------------------------------------------------------


@pytest.fixture
def smtp(settings):
    """Start a fake SMTP server with scripted replies and point Django's SMTP backend at it."""
    servers = []

    def start(*replies: str) -> FakeSMTPServer:
        server = FakeSMTPServer(list(replies)).__enter__()
        servers.append(server)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def queued(member, django_capture_on_commit_callbacks) -> Notification:
    """A notification whose email task has not run yet."""
    with django_capture_on_commit_callbacks(execute=False):
        return notify(member)


def attempt(notification, retries: int = 0):
    """One delivery attempt as a worker runs it; ``Retry`` means the worker will try again
    after ``Retry.when`` seconds."""
    return tasks.send_email.apply(args=[str(notification.pk)], retries=retries)


def test_a_transient_refusal_is_retried_with_backoff_until_the_mail_goes(
    member, smtp, django_capture_on_commit_callbacks
):
    # given
    server = smtp("421 4.3.2 Service busy, try later", "451 4.3.0 Try again")
    notification = queued(member, django_capture_on_commit_callbacks)

    # when
    with pytest.raises(Retry) as first:
        attempt(notification)
    notification.refresh_from_db()
    after_first = (notification.email_status, notification.email_attempts)
    with pytest.raises(Retry) as second:
        attempt(notification, retries=1)
    result = attempt(notification, retries=2)

    # then
    assert after_first == ("pending", 1)
    assert 15 <= first.value.when <= 30
    assert 30 <= second.value.when <= 60
    assert result.get() == "sent"
    notification.refresh_from_db()
    assert (notification.email_status, notification.email_attempts) == ("sent", 3)
    assert notification.email_error == ""
    assert server.mail_from_count == 3
    assert len(server.messages) == 1
    assert b"Subject: Your coach replied" in server.messages[0]
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in server.messages[0]


def test_a_permanent_refusal_is_not_retried(member, smtp, django_capture_on_commit_callbacks):
    # given
    server = smtp("550 5.7.1 Sender rejected")
    notification = queued(member, django_capture_on_commit_callbacks)

    # when
    result = attempt(notification)

    # then
    assert result.get() == "failed"
    notification.refresh_from_db()
    assert (notification.email_status, notification.email_attempts) == ("failed", 1)
    assert notification.email_error.startswith("SMTPSenderRefused: (550")
    assert server.mail_from_count == 1
    assert server.messages == []


def test_transient_errors_give_up_after_the_last_attempt(
    member, smtp, settings, django_capture_on_commit_callbacks
):
    # given
    settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = 2
    server = smtp(*["421 4.3.2 Service busy"] * 5)
    notification = queued(member, django_capture_on_commit_callbacks)

    # when
    with pytest.raises(Retry):
        attempt(notification)
    result = attempt(notification, retries=1)

    # then
    assert result.get() == "failed"
    notification.refresh_from_db()
    assert (notification.email_status, notification.email_attempts) == ("failed", 2)
    assert server.mail_from_count == 2


def test_an_unreachable_mail_server_is_a_transient_error(
    member, settings, django_capture_on_commit_callbacks
):
    # given: a loopback port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    notification = queued(member, django_capture_on_commit_callbacks)

    # when
    with pytest.raises(Retry):
        attempt(notification)

    # then
    notification.refresh_from_db()
    assert (notification.email_status, notification.email_attempts) == ("pending", 1)
    assert notification.email_error.startswith("ConnectionRefusedError")


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (smtplib.SMTPSenderRefused(421, b"busy", "from@example.com"), True),
        (smtplib.SMTPDataError(451, b"try later"), True),
        (smtplib.SMTPSenderRefused(550, b"rejected", "from@example.com"), False),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"mailbox busy")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}), False),
        (smtplib.SMTPServerDisconnected("gone"), True),
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError("timed out"), True),
        (SoftTimeLimitExceeded(), True),
        (AnymailRequestsAPIError("ESP down", status_code=503), True),
        (AnymailRequestsAPIError("slow down", status_code=429), True),
        (AnymailRequestsAPIError("no response"), True),
        (AnymailRequestsAPIError("bad key", status_code=401), False),
        (AnymailRecipientsRefused(), False),
        (ValueError("a bug"), False),
    ],
)
def test_only_errors_that_may_pass_are_transient(error, transient):
    assert emails.is_transient(error) is transient
