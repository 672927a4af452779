"""Re-encrypt every encrypted column with the newest key (core/encryption.py, key rotation).

Rotation: put the new key first in ``FIELD_ENCRYPTION_KEYS`` (keeping the old ones after
it), deploy, run this command, then drop the old keys. Running it again is harmless.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from core.encryption import DecryptionError, EncryptedTextField

BATCH_SIZE = 500


def encrypted_fields() -> dict[type[models.Model], list[str]]:
    """Every concrete model and the names of its own encrypted columns (a multi-table child
    does not repeat its parent's, and proxies have none of their own)."""
    found = {}
    for model in apps.get_models():
        names = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField) and field.model is model
        ]
        if names:
            found[model] = names
    return found


def rows_with_values(model: type[models.Model], names: list[str]) -> models.QuerySet:
    """Rows where at least one of the columns holds a value (empty and NULL stay as they are)."""
    present = (models.Q(**{f"{name}__isnull": False}) & ~models.Q(**{name: ""}) for name in names)
    return model._base_manager.filter(reduce(or_, present))


def reencrypt(rows: models.QuerySet, names: list[str], *, batch_size: int) -> int:
    """Rewrite ``names`` of every row in ``rows``, one transaction per batch of primary keys.

    Reading decrypts with whichever key fits and writing encrypts with the first key. Each
    batch is locked while it is rewritten, so a concurrent edit is not overwritten with the
    value read before it, and batches are taken by primary key rather than through one
    long-lived cursor, so the writes never disturb the read.
    """
    done = 0
    last_pk = None
    while True:
        with transaction.atomic():
            batch_rows = rows.order_by("pk").only("pk", *names).select_for_update()
            if last_pk is not None:
                batch_rows = batch_rows.filter(pk__gt=last_pk)
            batch = list(batch_rows[:batch_size])
            if not batch:
                return done
            rows.model._base_manager.bulk_update(batch, names)
        done += len(batch)
        last_pk = batch[-1].pk


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the first FIELD_ENCRYPTION_KEYS entry, so the "
        "older keys can be dropped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the values that would be re-encrypted; change nothing.",
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, dry_run: bool, batch_size: int, **options):
        verb = "would be re-encrypted" if dry_run else "re-encrypted"
        total = 0
        for model, names in encrypted_fields().items():
            label = f"{model._meta.label_lower} ({', '.join(names)})"
            rows = rows_with_values(model, names)
            try:
                count = rows.count() if dry_run else reencrypt(rows, names, batch_size=batch_size)
            except DecryptionError as exc:
                raise CommandError(
                    f"{label}: a stored value opens with none of the configured keys; put "
                    "back the key it was written with and run the command again."
                ) from exc
            total += count
            self.stdout.write(f"  {label}: {_rows(count)} {verb}")
        self.stdout.write(f"{_rows(total)} {verb}.")


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"
