"""A GIN index for the member directory's full-text search on PostgreSQL.

``accounts.search`` searches display name, company and position with
``SearchVector(..., weight="A"/"B"/"C", config="simple")`` over the profile. The index is
built from the same expression (Django compiles both the same way), so the planner can use
it; ``community/tests/test_directory.py`` checks that it does. The expression is a frozen
copy, not an import: ``accounts/tests/test_search.py`` fails when ``accounts.search``
changes it, and the change then needs a new migration that rebuilds the index. Other databases have no GIN
indexes and search with a substring match instead, so nothing is created there.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX = GinIndex(
    SearchVector("display_name", weight="A", config="simple")
    + SearchVector("company", weight="B", config="simple")
    + SearchVector("position", weight="C", config="simple"),
    name="accounts_profile_search",
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("accounts", "Profile"), INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("accounts", "Profile"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_profile_industry")]

    operations = [migrations.RunPython(create_index, drop_index)]
