"""Replace every refresh token stored whole in simplejwt's outstanding-token table by its
SHA-256 (``accounts.tokens``): the rows stay usable for revocation (``jti``, expiry), the
stored value stops being a credential. Irreversible by design."""

import hashlib

from django.db import migrations

HASH_PREFIX = "sha256:"  # as accounts.tokens.HASH_PREFIX, frozen here


def hash_stored_tokens(apps, schema_editor):
    OutstandingToken = apps.get_model("token_blacklist", "OutstandingToken")
    stored = OutstandingToken.objects.exclude(token__startswith=HASH_PREFIX).exclude(token="")
    batch = []
    for row in stored.only("pk", "token").iterator(chunk_size=1000):
        row.token = HASH_PREFIX + hashlib.sha256(row.token.encode()).hexdigest()
        batch.append(row)
        if len(batch) == 1000:
            OutstandingToken.objects.bulk_update(batch, ["token"])
            batch = []
    OutstandingToken.objects.bulk_update(batch, ["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_rows_backfill"),
        ("token_blacklist", "0013_alter_blacklistedtoken_options_and_more"),
    ]

    operations = [migrations.RunPython(hash_stored_tokens, migrations.RunPython.noop)]
