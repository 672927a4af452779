"""Ten bookings of one slot at once on a SQLite *file* database, run in a process of its own:
``python -m marketplace.tests.sqlite_race <path of a new database file>``.

The test process's SQLite database is in memory (shared-cache, where a second writer meets
"table is locked" instead of waiting for the write lock), so the SQLite side of the
no-double-booking guarantee is proven here, on a file, as a deployment on SQLite runs it:
writers serialised by ``transaction_mode = "IMMEDIATE"`` and the ``booking_no_overlap``
triggers of migration 0002. The tables are made from the models (seconds, where every
migration takes minutes), then the triggers are added by that migration's own statements.

Prints one JSON object: the ten outcomes, the confirmed bookings counted afterwards, and
what the database said to an overlapping row written past the service.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import sys
import uuid


def main(path: str) -> dict:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()

    import time_machine
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command
    from django.db import IntegrityError, connection

    settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)
    no_overlap = importlib.import_module("marketplace.migrations.0002_booking_no_overlap")
    with connection.schema_editor() as editor:
        for statement in no_overlap.SQLITE:
            editor.execute(statement)

    from accounts.tests.factories import UserFactory
    from core.exceptions import Conflict
    from core.tests.concurrency import at_once
    from marketplace.models import Booking
    from marketplace.services.bookings import Created, booking_create
    from marketplace.tests.factories import CoachFactory, CourseFactory, WeeklyRuleFactory

    now = dt.datetime(2027, 1, 1, 12, 0, tzinfo=dt.UTC)
    monday = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
    with time_machine.travel(now, tick=False):
        coach = CoachFactory()
        WeeklyRuleFactory(coach=coach, weekday=0)
        course = CourseFactory(coach=coach)
        clients = [UserFactory() for _ in range(10)]
        connection.close()

        results = at_once(
            [
                lambda user=user: booking_create(user=user, course=course, start=monday)
                for user in clients
            ]
        )
        outcomes = sorted(
            "booked" if isinstance(r, Created) else r.code if isinstance(r, Conflict) else repr(r)
            for r in results
        )
        confirmed = Booking.objects.filter(status="confirmed").count()

        # An overlapping row written past the service: the trigger refuses it.
        taken = Booking.objects.get(status="confirmed")
        taken.pk = uuid.uuid4()
        taken.start += dt.timedelta(minutes=30)
        taken.end += dt.timedelta(minutes=30)
        taken.blocked_start += dt.timedelta(minutes=30)
        taken.blocked_end += dt.timedelta(minutes=30)
        try:
            taken.save(force_insert=True)
            direct = "saved"
        except IntegrityError as exc:
            direct = str(exc)
    return {
        "outcomes": outcomes,
        "confirmed": confirmed,
        "direct_insert": direct,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
