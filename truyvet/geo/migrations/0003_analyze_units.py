from __future__ import annotations

from typing import Any

from django.db import migrations


def analyze(apps: Any, schema_editor: Any) -> None:
    # Statistics for the freshly loaded units, so jurisdiction filters (ward IN the
    # province's wards) are planned from the start, not after autovacuum gets round to it.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE geo_province, geo_ward")


class Migration(migrations.Migration):
    dependencies = [("geo", "0002_load_units")]

    operations = [migrations.RunPython(analyze, migrations.RunPython.noop)]
