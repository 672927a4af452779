"""Delivery receipts: ``Message.delivered_at``.

A message already read was delivered too, no later than it was read; the backfill says so
before the check constraint that holds it from now on. Messages not read yet stay without
a delivery time: nothing recorded whether a socket received them.
"""

from django.db import migrations, models


def delivered_when_read(apps, schema_editor):
    Message = apps.get_model("community", "Message")
    Message.objects.filter(read_at__isnull=False, delivered_at__isnull=True).update(
        delivered_at=models.F("read_at")
    )


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="message",
            name="delivered_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        # Nothing to undo: the column goes with the field.
        migrations.RunPython(delivered_when_read, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.CheckConstraint(
                condition=models.Q(read_at__isnull=True) | models.Q(delivered_at__isnull=False),
                name="community_message_read_was_delivered",
            ),
        ),
    ]
