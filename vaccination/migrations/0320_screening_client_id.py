"""A screening recorded by a site's offline queue carries the queue's ``client_id`` (a replay
writes nothing)."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("vaccination", "0006_registrations_and_reactions")]

    operations = [
        migrations.AddField(
            model_name="screening",
            name="client_id",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddConstraint(
            model_name="screening",
            constraint=models.UniqueConstraint(fields=("client_id",), name="vacc_screening_client_id"),
        ),
    ]
