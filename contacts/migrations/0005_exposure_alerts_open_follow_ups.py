"""Exposure alerts written before open the case's contacts in the alerted unit's area
(``/contacts/cases/<id>/follow-ups/``), as new ones do, instead of the case page, which
404s for a unit of another ward."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Concat, Replace


def forwards(apps: Any, schema_editor: Any) -> None:
    Alert = apps.get_model("accounts", "Alert")
    Alert.objects.filter(kind="exposure", url__regex=r"^/contacts/cases/[0-9]+/$").update(
        url=Concat(F("url"), Value("follow-ups/"))
    )


def backwards(apps: Any, schema_editor: Any) -> None:
    Alert = apps.get_model("accounts", "Alert")
    Alert.objects.filter(kind="exposure", url__regex=r"^/contacts/cases/[0-9]+/follow-ups/$").update(
        url=Replace(F("url"), Value("follow-ups/"), Value(""))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0004_exposure_per_person"),
        ("accounts", "0004_agency_staff_role"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
