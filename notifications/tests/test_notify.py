"""notify(): the row it stores, and the email it sends (or not) per the member's choices."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import Profile, User
from accounts.tests.factories import UserFactory
from notifications import kinds, services
from notifications.models import Notification

from .factories import NotificationPreferenceFactory

pytestmark = pytest.mark.django_db


def notify(user, kind="welcome", **extra):
    return services.notify(
        user=user,
        kind=kind,
        title=extra.pop("title", "Your coach replied"),
        body=extra.pop("body", "Open the app to read it."),
        **extra,
    )


def switch(member, **switches) -> None:
    Profile.objects.filter(user=member).update(**switches)
    member.refresh_from_db()


def test_notify_stores_the_notification_and_emails_it(member, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(member, data={"url": "https://app.example/messages/1"})

    # then
    stored = Notification.objects.get()
    assert stored == notification
    assert (stored.user, stored.kind, stored.title, stored.body, stored.data) == (
        member,
        "welcome",
        "Your coach replied",
        "Open the app to read it.",
        {"url": "https://app.example/messages/1"},
    )
    assert (stored.in_app, stored.read_at, stored.scheduled) == (True, None, None)
    assert (stored.email_status, stored.email_attempts, stored.email_error) == ("sent", 1, "")
    assert stored.email_sent_at is not None
    assert [(m.to, m.subject) for m in mail.outbox] == [([member.email], "Your coach replied")]


def test_nothing_is_emailed_before_the_transaction_commits(
    member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(member)

    assert mail.outbox == []
    assert len(callbacks) == 2  # the socket push and the email task


def test_a_kind_switched_off_by_email_is_only_in_the_inbox(
    member, django_capture_on_commit_callbacks
):
    # given
    NotificationPreferenceFactory(user=member, kind="welcome", email=False)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(member)

    # then
    assert (notification.in_app, notification.email_status) == (True, "none")
    assert mail.outbox == []


def test_a_kind_switched_off_in_app_is_only_emailed(member, django_capture_on_commit_callbacks):
    # given
    NotificationPreferenceFactory(user=member, kind="welcome", in_app=False)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify(member)

    # then
    notification.refresh_from_db()
    assert (notification.in_app, notification.email_status) == (False, "sent")
    assert len(callbacks) == 1  # the email task; no socket push
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("switches", "in_app", "email_status", "emails"),
    [
        ({"email_notifications": False}, True, "none", 0),
        ({"in_app_notifications": False}, False, "sent", 1),
        ({"email_notifications": False, "in_app_notifications": False}, False, "none", 0),
    ],
)
def test_the_profile_switches_silence_non_essential_kinds(
    member, django_capture_on_commit_callbacks, switches, in_app, email_status, emails
):
    # given: the member chose email for this kind explicitly, but the master switch wins
    NotificationPreferenceFactory(user=member, kind="welcome", in_app=True, email=True)
    switch(member, **switches)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(member)

    # then
    notification.refresh_from_db()
    assert (notification.in_app, notification.email_status) == (in_app, email_status)
    assert len(mail.outbox) == emails


def test_an_essential_kind_ignores_every_opt_out(django_capture_on_commit_callbacks):
    # given
    member = UserFactory(verified=False)
    switch(member, email_notifications=False, in_app_notifications=False)
    NotificationPreferenceFactory(user=member, kind="verify_email_reminder", email=False)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(member, kind="verify_email_reminder")

    # then
    notification.refresh_from_db()
    assert (notification.in_app, notification.email_status) == (False, "sent")
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    assert "nsubscribe" not in mail.outbox[0].body


def test_an_inactive_account_gets_nothing(member, django_capture_on_commit_callbacks):
    # given
    member.is_active = False
    member.save(update_fields=["is_active"])

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify(member)

    # then
    assert (notification.in_app, notification.email_status) == (False, "none")
    assert callbacks == []
    assert mail.outbox == []


def test_an_unknown_kind_is_a_programming_error(member):
    with pytest.raises(kinds.UnknownKind):
        notify(member, kind="no_such_kind")

    assert Notification.objects.count() == 0


def test_a_long_title_is_shortened_to_fit(member):
    notification = notify(member, title="x" * 250)

    assert notification.title == "x" * 199 + "…"


def test_the_email_follows_a_change_of_mind_made_before_it_went_out(
    member, django_capture_on_commit_callbacks
):
    # given: queued, but the member unsubscribes before the task runs
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notify(member)
    NotificationPreferenceFactory(user=member, kind="welcome", email=False)

    # when
    for callback in callbacks:
        callback()

    # then
    notification.refresh_from_db()
    assert (notification.email_status, notification.email_error) == (
        "skipped",
        "Email is switched off for this kind.",
    )
    assert mail.outbox == []


def test_the_email_is_rendered_from_the_kinds_templates(member, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, title="Welcome aboard", data={"url": "https://app.example/start"})

    # then
    message = mail.outbox[0]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert message.subject == "Welcome aboard"
    assert f"Your account for <strong>{member.email}</strong> is ready." in html
    assert 'href="https://app.example/start"' in html
    assert "https://app.example/start" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_notify_query_count(member, django_assert_num_queries):
    # given: the user as another app would hold it, profile not loaded
    user = User.objects.get(pk=member.pk)

    # then: their profile, their choice for the kind, and the insert, in a savepoint
    with django_assert_num_queries(5):
        notify(user)


def test_a_verified_member_can_still_be_sent_the_reminder_directly(
    django_capture_on_commit_callbacks,
):
    # notify() sends now: the "still relevant?" check belongs to scheduled sends, but the
    # email task asks it again before sending, so a verified member gets no stale link.
    member = UserFactory()
    assert EmailAddress.objects.filter(user=member, verified=True).exists()

    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(member, kind="verify_email_reminder")

    notification.refresh_from_db()
    assert (notification.email_status, notification.email_error) == (
        "skipped",
        "The email address was verified before the reminder was due.",
    )
    assert mail.outbox == []


def test_the_subject_is_plain_text(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, title="Tom & Jerry <3")

    message = mail.outbox[0]
    assert message.subject == "Tom & Jerry <3"
    assert (
        '<h1 style="font-size:20px;margin:0 0 16px;">Tom &amp; Jerry &lt;3</h1>'
        in (message.alternatives[0][0])
    )
