"""Give every existing user the profile and onboarding rows they lacked.

Users made outside registration (``createsuperuser``, the admin, the shell) had neither
until ``services.user_rows_ensure`` ran for every new user; ``GET /me/profile`` was a 500
for them. The rows are the empty ones registration creates.
"""

from django.db import migrations


def create_missing_rows(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Profile = apps.get_model("accounts", "Profile")
    Onboarding = apps.get_model("accounts", "Onboarding")
    without_profile = User.objects.filter(profile__isnull=True).values_list("pk", flat=True)
    Profile.objects.bulk_create(
        [Profile(user_id=pk) for pk in without_profile.iterator()], batch_size=500
    )
    without_onboarding = User.objects.filter(onboarding__isnull=True).values_list("pk", flat=True)
    Onboarding.objects.bulk_create(
        [Onboarding(user_id=pk) for pk in without_onboarding.iterator()], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_profile_search_index")]

    # Nothing to undo: the rows are what every user has anyway.
    operations = [migrations.RunPython(create_missing_rows, migrations.RunPython.noop)]
