"""Warn the people a case's matching found, and the health units that follow them up.

Set-based and idempotent: one notification per channel and one alert per unit, keyed by
case, person and level, inserted with ``ON CONFLICT DO NOTHING``; a second run sends nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import formats, timezone

from contacts.models import EXPOSURE_KEY_PREFIX, Case, Exposure
from truyvet.accounts.models import Alert, AlertSeverity, UnitKind
from truyvet.accounts.selectors import units_by_ward
from truyvet.lib.models import Channel, DeliveryState, Notification
from truyvet.people.models import Person

BATCH = 1000


def dedupe_key(case_id: int, person_id: int, level: int) -> str:
    """Once per case, person and level: someone first found as an F2 and later (a late
    check-in, an upload) as an F1 is warned again, with the stricter advice."""
    return f"{EXPOSURE_KEY_PREFIX}{case_id}:{person_id}:{level}"


def _message(level: int, until: str, unit_phone: str) -> tuple[str, str]:
    call = f" Trạm y tế: {unit_phone}." if unit_phone else ""
    call_en = f" Health station: {unit_phone}." if unit_phone else ""
    if level == 1:
        return (
            "Cảnh báo tiếp xúc gần (F1) / Close contact warning (F1)",
            f"Bạn đã tiếp xúc gần với một ca bệnh. Hãy ở nhà, tự cách ly đến hết ngày {until}, theo dõi sức khỏe "
            f"và liên hệ trạm y tế xã/phường để được xét nghiệm.{call} / You were in close contact with a case. "
            f"Stay at home and quarantine until {until}, watch for symptoms and contact your commune health "
            f"station for a test.{call_en}",
        )
    return (
        f"Cảnh báo tiếp xúc (F{level}) / Exposure warning (F{level})",
        f"Bạn đã tiếp xúc với người tiếp xúc gần của một ca bệnh. Hãy hạn chế đi lại, theo dõi sức khỏe đến hết ngày "
        f"{until} và báo trạm y tế nếu có triệu chứng.{call} / You were in contact with a close contact of a case. "
        f"Limit your movements, watch your health until {until} and tell your health station if you have "
        f"symptoms.{call_en}",
    )


def warn_exposed(case_id: int) -> int:
    """Warn everyone the case's exposures name; returns the number of new notifications."""
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return 0
    rows = list(
        Exposure.objects.filter(case=case).values("person_id", "level", last=F("last_contact_at")).order_by("person_id")
    )
    created = 0
    for i in range(0, len(rows), BATCH):
        created += _warn_batch(case, rows[i : i + BATCH])
    return created


def _warn_batch(case: Case, rows: list[Any]) -> int:
    people = {
        p["pk"]: p
        for p in Person.objects.filter(pk__in=[r["person_id"] for r in rows]).values(
            "pk", "full_name", "phone", "email", "ward_id"
        )
    }
    wards = {p["ward_id"] for p in people.values() if p["ward_id"]}
    units_of_ward = units_by_ward(wards)
    days = timedelta(days=settings.TRACING_QUARANTINE_DAYS)
    now = timezone.now()
    notifications: list[Notification] = []
    alerts: list[Alert] = []
    keys = []
    for row in rows:
        person = people.get(row["person_id"])
        if person is None:
            continue
        key = dedupe_key(case.pk, person["pk"], row["level"])
        keys.append(key)
        units = units_of_ward.get(person["ward_id"], [])
        station_phone = next((u.phone for u in units if u.kind == UnitKind.COMMUNE_STATION and u.phone), "")
        until = formats.date_format(timezone.localdate(row["last"]) + days, "d/m/Y")
        title, body = _message(row["level"], until, station_phone)
        for channel, address in (
            (Channel.PORTAL, ""),
            (Channel.SMS, person["phone"]),
            (Channel.EMAIL, person["email"]),
        ):
            if channel != Channel.PORTAL and not address:
                continue
            portal = channel == Channel.PORTAL
            notifications.append(
                Notification(
                    person_id=person["pk"],
                    channel=channel,
                    address=address,
                    title=title,
                    body=body,
                    url="/contacts/exposed/",
                    dedupe_key=key,
                    state=DeliveryState.SENT if portal else DeliveryState.PENDING,
                    sent_at=now if portal else None,
                )
            )
        for unit in units:
            alerts.append(
                Alert(
                    unit=unit,
                    kind="exposure",
                    severity=AlertSeverity.URGENT if row["level"] == 1 else AlertSeverity.WARNING,
                    title=f"F{row['level']}: {person['full_name']} (F0 #{case.pk})",
                    body=f"Tiếp xúc với ca bệnh #{case.pk}; theo dõi đến {until}. / Exposed to case #{case.pk}; "
                    f"follow up until {until}.",
                    url=f"/contacts/cases/{case.pk}/",
                    ward_id=person["ward_id"],
                    person_id=person["pk"],
                    dedupe_key=key,
                )
            )
    before = Notification.objects.filter(dedupe_key__in=keys).count()
    Notification.objects.bulk_create(notifications, batch_size=BATCH, ignore_conflicts=True)
    Alert.objects.bulk_create(alerts, batch_size=BATCH, ignore_conflicts=True)
    pending = list(
        Notification.objects.filter(dedupe_key__in=keys, state=DeliveryState.PENDING).values_list("pk", flat=True)
    )
    if pending:
        from truyvet.lib.tasks import deliver_notifications

        deliver_notifications.delay(pending)
    return Notification.objects.filter(dedupe_key__in=keys).count() - before
