"""Alerts raised for declarations before message codes: "Đỏ: nguy cơ cao: Name" and the
reasons in whichever language the declarant used. Each becomes the ``declarations.flagged``
code with its level, name and reason codes, read back from the words of the labels, so an
English reader sees English reasons; an alert whose words are not all known stays as written.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.utils import translation

LANGUAGES = ("vi", "en")


def _labels() -> tuple[dict[str, str], dict[str, str]]:
    """The words of every risk level and reason, in each language, to their codes."""
    from declarations.risk import REASON_LABELS
    from truyvet.credentials.models import RiskLevel

    levels: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for language in LANGUAGES:
        with translation.override(language):
            levels.update({str(level.label): level.value for level in RiskLevel})
            reasons.update({str(label): code for code, label in REASON_LABELS.items()})
    return levels, reasons


def _reasons(body: str, known: dict[str, str]) -> list[str] | None:
    """The reason codes of "label, label, …" (labels may hold commas: longest first)."""
    codes: list[str] = []
    rest = body.strip()
    words = sorted(known, key=len, reverse=True)
    while rest:
        label = next((w for w in words if rest.startswith(w) and rest[len(w) :][:2] in ("", ", ")), None)
        if label is None:
            return None
        codes.append(known[label])
        rest = rest[len(label) + 2 :]
    return codes


def alert_codes(apps: Any, schema_editor: Any) -> None:
    Alert = apps.get_model("accounts", "Alert")
    levels, reasons = _labels()
    changed = []
    for alert in Alert.objects.filter(kind="declaration", code="").only("pk", "title", "body").iterator(2000):
        label = next((label for label in levels if alert.title.startswith(label + ": ")), None)
        found = _reasons(alert.body, reasons)
        if label is None or found is None:
            continue
        level, name = levels[label], alert.title[len(label) + 2 :]
        alert.code = "declarations.flagged"
        alert.params = {"level": level, "name": name, "reasons": found}
        changed.append(alert)
    Alert.objects.bulk_update(changed, ["code", "params"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0003_qrcredential_to_core"),
        ("accounts", "0005_alert_message_code"),
    ]

    operations = [migrations.RunPython(alert_codes, migrations.RunPython.noop, elidable=True)]
