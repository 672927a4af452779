import time

from django.core.management.base import BaseCommand

from notifications.tasks import dispatch_due


class Command(BaseCommand):
    help = (
        "Send the scheduled notifications now due, as Celery beat's every-minute task does. "
        "With --every, go on doing so until stopped: `make run` uses it on a laptop, where "
        "no beat runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=float, metavar="SECONDS", help="Repeat after this many seconds."
        )
        parser.add_argument("--runs", type=int, help="Stop after this many runs (with --every).")

    def handle(self, *args, every: float | None, runs: int | None, **options):
        done = 0
        while True:
            report = dispatch_due()
            done += 1
            if any(report.values()):
                summary = ", ".join(f"{name}: {count}" for name, count in report.items() if count)
                self.stdout.write(f"Scheduled notifications: {summary}.")
            if every is None or (runs is not None and done >= runs):
                return
            time.sleep(every)
