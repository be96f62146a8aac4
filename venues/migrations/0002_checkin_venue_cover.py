"""The (venue, checked_in_at) index of check-ins also carries ends_at, person_id and id,
so exposure matching scans it without visiting the table (an index-only scan), and the
venue's own index goes: the new one serves every lookup by venue, and a check-in has one
index less to write. Built concurrently on PostgreSQL: the check-in table is large and
takes writes all day."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

OLD = "venues_checkin_venue_time"
NEW = "venues_checkin_venue_cover"
VENUE = "venues_checkin_venue_id_2b06c198"  # the foreign key's own index, as Django named it


def _index(fields: Any, name: str, include: Any = None) -> models.Index:
    return models.Index(fields=fields, name=name, include=include or [])


def forwards(apps: Any, schema_editor: Any) -> None:
    CheckIn = apps.get_model("venues", "CheckIn")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NEW} ON venues_checkin (venue_id, checked_in_at) "
            "INCLUDE (ends_at, person_id, id)"
        )
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {OLD}")
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {VENUE}")
    else:
        schema_editor.add_index(CheckIn, _index(["venue", "checked_in_at"], NEW))
        schema_editor.remove_index(CheckIn, _index(["venue", "checked_in_at"], OLD))
        # (SQLite keeps the venue's own index: harmless at a laptop's size.)


def backwards(apps: Any, schema_editor: Any) -> None:
    CheckIn = apps.get_model("venues", "CheckIn")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {OLD} ON venues_checkin (venue_id, checked_in_at)"
        )
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {VENUE} ON venues_checkin (venue_id)")
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NEW}")
    else:
        schema_editor.add_index(CheckIn, _index(["venue", "checked_in_at"], OLD))
        schema_editor.remove_index(CheckIn, _index(["venue", "checked_in_at"], NEW))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("venues", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.RemoveIndex(model_name="checkin", name=OLD),
                migrations.AddIndex(
                    model_name="checkin",
                    index=models.Index(
                        fields=["venue", "checked_in_at"], include=("ends_at", "person", "id"), name=NEW
                    ),
                ),
                migrations.AlterField(
                    model_name="checkin",
                    name="venue",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="checkins",
                        to="venues.venue",
                    ),
                ),
            ],
        )
    ]
