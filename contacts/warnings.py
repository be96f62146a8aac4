"""Warn the people a case's matching found, and the health units that follow them up.

Idempotent: one notification per channel and one alert per unit, keyed by case, person and
level, inserted with ``ON CONFLICT DO NOTHING``; a second run creates nothing and queues
nothing. Only the notifications a run creates are queued for delivery (the ones left
pending by an earlier run are retried by ``retry_undelivered_notifications``).

On PostgreSQL the rows are written by the database: per batch of exposures one statement
joins them to the people and to the units of their ward (from ``units_by_ward``, as on the
ORM path), and inserts the notifications and alerts (``INSERT … SELECT … RETURNING``). The rows carry
message codes and parameters (``contacts.messages``) that pages, SMS and email render in
their reader's language; the words kept beside them (the portal's default language) are
formatted once per level with markers in place of the date, phone and name, which the
statement replaces: the same words, read from one place.
Elsewhere (SQLite, the laptop default) the same rows are built with the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import formats, timezone

from contacts.messages import EXPOSED, exposure_code
from contacts.models import EXPOSURE_KEY_PREFIX, Case, Exposure
from truyvet.accounts.models import Alert, AlertSeverity, HealthUnit, UnitKind
from truyvet.accounts.selectors import units_by_ward
from truyvet.lib.messages import render
from truyvet.lib.models import Channel, DeliveryState, Notification
from truyvet.lib.tasks import deliver_notifications
from truyvet.people.models import Person

BATCH = 1000  # exposures per batch on the ORM path
SQL_BATCH = 10_000  # exposures per statement on PostgreSQL
DELIVERY_CHUNK = 500  # notification ids per delivery task
NOTIFICATION_URL = "/contacts/exposed/"
ALERT_KIND = "exposure"

# Stand-ins for the parts of a text that vary by person, replaced by the statement: a
# control character (PostgreSQL text cannot hold NUL) that no name, phone or text holds.
_UNTIL = "\x01until\x01"
_PHONE = "\x01phone\x01"
_NAME = "\x01name\x01"


def alert_url(case_id: int) -> str:
    """The page a unit's exposure alerts open (with ``?person=`` for one of them: the
    alert's ``link``): its residents the case exposed and their follow-ups, which the unit
    may open, not the case itself, which lives in another ward more often than not."""
    return f"/contacts/cases/{case_id}/follow-ups/"


def dedupe_key(case_id: int, person_id: int, level: int) -> str:
    """Once per case, person and level: someone first found as an F2 and later (a late
    check-in, an upload) as an F1 is warned again, with the stricter advice."""
    return f"{EXPOSURE_KEY_PREFIX}{case_id}:{person_id}:{level}"


def _message(level: int, until: str, unit_phone: str) -> tuple[str, dict[str, Any]]:
    """The warning's message code and parameters (``contacts.messages``)."""
    return exposure_code(level), {"level": level, "until": until, "phone": unit_phone}


def _alert_message(case_id: int, level: int, full_name: str, until: str) -> tuple[str, dict[str, Any]]:
    return EXPOSED, {"level": level, "name": full_name, "case": case_id, "until": until}


def _words(code: str, params: Mapping[str, Any]) -> tuple[str, str]:
    """The words kept on the row (the portal's default language), for the admin and search:
    pages, SMS and email render the code in their reader's language."""
    text = render(code, params, language=settings.LANGUAGE_CODE)
    return text.title, text.body


def _severity(level: int) -> str:
    return AlertSeverity.URGENT if level == 1 else AlertSeverity.WARNING


def _until(last_contact_day: date) -> str:
    """The last day of quarantine, as the texts show it."""
    return formats.date_format(last_contact_day + timedelta(days=settings.TRACING_QUARANTINE_DAYS), "d/m/Y")


def _station_phone(units: Iterable[HealthUnit]) -> str:
    """The phone the warning gives: the ward's commune station's (the first one linked)."""
    return next((u.phone for u in units if u.kind == UnitKind.COMMUNE_STATION and u.phone), "")


def _units_params(case_id: int, cursor: Any) -> dict[str, list[Any]]:
    """The units covering the wards of the case's exposed people and their station phones,
    as arrays for the statement: ``units_by_ward`` decides, as on the ORM path."""
    cursor.execute(
        "SELECT DISTINCT p.ward_id FROM contacts_exposure e JOIN people_person p ON p.id = e.person_id"
        " WHERE e.case_id = %s AND p.ward_id IS NOT NULL",
        [case_id],
    )
    units_of_ward = units_by_ward(ward for (ward,) in cursor.fetchall())
    pairs = [(ward, unit.pk) for ward, units in units_of_ward.items() for unit in units]
    phones = {ward: _station_phone(units) for ward, units in units_of_ward.items()}
    phones = {ward: phone for ward, phone in phones.items() if phone}
    return {
        "unit_wards": [ward for ward, _ in pairs],
        "unit_ids": [unit for _, unit in pairs],
        "phone_wards": list(phones),
        "phones": list(phones.values()),
    }


def warn_exposed(case_id: int, level: int | None = None) -> int:
    """Warn everyone the case's exposures name (at ``level`` only, when given: matching
    queues one run per level it wrote); returns the number of new notifications."""
    if not Case.objects.filter(pk=case_id).exists():
        return 0
    warn = _warn_in_sql if connection.vendor == "postgresql" else _warn_with_orm
    return warn(case_id, level, timezone.now())


def _deliver(pending: list[int]) -> None:
    for i in range(0, len(pending), DELIVERY_CHUNK):
        deliver_notifications.delay(pending[i : i + DELIVERY_CHUNK])


# --- PostgreSQL -------------------------------------------------------------------------

_WARN_SQL = """
WITH ex AS (
    SELECT person_id, level, (last_contact_at AT TIME ZONE %(tz)s)::date AS day
    FROM contacts_exposure x
    WHERE case_id = %(case)s AND person_id > %(after)s AND (%(level)s::int IS NULL OR level = %(level)s)
      -- Already warned (the portal notice is always written with the rest): one index probe,
      -- so a rerun that finds nothing new reads the case instead of re-writing its warnings.
      AND NOT EXISTS (SELECT 1 FROM lib_notification n
                      WHERE n.dedupe_key = %(key_prefix)s::text || x.person_id || ':' || x.level
                        AND n.channel = %(portal)s)
    ORDER BY person_id
    LIMIT %(batch)s
),
texts AS (
    SELECT * FROM unnest(%(levels)s::int[], %(codes)s::text[], %(titles)s::text[], %(bodies_call)s::text[],
                         %(bodies_plain)s::text[], %(alert_titles)s::text[], %(alert_bodies)s::text[],
                         %(severities)s::text[])
        AS t(level, code, title, body_call, body_plain, alert_title, alert_body, severity)
),
untils AS (
    SELECT * FROM unnest(%(days)s::date[], %(untils)s::text[]) AS u(day, until)
),
station AS (
    -- Each ward's commune station phone (``_station_phone``), where it has one.
    SELECT * FROM unnest(%(phone_wards)s::int[], %(phones)s::text[]) AS s(ward_id, phone)
),
unit AS (
    -- The units that follow up each ward (``units_by_ward``).
    SELECT * FROM unnest(%(unit_wards)s::int[], %(unit_ids)s::bigint[]) AS u(ward_id, unit_id)
),
found AS (
    SELECT e.person_id, e.level, p.phone, p.email, p.ward_id, p.language, t.severity, t.code,
           jsonb_build_object('level', e.level, 'until', u.until, 'phone', coalesce(s.phone, '')) AS params,
           jsonb_build_object('level', e.level, 'name', p.full_name, 'case', %(case)s::bigint, 'until', u.until)
               AS alert_params,
           %(key_prefix)s::text || e.person_id || ':' || e.level AS dedupe_key,
           replace(replace(t.title, %(until_mark)s::text, u.until), %(phone_mark)s::text, coalesce(s.phone, ''))
               AS title,
           replace(replace(CASE WHEN s.phone IS NULL THEN t.body_plain ELSE t.body_call END,
                           %(until_mark)s::text, u.until), %(phone_mark)s::text, coalesce(s.phone, '')) AS body,
           replace(replace(t.alert_title, %(until_mark)s::text, u.until), %(name_mark)s::text, p.full_name)
               AS alert_title,
           replace(replace(t.alert_body, %(until_mark)s::text, u.until), %(name_mark)s::text, p.full_name)
               AS alert_body
    FROM ex e
    JOIN people_person p ON p.id = e.person_id
    JOIN texts t ON t.level = e.level
    JOIN untils u ON u.day = e.day
    LEFT JOIN station s ON s.ward_id = p.ward_id
),
notified AS (
    INSERT INTO lib_notification (person_id, user_id, channel, address, code, params, language, title, body, url,
                                  dedupe_key, state, attempts, last_error, created_at, claimed_at, sent_at, read_at)
    SELECT f.person_id, NULL, c.channel, c.address, f.code, f.params, f.language, f.title, f.body, %(url)s,
           f.dedupe_key, c.state,
           0, '', %(now)s, NULL, c.sent_at, NULL
    FROM found f
    CROSS JOIN LATERAL (VALUES (%(portal)s::text, ''::text, %(sent)s::text, %(now)s::timestamptz),
                               (%(sms)s, f.phone, %(pending)s, NULL),
                               (%(email)s, f.email, %(pending)s, NULL))
        AS c(channel, address, state, sent_at)
    WHERE c.channel = %(portal)s OR c.address <> ''
    ON CONFLICT (dedupe_key, channel) DO NOTHING
    RETURNING id, state
),
alerted AS (
    INSERT INTO accounts_alert (unit_id, kind, severity, code, params, title, body, url, ward_id, person_id,
                                dedupe_key, created_at, acknowledged_at, acknowledged_by_id)
    SELECT u.unit_id, %(alert_kind)s, f.severity, %(alert_code)s, f.alert_params, f.alert_title, f.alert_body,
           %(alert_url)s, f.ward_id,
           f.person_id, f.dedupe_key, %(now)s, NULL, NULL
    FROM found f
    JOIN unit u ON u.ward_id = f.ward_id
    ON CONFLICT (unit_id, dedupe_key) DO NOTHING
)
SELECT (SELECT max(person_id) FROM ex),
       (SELECT count(*) FROM notified),
       (SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM notified WHERE state = %(pending)s)
"""


def _warn_in_sql(case_id: int, level: int | None, now: datetime) -> int:
    tz = timezone.get_current_timezone_name()
    with connection.cursor() as cursor:
        # The levels and local days of last contact the texts need: a handful. Exposures a
        # concurrent matching adds with another day are left to the run it queues on commit.
        cursor.execute(
            "SELECT DISTINCT level, (last_contact_at AT TIME ZONE %s)::date FROM contacts_exposure"
            " WHERE case_id = %s AND (%s::int IS NULL OR level = %s)",
            [tz, case_id, level, level],
        )
        found = cursor.fetchall()
        if not found:
            return 0
        levels = sorted({level for level, _ in found})
        days = sorted({day for _, day in found})
        params: dict[str, Any] = {
            "tz": tz,
            "case": case_id,
            "level": level,
            "batch": SQL_BATCH,
            "levels": levels,
            "codes": [exposure_code(level) for level in levels],
            "titles": [_words(*_message(level, _UNTIL, _PHONE))[0] for level in levels],
            "bodies_call": [_words(*_message(level, _UNTIL, _PHONE))[1] for level in levels],
            "bodies_plain": [_words(*_message(level, _UNTIL, ""))[1] for level in levels],
            "alert_code": EXPOSED,
            "alert_titles": [_words(*_alert_message(case_id, level, _NAME, _UNTIL))[0] for level in levels],
            "alert_bodies": [_words(*_alert_message(case_id, level, _NAME, _UNTIL))[1] for level in levels],
            "severities": [_severity(level) for level in levels],
            "days": days,
            "untils": [_until(day) for day in days],
            "key_prefix": f"{EXPOSURE_KEY_PREFIX}{case_id}:",
            "until_mark": _UNTIL,
            "phone_mark": _PHONE,
            "name_mark": _NAME,
            "url": NOTIFICATION_URL,
            "now": now,
            "portal": Channel.PORTAL,
            "sms": Channel.SMS,
            "email": Channel.EMAIL,
            "sent": DeliveryState.SENT,
            "pending": DeliveryState.PENDING,
            "alert_kind": ALERT_KIND,
            "alert_url": alert_url(case_id),
            **_units_params(case_id, cursor),
        }
        created = 0
        after = 0
        while True:
            cursor.execute(_WARN_SQL, {**params, "after": after})
            last, new, pending = cursor.fetchone()
            if last is None:
                return created
            created += new
            if pending:
                _deliver(pending)
            after = last


# --- other databases --------------------------------------------------------------------


def _warn_with_orm(case_id: int, level: int | None, now: datetime) -> int:
    exposures = Exposure.objects.filter(case_id=case_id)
    if level is not None:
        exposures = exposures.filter(level=level)
    rows = list(exposures.values("person_id", "level", last=F("last_contact_at")).order_by("person_id"))
    created = 0
    for i in range(0, len(rows), BATCH):
        created += _warn_batch(case_id, rows[i : i + BATCH], now)
    return created


def _warn_batch(case_id: int, rows: list[Any], now: datetime) -> int:
    people = {
        p["pk"]: p
        for p in Person.objects.filter(pk__in=[r["person_id"] for r in rows]).values(
            "pk", "full_name", "phone", "email", "ward_id", "language"
        )
    }
    units_of_ward = units_by_ward({p["ward_id"] for p in people.values() if p["ward_id"]})
    notifications: list[Notification] = []
    alerts: list[Alert] = []
    keys = []
    for row in rows:
        person = people.get(row["person_id"])
        if person is None:
            continue
        level = row["level"]
        key = dedupe_key(case_id, person["pk"], level)
        keys.append(key)
        units = units_of_ward.get(person["ward_id"], [])
        station_phone = _station_phone(units)
        until = _until(timezone.localdate(row["last"]))
        code, params = _message(level, until, station_phone)
        notifications.extend(_notifications(person, code, params, key, now))
        alert_code, alert_params = _alert_message(case_id, level, person["full_name"], until)
        alert_title, alert_body = _words(alert_code, alert_params)
        alerts.extend(
            Alert(
                unit=unit,
                kind=ALERT_KIND,
                severity=_severity(level),
                code=alert_code,
                params=alert_params,
                title=alert_title,
                body=alert_body,
                url=alert_url(case_id),
                ward_id=person["ward_id"],
                person_id=person["pk"],
                dedupe_key=key,
            )
            for unit in units
        )
    keyed = Notification.objects.filter(dedupe_key__in=keys)
    before = set(keyed.values_list("pk", flat=True))
    Notification.objects.bulk_create(notifications, batch_size=BATCH, ignore_conflicts=True)
    Alert.objects.bulk_create(alerts, batch_size=BATCH, ignore_conflicts=True)
    new = [(pk, state) for pk, state in keyed.values_list("pk", "state").order_by("pk") if pk not in before]
    pending = [pk for pk, state in new if state == DeliveryState.PENDING]
    if pending:
        _deliver(pending)
    return len(new)


def _notifications(
    person: Mapping[str, Any], code: str, params: dict[str, Any], key: str, now: datetime
) -> Iterable[Notification]:
    title, body = _words(code, params)
    for channel, address in ((Channel.PORTAL, ""), (Channel.SMS, person["phone"]), (Channel.EMAIL, person["email"])):
        if channel != Channel.PORTAL and not address:
            continue
        portal = channel == Channel.PORTAL
        yield Notification(
            person_id=person["pk"],
            channel=channel,
            address=address,
            code=code,
            params=params,
            language=person["language"],
            title=title,
            body=body,
            url=NOTIFICATION_URL,
            dedupe_key=key,
            state=DeliveryState.SENT if portal else DeliveryState.PENDING,
            sent_at=now if portal else None,
        )
