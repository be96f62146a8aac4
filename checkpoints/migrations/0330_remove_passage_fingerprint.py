"""A passage no longer keeps its batch item's fingerprint: its receipt has it, and a replay
reads the receipts alone (docs/ARCHITECTURE.md, "Partitioned tables"). On PostgreSQL the
column is dropped from the partitioned table and every partition at once (the catalog only,
no rewrite). Reversible: the column comes back filled from the receipts."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models


def fingerprints_from_receipts(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(
        "UPDATE checkpoints_passage AS p SET fingerprint = r.fingerprint FROM checkpoints_passagereceipt AS r"
        " WHERE r.passage_id = p.id AND r.scanned_at = p.scanned_at"
    )


class Migration(migrations.Migration):
    dependencies = [("checkpoints", "0200_partition_passages")]

    operations = [
        # Backwards the column comes back with an empty default for the rows (then filled);
        # forwards this alters nothing in the database.
        migrations.AlterField(model_name="passage", name="fingerprint", field=models.CharField(default="", max_length=32)),
        migrations.RunPython(migrations.RunPython.noop, fingerprints_from_receipts),
        migrations.RemoveField(model_name="passage", name="fingerprint"),
    ]
