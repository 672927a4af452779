import os

from django.core.management.base import BaseCommand, CommandError

from core import privacy

from ._lookup import user_from_identifier
from ._report import format_counts


class Command(BaseCommand):
    help = (
        "Write everything the platform holds about one member as the JSON document of "
        "GET /api/v1/me/export (GDPR access request), to stdout or a file."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", help="The member's id (UUID) or email address.")
        parser.add_argument(
            "--output", "-o", help="Write the document to this file (created mode 0600)."
        )

    def handle(self, *args, user: str, output: str | None, **options):
        member = user_from_identifier(user)
        document = privacy.export_user(member)
        text = privacy.dumps(document)
        counts = {label: len(rows) for label, rows in document["data"].items()}
        if output:
            self._write_private(output, text)
            report = self.stdout
            report.write(f"Exported {member.pk} to {output}:")
        else:
            # stdout carries the document itself, so the report goes to stderr.
            self.stdout.write(text)
            report = self.stderr
            report.write(f"Exported {member.pk}:")
        for line in format_counts(counts):
            report.write(line)

    @staticmethod
    def _write_private(path: str, text: str) -> None:
        """The export is personal data: never leave it readable by other local users."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}.") from exc
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.write("\n")
