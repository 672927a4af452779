"""Throughput of the scheduled-notification dispatcher on PostgreSQL: how many due
notifications per second ``notifications.services.dispatch_due`` sends, with one dispatcher
and with several running at once (separate processes sharing the rows through
``FOR UPDATE SKIP LOCKED``, as overlapping beat runs or several workers would).

Each sent row is the row locked, the member's channels decided, the ``Notification``
written, the row marked sent, then after commit the ``notification.new`` push to the
channel layer and the email task. Two ways to count the email:

- ``inline``: the task runs in the dispatcher's process (Celery eager): rendered from its
  templates and handed to Django's locmem backend, so no SMTP and no network. The whole
  pipeline of one notification, on one process.
- ``queued``: the task is only enqueued (an in-memory broker), as in production, where
  workers send the emails beside the dispatcher. What one dispatcher can clear.

Prints one Markdown block.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        python -m bench.dispatcher [--rows 2000] [--users 200] [--batch-size 50] [--workers 1 2] \\
        [--email inline queued]

The database must be migrated (``manage.py migrate``); the members and rows the run creates
are deleted at the end.
"""

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import django

EMAIL_DOMAIN = "dispatch.bench.invalid"


def _dispatch(batch_size: int, email: str) -> int:
    """One dispatcher process: send what it can take until nothing is due."""
    from django.db import connections

    from config import celery_app
    from notifications import services

    celery_app.conf.task_always_eager = email == "inline"
    try:
        return services.dispatch_due(batch_size=batch_size).sent
    finally:
        connections.close_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--email", nargs="+", choices=["inline", "queued"], default=["inline", "queued"]
    )
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a migrated PostgreSQL database.")
    # Every email to memory, every queued task to an in-memory broker: nothing leaves the
    # process, and no worker anywhere picks up the bench's tasks.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["CELERY_BROKER_URL"] = "memory://"
    django.setup()

    from django.conf import settings
    from django.db import connection, connections, transaction
    from django.utils import timezone

    from accounts.models import Profile, User
    from notifications.models import Notification, ScheduledNotification

    def create_members() -> list[User]:
        users = User.objects.bulk_create(
            [
                User(email=f"member{n}@{EMAIL_DOMAIN}", password="!")  # no usable password
                for n in range(args.users)
            ]
        )
        Profile.objects.bulk_create([Profile(user=user) for user in users])
        return users

    def schedule_due(users: list[User]) -> None:
        now = timezone.now()
        ScheduledNotification.objects.bulk_create(
            [
                ScheduledNotification(
                    user=users[n % len(users)],
                    kind="welcome",
                    send_at=now,
                    payload={
                        "title": "Welcome aboard",
                        "body": "Your account is ready.",
                        "data": {"url": f"{settings.FRONTEND_URL}/onboarding"},
                    },
                )
                for n in range(args.rows)
            ],
            batch_size=1000,
        )

    def run(users: list[User], email: str, workers: int) -> float:
        """Seconds for ``workers`` dispatchers to send ``args.rows`` fresh due rows."""
        with transaction.atomic():
            ScheduledNotification.objects.filter(user__in=users).delete()
            Notification.objects.filter(user__in=users).delete()
            schedule_due(users)
        connections.close_all()  # the children open their own
        started = time.perf_counter()
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            sent = sum(pool.map(_dispatch, [args.batch_size] * workers, [email] * workers))
        elapsed = time.perf_counter() - started
        notifications = Notification.objects.filter(user__in=users)
        check = {
            "reported sent": sent,
            "rows sent": ScheduledNotification.objects.filter(
                user__in=users, status="sent"
            ).count(),
            "notifications": notifications.count(),
            "emails": notifications.filter(
                email_status="sent" if email == "inline" else "pending"
            ).count(),
        }
        if set(check.values()) != {args.rows}:
            sys.exit(f"{workers} dispatcher(s), email {email}: not every row once: {check}")
        return elapsed

    def bench_users():
        return User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")

    bench_users().delete()
    users = create_members()
    results = []
    try:
        for email in args.email:
            for workers in args.workers:
                results.append((email, workers, run(users, email, workers)))
    finally:
        bench_users().delete()

    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    print("### Dispatcher throughput (scheduled notifications sent per second)\n")
    print(
        f"{args.rows} due `welcome` notifications for {args.users} members, batches of "
        f"{args.batch_size}; each one stored in the inbox, pushed through {layer} and emailed "
        "(*inline*: rendered and sent to the locmem backend in the dispatcher's process; "
        "*queued*: the email task enqueued for workers). PostgreSQL "
        f"{connection.cursor().connection.info.server_version // 10000}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end. "
        "Every run checked: each row sent once, one notification and one email per row.\n"
    )
    print("| email | dispatchers | seconds | sent/s |")
    print("|---|---:|---:|---:|")
    for email, workers, elapsed in results:
        print(f"| {email} | {workers} | {elapsed:.2f} | {args.rows / elapsed:,.0f} |")


if __name__ == "__main__":
    main()
