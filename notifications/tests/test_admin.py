"""The admin of notifications: read-only lists with filters, and cancelling pending rows."""

import pytest
from django.urls import reverse

from core.models import AuditEntry
from notifications.models import ScheduledNotification

from .factories import (
    NotificationFactory,
    NotificationPreferenceFactory,
    ScheduledNotificationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("notification", {"kind": "welcome", "read": "no", "email_status": "none"}),
        ("schedulednotification", {"status": "pending", "kind": "welcome"}),
        ("notificationpreference", {"kind": "welcome"}),
    ],
)
def test_the_lists_and_their_filters_answer(admin_browser, member, model, query):
    # given
    NotificationFactory(user=member, title="Visible title")
    ScheduledNotificationFactory(user=member)
    NotificationPreferenceFactory(user=member, email=False)

    # when
    response = admin_browser.get(reverse(f"admin:notifications_{model}_changelist"), query)

    # then
    assert response.status_code == 200
    assert member.email in response.content.decode()


def test_a_notification_is_read_only_and_opening_it_is_audited(admin_browser, superuser, member):
    # given
    notification = NotificationFactory(user=member)

    # when
    response = admin_browser.get(
        reverse("admin:notifications_notification_change", args=[notification.pk])
    )

    # then
    assert response.status_code == 200
    assert b'name="title"' not in response.content
    assert list(AuditEntry.objects.values_list("actor", "action", "subject_id")) == [
        (superuser.pk, "view", str(member.pk))
    ]
    assert admin_browser.get(reverse("admin:notifications_notification_add")).status_code == 403


def test_cancel_pending_cancels_only_pending_rows_through_the_service(
    admin_browser, superuser, member
):
    # given
    pending = ScheduledNotificationFactory(user=member)
    sent = ScheduledNotificationFactory(user=member, status="sent")

    # when
    response = admin_browser.post(
        reverse("admin:notifications_schedulednotification_changelist"),
        {"action": "cancel_pending", "_selected_action": [pending.pk, sent.pk]},
        follow=True,
    )

    # then
    assert response.status_code == 200
    pending.refresh_from_db()
    sent.refresh_from_db()
    assert (pending.status, pending.cancel_reason) == (
        "cancelled",
        f"Cancelled by {superuser.email}",
    )
    assert sent.status == "sent"
    assert list(AuditEntry.objects.values_list("action", "target_id", "changes")) == [
        ("action", str(pending.pk), {"action": "cancel_pending"})
    ]
    assert ScheduledNotification.objects.filter(status="pending").count() == 0
