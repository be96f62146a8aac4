"""Registrations and appointments, and reactions after vaccination, were written side by side;
this joins their two lines of migrations."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("vaccination", "0005_reactions_coverage_summary"),
        ("vaccination", "0005_appointment_done"),
    ]

    operations: list[migrations.operations.base.Operation] = []
