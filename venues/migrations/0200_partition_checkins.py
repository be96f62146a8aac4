"""Check-ins are range-partitioned by day on PostgreSQL (docs/ARCHITECTURE.md,
"Partitioned tables"), and the uniqueness of a check-in's client_id moves to a small
receipt table, since a unique key of a partitioned table must include the partition key
(a replay sent the next day would otherwise write a second stay). The existing rows are
moved into the partitioned table and get their receipts, so a database upgrades in place.
SQLite keeps a plain table."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

from truyvet.lib.postgres.partitions import convert_to_daily_partitions, revert_to_plain


def receipts_for_existing(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(
        "INSERT INTO venues_checkinreceipt (client_id, checkin_id, checked_in_at)"
        " SELECT client_id, id, checked_in_at FROM venues_checkin"
    )


def partition(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # Late check-ins are accepted for 24 hours: yesterday's partition is made too.
        convert_to_daily_partitions("venues_checkin", "checked_in_at", days_back=1, days_ahead=7)


def unpartition(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        revert_to_plain("venues_checkin", "checked_in_at")


class Migration(migrations.Migration):
    dependencies = [("venues", "0002_checkin_venue_cover")]

    operations = [
        migrations.CreateModel(
            name="CheckInReceipt",
            fields=[
                ("client_id", models.UUIDField(primary_key=True, serialize=False)),
                ("checkin_id", models.BigIntegerField()),
                ("checked_in_at", models.DateTimeField()),
            ],
            options={"indexes": [models.Index(fields=["checked_in_at"], name="venues_receipt_time")]},
        ),
        migrations.RunPython(receipts_for_existing, migrations.RunPython.noop),
        migrations.AlterField(model_name="checkin", name="client_id", field=models.UUIDField()),
        migrations.RunPython(partition, unpartition),
    ]
