import sys

from django.core.management.base import BaseCommand, CommandError

from accounts import services
from core import privacy
from core.audit import Action, audit_record

from ._lookup import user_from_identifier
from ._report import format_counts


class Command(BaseCommand):
    help = (
        "Erase one member now through the privacy registry (every app's rows deleted or "
        "pseudonymised), then check that no row references them."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", help="The member's id (UUID) or email address.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the rows that would be erased."
        )
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, user: str, dry_run: bool, yes: bool, **options):
        member = user_from_identifier(user)
        user_id, email = member.pk, member.email
        if dry_run:
            self.stdout.write(f"Dry run: erasing {email} ({user_id}) would handle these rows:")
            for line in format_counts(privacy.count_user_rows(member)):
                self.stdout.write(line)
            self.stdout.write("Nothing was changed.")
            return

        if not yes and sys.stdin.isatty():
            answer = input(
                f"Erase {email} ({user_id}) and all their data? This cannot be undone. "
                "Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Cancelled; nothing was erased.")

        audit_record(
            actor=None,
            action=Action.ACTION,
            target=member,
            subject_id=user_id,
            changes={"action": "purge_user"},
            reason="manage.py purge_user",
        )
        try:
            counts = services.account_erase(user=member, source="command")
        except privacy.ErasureIncomplete as exc:
            raise CommandError(f"Erasure rolled back: {exc}") from exc
        self.stdout.write(f"Erased {email} ({user_id}); rows handled:")
        for line in format_counts(counts):
            self.stdout.write(line)

        leftovers = privacy.references_to_user(user_id)
        if leftovers:
            raise CommandError(f"Rows still reference {user_id}: {leftovers}")
        self.stdout.write(self.style.SUCCESS(f"Verified: no row references {user_id} any more."))
