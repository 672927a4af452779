"""A trigram GIN index for the customer list's ``?search=`` on PostgreSQL.

``name__icontains`` compiles to ``UPPER("name"::text) LIKE UPPER(%s)``: an index on bare
``name`` is never used, so this one is built on ``UPPER(name)`` with ``gin_trgm_ops``
(``crm/tests/test_customers.py`` checks that the planner uses it). Plain SQL rather than
``GinIndex(OpClass(Upper("name")))``: OpClass needs ``django.contrib.postgres`` installed to
be rendered. Other databases have no trigram indexes and scan the owner's rows instead, so
nothing is created there (``TrigramExtension`` itself is a no-op off PostgreSQL).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

CREATE = (
    'CREATE INDEX "crm_customer_name_trgm" ON "crm_customer" '
    'USING gin ((UPPER("name"::text)) gin_trgm_ops)'
)
DROP = 'DROP INDEX IF EXISTS "crm_customer_name_trgm"'


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [TrigramExtension(), migrations.RunPython(create_index, drop_index)]
