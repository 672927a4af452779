"""No two blocking bookings of one coach overlap (their padded ranges), whoever writes.

PostgreSQL: an exclusion constraint over ``tstzrange(blocked_start, blocked_end, '[)')``
per coach (``btree_gist`` gives ``=`` on the coach id a GiST operator class; a trusted
extension since PostgreSQL 13). A concurrent overlapping insert waits for the first
transaction, then fails with SQLSTATE 23P01.

SQLite: triggers abort an insert or update that would overlap another blocking booking of
the coach with the message ``booking_no_overlap``; writers are serialised by
``transaction_mode = "IMMEDIATE"`` (config/settings/base.py).

Kept out of ``Meta.constraints``: the DDL differs per database.
"""

from django.db import migrations

BLOCKING_SQL = "('held', 'confirmed')"

POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""
    ALTER TABLE marketplace_booking ADD CONSTRAINT marketplace_booking_no_overlap
    EXCLUDE USING gist (
        coach_id WITH =,
        tstzrange(blocked_start, blocked_end, '[)') WITH &&
    ) WHERE (status IN {BLOCKING_SQL})
    """,
]
POSTGRESQL_REVERSE = [
    "ALTER TABLE marketplace_booking DROP CONSTRAINT IF EXISTS marketplace_booking_no_overlap"
]

_OVERLAP = f"""
    SELECT RAISE(ABORT, 'booking_no_overlap')
    WHERE NEW.status IN {BLOCKING_SQL} AND EXISTS (
        SELECT 1 FROM marketplace_booking b
        WHERE b.coach_id = NEW.coach_id
          AND b.id <> NEW.id
          AND b.status IN {BLOCKING_SQL}
          AND b.blocked_start < NEW.blocked_end
          AND NEW.blocked_start < b.blocked_end
    );
"""
SQLITE = [
    f"""
    CREATE TRIGGER marketplace_booking_no_overlap_insert
    BEFORE INSERT ON marketplace_booking
    BEGIN {_OVERLAP} END
    """,
    f"""
    CREATE TRIGGER marketplace_booking_no_overlap_update
    BEFORE UPDATE OF coach_id, status, blocked_start, blocked_end ON marketplace_booking
    BEGIN {_OVERLAP} END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS marketplace_booking_no_overlap_insert",
    "DROP TRIGGER IF EXISTS marketplace_booking_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
