"""Checkpoint passages are range-partitioned by day on scanned_at on PostgreSQL
(docs/ARCHITECTURE.md, "Partitioned tables"), and the uniqueness of a batch item's
(client_id, seq) moves to a small receipt table, since a unique key of a partitioned table
must include the partition key (a replay sent after midnight would otherwise be checked in
another day's partition only). The existing passages get their receipts and are moved into
the partitioned table, ids kept, so a database upgrades in place. SQLite keeps a plain
table. Reversible: the table is made plain again and the unique key comes back."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

from truyvet.lib.postgres.partitions import convert_to_daily_partitions, revert_to_plain

# Tablets may send a scan up to CHECKPOINT_SCAN_MAX_AGE (7 days) late: those days get
# their partitions now, as the days ahead do.
DAYS_BACK = 7


def receipts_for_existing(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(
        "INSERT INTO checkpoints_passagereceipt"
        " (client_id, seq, passage_id, scanned_at, fingerprint, verdict, risk_level)"
        " SELECT client_id, seq, id, scanned_at, fingerprint, verdict, risk_level FROM checkpoints_passage"
    )


def partition(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        convert_to_daily_partitions("checkpoints_passage", "scanned_at", days_back=DAYS_BACK, days_ahead=7)


def unpartition(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        revert_to_plain("checkpoints_passage", "scanned_at")


class Migration(migrations.Migration):
    dependencies = [("checkpoints", "0002_passage_log_keys")]

    operations = [
        migrations.CreateModel(
            name="PassageReceipt",
            fields=[
                ("pk", models.CompositePrimaryKey("client_id", "seq", blank=True, editable=False, primary_key=True, serialize=False)),
                ("client_id", models.UUIDField()),
                ("seq", models.PositiveSmallIntegerField()),
                ("passage_id", models.BigIntegerField()),
                ("scanned_at", models.DateTimeField()),
                ("fingerprint", models.CharField(max_length=32)),
                (
                    "verdict",
                    models.CharField(
                        choices=[
                            ("allow", "Allow"),
                            ("declare", "Declare first"),
                            ("refer", "To the health desk"),
                            ("deny", "Deny"),
                        ],
                        max_length=7,
                    ),
                ),
                ("risk_level", models.CharField(blank=True, max_length=6)),
            ],
            options={"indexes": [models.Index(fields=["scanned_at"], name="checkpoints_receipt_time")]},
        ),
        migrations.RunPython(receipts_for_existing, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="passage", name="checkpoints_passage_once"),
        migrations.RunPython(partition, unpartition),
    ]
