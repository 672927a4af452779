"""The marketplace's hot paths on PostgreSQL, in-process.

- **Availability**: ``marketplace.selectors.availability.free_slots`` over 60 days for one
  coach (weekly hours in New York, a 30-minute course on a 30-minute grid) with 0 and with
  500 confirmed bookings, and the public ``GET /marketplace/coaches/{id}/availability``
  through Django's test client (the whole request, no server): latency and statements. The
  statement count must not grow with the bookings.
- **Bookings per second**: separate processes (no shared interpreter lock) calling
  ``marketplace.services.bookings.booking_create`` as fast as they can for ``--duration``
  seconds, each trying the free starts of the next weeks in its own random order: all
  competing for one coach (the coach's row lock serialises them; the conflict rate is the
  share of attempts answered 409 ``slot_unavailable``), and spread over one coach each (the
  lock must not serialise across coaches). Every run checks afterwards that no two blocking
  bookings of a coach overlap.
- **Hold expiry**: lapsed holds expired per second by ``expire_lapsed_holds``.

Prints one Markdown block.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        python -m bench.marketplace [--bookings 500] [--clients 8] [--duration 10]

The database must be migrated (``manage.py migrate``); the members, coaches and bookings
the run creates are deleted at the end.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import django

EMAIL_DOMAIN = "marketplace.bench.invalid"
ZONE = "America/New_York"


def _compete(coach_id: str, course_id: str, starts: list[str], seconds: float, seed: int) -> tuple:
    """One client process: book the given starts in random order until time runs out.
    Returns (booked, conflicts, other errors, attempts)."""
    from django.db import connections

    from accounts.models import User
    from config import celery_app
    from core.exceptions import Conflict
    from marketplace.models import Course
    from marketplace.services.bookings import booking_create

    # As in production: what a booking queues after commit (the catalogue's next free
    # time, reminders' emails) is a worker's, not the request's.
    celery_app.conf.task_always_eager = False
    try:
        course = Course.objects.select_related("coach").get(pk=course_id)
        user = User.objects.get(email=f"client{seed}@{EMAIL_DOMAIN}")
        order = [dt.datetime.fromisoformat(s) for s in starts]
        random.Random(seed).shuffle(order)
        booked = conflicts = errors = attempts = 0
        deadline = time.perf_counter() + seconds
        for start in order:
            if time.perf_counter() >= deadline:
                break
            attempts += 1
            try:
                booking_create(user=user, course=course, start=start)
                booked += 1
            except Conflict:
                conflicts += 1
            except Exception:  # counted and reported: the run fails on any
                errors += 1
        return booked, conflicts, errors, attempts
    finally:
        connections.close_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--holds", type=int, default=2000)
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a migrated PostgreSQL database.")
    os.environ["CELERY_BROKER_URL"] = "memory://"
    django.setup()

    from config import celery_app

    # What the writes queue after commit is a worker's, as in production (an in-memory
    # broker: nothing leaves the process).
    celery_app.conf.task_always_eager = False

    from django.db import connection, connections
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Profile, User
    from marketplace.models import Booking, Coach, Course, WeeklyRule
    from marketplace.selectors.availability import free_slots
    from marketplace.services.bookings import expire_lapsed_holds

    now = timezone.now().replace(second=0, microsecond=0)
    window_end = now + dt.timedelta(days=60)

    def members(prefix: str, count: int) -> list[User]:
        users = User.objects.bulk_create(
            [User(email=f"{prefix}{n}@{EMAIL_DOMAIN}", password="!") for n in range(count)]
        )
        Profile.objects.bulk_create([Profile(user=user, timezone=ZONE) for user in users])
        return users

    def coach_with_hours(user: User, hours: tuple[int, int] = (8, 20)) -> tuple[Coach, Course]:
        coach = Coach.objects.create(
            user=user,
            published=True,
            published_at=now,
            headline="Bench coach",
            timezone=ZONE,
            min_notice_minutes=0,
            booking_window_days=365,
        )
        WeeklyRule.objects.bulk_create(
            WeeklyRule(
                coach=coach,
                weekday=weekday,
                start_time=dt.time(hours[0]),
                end_time=dt.time(hours[1] % 24),  # 24: to midnight
            )
            for weekday in range(7)
        )
        course = Course.objects.create(
            coach=coach,
            title="Half an hour",
            duration_minutes=30,
            slot_interval_minutes=30,
            buffer_before_minutes=0,
            buffer_after_minutes=0,
        )
        return coach, course

    def overlaps(coach: Coach) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT count(*) FROM marketplace_booking a JOIN marketplace_booking b
                  ON a.coach_id = b.coach_id AND a.id < b.id
                 AND a.status IN ('held', 'confirmed') AND b.status IN ('held', 'confirmed')
                 AND a.blocked_start < b.blocked_end AND b.blocked_start < a.blocked_end
                 WHERE a.coach_id = %s
                """,
                [coach.pk],
            )
            return cursor.fetchone()[0]

    def bench_users():
        return User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")

    def clean() -> None:
        coaches = Coach.objects.filter(user__email__endswith=f"@{EMAIL_DOMAIN}")
        Booking.objects.filter(coach__in=coaches).delete()
        coaches.delete()
        bench_users().delete()

    def timed(call, repeat: int) -> tuple[float, float, int]:
        """Median and 95th percentile in ms, and the statements of one call."""
        call()  # warm
        statements = []  # counted by a wrapper: a request resets Django's own query log

        def count(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            call()
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
        return statistics.median(samples), p95, len(statements)

    clean()
    rows: list[str] = []
    try:
        # --- availability over 60 days ---
        (coach_user,) = members("coach-a", 1)
        clients = members("client", max(args.clients, 1))
        coach, course = coach_with_hours(coach_user)
        client = Client(HTTP_HOST="127.0.0.1")
        url = (
            f"/api/v1/marketplace/coaches/{coach.pk}/availability?from={now.date()}"
            f"&to={(now + dt.timedelta(days=60)).date()}&course={course.pk}&tz=Europe/Paris"
        )

        def listing():
            return free_slots(coach=coach, course=course, start=now, end=window_end, now=now)

        def request():
            response = client.get(url)
            assert response.status_code == 200, response.content[:300]

        empty = timed(listing, args.repeat)
        empty_http = timed(request, args.repeat)
        offered = listing()
        taken = random.Random(1).sample(offered, min(args.bookings, len(offered)))
        Booking.objects.bulk_create(
            Booking(
                coach=coach,
                client=clients[n % len(clients)],
                course=course,
                status="confirmed",
                start=slot[0],
                end=slot[1],
                blocked_start=slot[0],
                blocked_end=slot[1],
            )
            for n, slot in enumerate(taken)
        )
        full = timed(listing, args.repeat)
        full_http = timed(request, args.repeat)
        left = len(listing())
        rows.append(
            "| availability | bookings | starts listed | median ms | p95 ms | statements |\n"
            "|---|---:|---:|---:|---:|---:|"
        )
        for label, booked, listed, (median, p95, queries) in (
            ("`free_slots`", 0, len(offered), empty),
            ("`free_slots`", len(taken), left, full),
            ("`GET .../availability`", 0, len(offered), empty_http),
            ("`GET .../availability`", len(taken), left, full_http),
        ):
            rows.append(f"| {label} | {booked} | {listed} | {median:.1f} | {p95:.1f} | {queries} |")
        availability_block = "\n".join(rows)

        # --- bookings per second, one coach and one coach each ---
        def compete(pairs: list[tuple[Coach, Course]]) -> tuple:
            Booking.objects.filter(coach__in=[c for c, _ in pairs]).delete()
            horizon = now + dt.timedelta(days=14)
            starts = {
                c.pk: [
                    slot[0].isoformat()
                    for slot in free_slots(
                        coach=c, course=k, start=now + dt.timedelta(hours=1), end=horizon, now=now
                    )
                ]
                for c, k in pairs
            }
            connections.close_all()
            jobs = [pairs[n % len(pairs)] for n in range(args.clients)]
            started = time.perf_counter()
            with ProcessPoolExecutor(args.clients, mp_context=get_context("fork")) as pool:
                results = list(
                    pool.map(
                        _compete,
                        [str(c.pk) for c, _ in jobs],
                        [str(k.pk) for _, k in jobs],
                        [starts[c.pk] for c, _ in jobs],
                        [args.duration] * args.clients,
                        range(args.clients),
                    )
                )
            elapsed = time.perf_counter() - started
            booked, conflicts, errors, attempts = (sum(r[i] for r in results) for i in range(4))
            stored = Booking.objects.filter(
                coach__in=[c for c, _ in pairs], status="confirmed"
            ).count()
            broken = sum(overlaps(c) for c, _ in pairs)
            if errors or broken or stored != booked:
                sys.exit(
                    f"bookings run failed: {errors} errors, {broken} overlaps, "
                    f"{stored} stored for {booked} booked"
                )
            return elapsed, booked, conflicts, attempts

        spread_users = members("coach-b", args.clients)
        spread = [coach_with_hours(user, (0, 24)) for user in spread_users]
        one = [coach_with_hours(members("coach-c", 1)[0], (0, 24))]
        competition = []
        for label, pairs in (("one coach", one), (f"{args.clients} coaches", spread)):
            elapsed, booked, conflicts, attempts = compete(pairs)
            competition.append(
                f"| {label} | {args.clients} | {attempts} | {booked} | {booked / elapsed:,.0f} "
                f"| {conflicts / attempts:.0%} |"
            )

        # --- hold expiry ---
        Booking.objects.filter(coach=coach).delete()
        lapsed_at = now - dt.timedelta(minutes=1)
        Booking.objects.bulk_create(
            (
                Booking(
                    coach=coach,
                    client=clients[n % len(clients)],
                    course=course,
                    status="held",
                    hold_expires_at=lapsed_at,
                    price_amount=5000,
                    start=slot[0],
                    end=slot[1],
                    blocked_start=slot[0],
                    blocked_end=slot[1],
                )
                for n, slot in enumerate(offered[: args.holds])
            ),
            batch_size=1000,
        )
        holds = min(args.holds, len(offered))
        from django.db import transaction

        started = time.perf_counter()
        with transaction.atomic():
            locked = Coach.objects.select_for_update().get(pk=coach.pk)
            expired = len(expire_lapsed_holds(coach=locked, now=now))
        expiry_seconds = time.perf_counter() - started
        if expired != holds:
            sys.exit(f"hold expiry: {expired} expired of {holds}")
    finally:
        clean()

    print("### Marketplace: availability, competing bookings, hold expiry\n")
    print(
        "PostgreSQL "
        f"{connection.cursor().connection.info.server_version // 10000}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at the end. Availability: one coach in "
        f"{ZONE}, 08:00-20:00 every day, a 30-minute course on a 30-minute grid, 60 days "
        f"asked in Europe/Paris; {args.repeat} calls each after a warm-up.\n"
    )
    print(availability_block)
    print(
        f"\nBookings: {args.clients} processes calling `booking_create` for "
        f"{args.duration:.0f} s on free 30-minute courses, each trying the next 14 days' "
        "free starts in its own random order; checked afterwards: every booking stored once, "
        "no two blocking bookings of a coach overlapping.\n"
    )
    print("| competing for | clients | attempts | booked | bookings/s | conflicts |")
    print("|---|---:|---:|---:|---:|---:|")
    print("\n".join(competition))
    print(
        f"\nHold expiry: {holds} lapsed holds of one coach expired by `expire_lapsed_holds` "
        f"in {expiry_seconds:.2f} s ({holds / expiry_seconds:,.0f} holds/s), with their "
        "history rows and `booking.updated` frames."
    )


if __name__ == "__main__":
    main()
