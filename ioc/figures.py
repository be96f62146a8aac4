"""The aggregates the IOC gets, each as (type, subject, time, data): counts only.

- ``passages.hourly``: passages per checkpoint and closed local hour (entering, leaving,
  sent to the health desk or turned back);
- ``fever.alert``: a camera's fever (the first reading of a group), its time, checkpoint and
  temperature;
- ``declarations.daily``: declarations per ward and closed local day, by risk level;
- ``tracing.daily``: new cases, active F1 and F2 per ward and day (the operations map's
  ward days);
- ``vaccination.coverage.daily``: the ward's coverage (the share of its target population
  with the full series), on the days the operations map has it, with the counts the
  vaccination app stored that day (target, one dose, full series, booster) when it did.

Each reads the last ``IOC_LOOKBACK_HOURS`` so that late data (a tablet that synced late)
updates what was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from checkpoints.models import Checkpoint, Direction, Passage, Verdict
from declarations.models import Declaration
from edge_devices.models import Reading
from operations.models import WardDay
from truyvet.lib.days import day_start
from vaccination.models import CoverageSummary, TargetPopulation

PREFIX = "vn.truyvet.ioc."


@dataclass(frozen=True)
class Aggregate:
    type: str
    subject: str
    time: datetime
    data: dict[str, Any]


def _hour_floor(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0)


def passages_hourly(now: datetime, lookback: timedelta) -> list[Aggregate]:
    end = _hour_floor(now)
    start = _hour_floor(now - lookback)
    tz = timezone.get_current_timezone()
    rows = list(
        Passage.objects.filter(scanned_at__gte=start, scanned_at__lt=end)
        .annotate(hour=TruncHour("scanned_at", tzinfo=tz))
        .values("checkpoint_id", "hour")
        .annotate(
            entering=Count("id", filter=Q(direction=Direction.IN)),
            leaving=Count("id", filter=Q(direction=Direction.OUT)),
            flagged=Count("id", filter=Q(verdict__in=[Verdict.REFER, Verdict.DENY])),
        )
        .order_by("hour", "checkpoint_id")
    )
    names = dict(Checkpoint.objects.filter(pk__in={r["checkpoint_id"] for r in rows}).values_list("pk", "name"))
    wards = dict(Checkpoint.objects.filter(pk__in=names).values_list("pk", "ward_id"))
    found = []
    for r in rows:
        hour = timezone.localtime(r["hour"])
        found.append(
            Aggregate(
                PREFIX + "passages.hourly",
                f"checkpoints/{r['checkpoint_id']}/hours/{hour.isoformat()}",
                hour,
                {
                    "checkpoint_id": r["checkpoint_id"],
                    "checkpoint_name": names.get(r["checkpoint_id"], ""),
                    "ward_code": wards.get(r["checkpoint_id"]),
                    "hour_start": hour.isoformat(),
                    "hour_end": (hour + timedelta(hours=1)).isoformat(),
                    "entering": r["entering"],
                    "leaving": r["leaving"],
                    "flagged": r["flagged"],
                },
            )
        )
    return found


def fever_alerts(now: datetime, lookback: timedelta) -> list[Aggregate]:
    rows = (
        Reading.objects.filter(fever=True, fever_group__isnull=True, captured_at__gte=now - lookback)
        .select_related("checkpoint")
        .only("pk", "captured_at", "temperature_c", "checkpoint__name", "checkpoint__ward_id")
        .order_by("captured_at")
    )
    return [
        Aggregate(
            PREFIX + "fever.alert",
            f"fevers/{r.pk}",
            r.captured_at,
            {
                "time": timezone.localtime(r.captured_at).isoformat(),
                "checkpoint_id": r.checkpoint_id,
                "checkpoint_name": r.checkpoint.name,
                "ward_code": r.checkpoint.ward_id,
                "temperature_c": float(r.temperature_c),
            },
        )
        for r in rows
    ]


def _closed_days(now: datetime, lookback: timedelta) -> tuple[date, date]:
    today = timezone.localdate(now)
    first = timezone.localdate(now - lookback)
    return first, today - timedelta(days=1)


def declarations_daily(now: datetime, lookback: timedelta) -> list[Aggregate]:
    first, last = _closed_days(now, lookback)
    if last < first:
        return []
    tz = timezone.get_current_timezone()
    rows = (
        Declaration.objects.filter(created_at__gte=day_start(first), created_at__lt=day_start(last + timedelta(days=1)))
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("ward_id", "day", "risk_level")
        .annotate(n=Count("id"))
        .order_by()
    )
    per: dict[tuple[int | None, date], dict[str, int]] = {}
    for r in rows:
        counts = per.setdefault((r["ward_id"], r["day"]), {"green": 0, "yellow": 0, "red": 0})
        counts[r["risk_level"]] = counts.get(r["risk_level"], 0) + r["n"]
    return [
        Aggregate(
            PREFIX + "declarations.daily",
            f"declarations/wards/{ward or 'unknown'}/days/{day.isoformat()}",
            day_start(day),
            {"day": day.isoformat(), "ward_code": ward, **counts, "total": sum(counts.values())},
        )
        for (ward, day), counts in sorted(per.items(), key=lambda item: (item[0][1], item[0][0] or 0))
    ]


def _coverage_counts(first: date, last: date) -> dict[tuple[int, date], dict[str, int]]:
    """The vaccination app's stored counts per ward and day (``CoverageSummary``, with the
    target population entered for the ward, else the people of the target ages)."""
    entered = dict(TargetPopulation.objects.values_list("ward_id", "population"))
    found: dict[tuple[int, date], dict[str, int]] = {}
    for ward_id, day, in_target in CoverageSummary.objects.filter(day__gte=first, day__lte=last).values_list(
        "ward_id", "day", "in_target"
    ):
        people, one, full, booster = [*in_target, 0, 0, 0, 0][:4]
        found[(ward_id, day)] = {"target": int(entered.get(ward_id, people)), "one_dose": int(one),
                                 "full_series": int(full), "booster": int(booster)}  # fmt: skip
    return found


def ward_days(now: datetime, lookback: timedelta) -> list[Aggregate]:
    first, last = _closed_days(now, lookback)
    found = []
    counts = _coverage_counts(first, last)
    for row in WardDay.objects.filter(day__gte=first, day__lte=last).order_by("day", "ward_id"):
        found.append(
            Aggregate(
                PREFIX + "tracing.daily",
                f"tracing/wards/{row.ward_id}/days/{row.day.isoformat()}",
                day_start(row.day),
                {
                    "day": row.day.isoformat(),
                    "ward_code": row.ward_id,
                    "new_cases": row.new_local + row.new_imported + row.new_unknown,
                    "f1": row.f1_active,
                    "f2": row.f2_active,
                },
            )
        )
        if row.coverage is not None:
            found.append(
                Aggregate(
                    PREFIX + "vaccination.coverage.daily",
                    f"vaccination/wards/{row.ward_id}/days/{row.day.isoformat()}",
                    day_start(row.day),
                    {
                        "day": row.day.isoformat(),
                        "ward_code": row.ward_id,
                        "coverage": float(row.coverage),
                        **counts.get((row.ward_id, row.day), {}),
                    },
                )
            )
    return found


def aggregates(now: datetime | None = None) -> list[Aggregate]:
    now = now or timezone.now()
    hours = timedelta(hours=settings.IOC_LOOKBACK_HOURS)
    days = timedelta(days=settings.IOC_LOOKBACK_DAYS)
    return [
        *passages_hourly(now, hours),
        *fever_alerts(now, hours),
        *declarations_daily(now, days),
        *ward_days(now, days),
    ]
