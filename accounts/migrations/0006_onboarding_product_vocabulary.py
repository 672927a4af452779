"""The conversation-practice product's onboarding answers (whom the member wants to talk
to, their ages, the relationship goal), and its words for two challenges the platform named
differently: rows holding the earlier words are rewritten to the product's, which are now
stored (the earlier ones are accepted as aliases, ``accounts.choices.ALIASES``)."""

from django.db import migrations, models

# The earlier challenge values and the values stored in their place, frozen here.
RENAMED_CHALLENGES = {
    "keeping_it_going": "running_out_of_things_to_say",
    "handling_rejection": "fear_of_rejection",
}


def _renamed(values, mapping):
    renamed = [mapping.get(value, value) for value in values]
    return list(dict.fromkeys(renamed))


def _rewrite(apps, mapping):
    Onboarding = apps.get_model("accounts", "Onboarding")
    batch = []
    rows = Onboarding.objects.only("pk", "specific_challenges").iterator(chunk_size=1000)
    for row in rows:
        values = row.specific_challenges if isinstance(row.specific_challenges, list) else []
        if any(value in mapping for value in values):
            row.specific_challenges = _renamed(values, mapping)
            batch.append(row)
    Onboarding.objects.bulk_update(batch, ["specific_challenges"], batch_size=1000)


def rename_challenges(apps, schema_editor):
    _rewrite(apps, RENAMED_CHALLENGES)


def restore_challenges(apps, schema_editor):
    _rewrite(apps, {new: old for old, new in RENAMED_CHALLENGES.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_outstanding_token_digest"),
    ]

    operations = [
        migrations.AddField(
            model_name="onboarding",
            name="relationship_goal",
            field=models.CharField(
                blank=True,
                choices=[
                    ("dating", "Dating"),
                    ("casual", "Something casual"),
                    ("long_term", "A long-term relationship"),
                    ("friendship", "Friendship"),
                    ("networking", "Professional networking"),
                    ("confidence", "Social confidence"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="onboarding",
            name="target_age_max",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="onboarding",
            name="target_age_min",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="onboarding",
            name="target_gender",
            field=models.CharField(
                blank=True,
                choices=[
                    ("female", "Women"),
                    ("male", "Men"),
                    ("non_binary", "Non-binary people"),
                    ("everyone", "Everyone"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="onboarding",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("target_age_min__isnull", True),
                    ("target_age_max__isnull", True),
                    ("target_age_min__lte", models.F("target_age_max")),
                    _connector="OR",
                ),
                name="accounts_onboarding_target_ages_in_order",
            ),
        ),
        migrations.RunPython(rename_challenges, restore_challenges),
    ]
