"""Two dispatchers at the same moment on PostgreSQL: every due row is sent exactly once."""

import threading

import pytest
from django.core import mail
from django.db import connection
from django.db.models import Count

from accounts.tests.factories import UserFactory
from notifications import services
from notifications.models import Notification, ScheduledNotification

from .factories import ScheduledNotificationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS = 50


def test_two_dispatchers_at_once_send_every_row_exactly_once():
    # given: 50 due rows of 10 members; small batches, so the dispatchers interleave
    members = UserFactory.create_batch(10)
    for n in range(ROWS):
        ScheduledNotificationFactory(user=members[n % 10])
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def dispatcher() -> None:
        try:
            barrier.wait()
            reports.append(services.dispatch_due(batch_size=5))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    assert errors == []
    assert sum(report.sent for report in reports) == ROWS
    assert set(ScheduledNotification.objects.values_list("status", flat=True)) == {"sent"}
    per_schedule = Notification.objects.values("scheduled").annotate(n=Count("id"))
    assert len(per_schedule) == ROWS
    assert {row["n"] for row in per_schedule} == {1}
    assert Notification.objects.filter(email_status="sent").count() == ROWS
    assert len(mail.outbox) == ROWS
