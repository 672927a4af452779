from django.core.management.base import BaseCommand

from accounts import services
from core import privacy

from ._report import format_counts


class Command(BaseCommand):
    help = (
        "Apply every retention rule of the privacy registry: expired accounts are erased, "
        "other expired rows deleted. Celery beat runs the same daily "
        "(accounts.tasks.purge_expired)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be purged."
        )

    def handle(self, *args, dry_run: bool, **options):
        counts = services.purge_expired(dry_run=dry_run)
        notes = {p.label: p.retention_note for p in privacy.registry.policies()}
        self.stdout.write("Dry run: would purge" if dry_run else "Purged")
        for line in format_counts(counts, notes):
            self.stdout.write(line)
        total = sum(counts.values())
        if dry_run:
            self.stdout.write(f"{total} row(s) past retention; nothing was changed.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{total} row(s) purged."))
