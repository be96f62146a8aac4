"""Device readings are range-partitioned by day on ``captured_at`` on PostgreSQL
(docs/ARCHITECTURE.md, "Partitioned tables"), and the uniqueness of a reading's
``(device, client_id)`` moves to a small receipt table, since a unique key of a partitioned
table must include the partition key (a retry sent after midnight would otherwise write a
second reading). The existing rows are moved into the partitioned table and get their
receipts, so a database upgrades in place. SQLite keeps a plain table."""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from truyvet.lib.postgres.partitions import convert_to_daily_partitions, revert_to_plain


def receipts_for_existing(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(
        "INSERT INTO edge_devices_readingreceipt (device_id, client_id, reading_id, captured_at)"
        " SELECT device_id, client_id, id, captured_at FROM edge_devices_reading"
    )


def partition(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # A device's backlog is accepted for EDGE_READING_MAX_AGE_HOURS (72): three days back.
        convert_to_daily_partitions("edge_devices_reading", "captured_at", days_back=3, days_ahead=7)


def unpartition(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        revert_to_plain("edge_devices_reading", "captured_at")


class Migration(migrations.Migration):
    dependencies = [("edge_devices", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="ReadingReceipt",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "device_id", "client_id", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "device",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="edge_devices.device",
                    ),
                ),
                ("client_id", models.UUIDField()),
                ("reading_id", models.BigIntegerField()),
                ("captured_at", models.DateTimeField()),
            ],
            options={"indexes": [models.Index(fields=["captured_at"], name="edge_devices_receipt_time")]},
        ),
        migrations.RunPython(receipts_for_existing, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="reading", name="edge_devices_reading_once"),
        migrations.RunPython(partition, unpartition),
    ]
