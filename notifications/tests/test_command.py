import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Notification, ScheduledNotification

from .factories import ScheduledNotificationFactory

pytestmark = pytest.mark.django_db


def test_the_command_sends_what_is_due_and_leaves_the_rest():
    # given
    due = ScheduledNotificationFactory(send_at=timezone.now() - dt.timedelta(minutes=1))
    later = ScheduledNotificationFactory(send_at=timezone.now() + dt.timedelta(hours=1))
    out = StringIO()

    # when
    call_command("dispatch_notifications", "--every", "0", "--runs", "2", stdout=out)

    # then
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == ("sent", "pending")
    assert Notification.objects.filter(scheduled=due).count() == 1
    assert out.getvalue() == "Scheduled notifications: sent: 1.\n"
    assert ScheduledNotification.objects.count() == 2
