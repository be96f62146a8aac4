"""Pages of those who oversee checkpoints: the live monitoring board (and its JSON, polled
by ``static/js/checkpoint-monitor.js``), the daily report and its exports, each
checkpoint's passages and one passage. Managing checkpoints and their staff is
``checkpoints.views.manage``.

Who: health staff (the CDC, health centres, commune stations) and checkpoint teams, each
for the checkpoints in their wards (``checkpoints.selectors.scope.checkpoints_for``). The
board and the lists show travellers' names masked (not enough to identify anyone), so the
board, polled every 20 seconds, writes nothing to the audit log and a passage list writes
one event for the page; one passage's page shows health staff the full name, and every
view of a passage with a person is written to the audit log against that person.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.http import urlencode

from checkpoints.forms.monitor import PassageFilterForm, ReportForm
from checkpoints.models import Passage, Verdict, passage_time_from_link
from checkpoints.panels import board_panels, passage_panels
from checkpoints.selectors.reports import (
    VERDICTS,
    Board,
    CheckpointBoard,
    FlaggedRow,
    daily_report,
    monitor_board,
    passage_get_for,
    passage_list,
    passages_of_person,
    traveller_label,
)
from checkpoints.selectors.scope import checkpoint_get_for, checkpoint_visible_to
from checkpoints.verdicts import finding_label
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.models import User
from truyvet.accounts.permissions import checkpoint_overseer_required, is_health_staff, may_manage_checkpoints
from truyvet.credentials.models import RiskLevel
from truyvet.lib.audit import audit_log
from truyvet.lib.export import csv_response, xlsx_response
from truyvet.lib.paging import keyset_page

REFRESH_SECONDS = 20
PAGE_SIZE = 50
REPORT_HEADER = [
    "day",
    "checkpoint_id",
    "checkpoint",
    "ward_code",
    "ward",
    "direction",
    "total",
    *VERDICTS,
]

# The per-hour chart: an inline SVG (no library, no inline style: the CSP forbids it).
CHART_SLOT = 10  # width of one hour
CHART_TOP = 4
CHART_HEIGHT = 50  # of the tallest bar
COLOUR_IN = "#0d6efd"
COLOUR_OUT = "#ffc107"  # Bootstrap's warning yellow, as the legend's badge


# --- The monitoring board ----------------------------------------------------------------


def _when(value: datetime | None, fmt: str = "H:i d/m") -> str:
    return formats.date_format(timezone.localtime(value), fmt) if value else ""


def chart_bars(board: CheckpointBoard) -> list[dict[str, Any]]:
    """Bars of the per-hour chart (the script draws the same from the JSON)."""
    peak = max(board.peak, 1)
    bars = []
    for index, hour in enumerate(board.hours):
        height_in = round(hour.entering * CHART_HEIGHT / peak)
        height_out = round(hour.leaving * CHART_HEIGHT / peak)
        bars.append(
            {
                "hour": hour,
                "x": index * CHART_SLOT,
                "x_in": index * CHART_SLOT + 1,
                "x_out": index * CHART_SLOT + 5,
                "h_in": height_in,
                "h_out": height_out,
                "y_in": CHART_TOP + CHART_HEIGHT - height_in,
                "y_out": CHART_TOP + CHART_HEIGHT - height_out,
                "tick": index % 6 == 0,
            }
        )
    return bars


def _flagged_json(row: FlaggedRow) -> dict[str, Any]:
    return {
        "id": row.passage_id,
        "url": row.url,
        "checkpoint": row.checkpoint_name,
        "scanned_at": row.scanned_at.isoformat(),
        "when": _when(row.scanned_at),
        "traveller": row.traveller,
        "verdict": row.verdict,
        "verdict_label": row.verdict_label,
        "direction_label": row.direction_label,
        "reasons": row.reasons,
        "destination": row.destination,
    }


def board_json(board: Board) -> dict[str, Any]:
    return {
        "generated_at": board.generated_at.isoformat(),
        "generated": _when(board.generated_at, "H:i:s"),
        "checkpoints": [
            {
                "id": cb.checkpoint.pk,
                "entering": cb.entering_today,
                "leaving": cb.leaving_today,
                "flagged": cb.flagged_today,
                "on_duty": cb.on_duty,
                "tablets": [
                    {
                        "device_id": t.device_id,
                        "label": t.label,
                        "user": t.user_name,
                        "offline": t.offline,
                        "pending": t.pending,
                        "last_seen_at": t.last_seen_at.isoformat(),
                        "last_seen": _when(t.last_seen_at),
                        "last_sync_at": t.last_sync_at.isoformat() if t.last_sync_at else None,
                        "last_sync": _when(t.last_sync_at),
                    }
                    for t in cb.tablets
                ],
                "hours": [
                    {"hour": h.hour.isoformat(), "label": _when(h.hour, "H"), "in": h.entering, "out": h.leaving}
                    for h in cb.hours
                ],
            }
            for cb in board.checkpoints
        ],
        "flagged": [_flagged_json(row) for row in board.flagged],
    }


@checkpoint_overseer_required
def monitor(request: AuthenticatedRequest) -> HttpResponse:
    board = monitor_board(request.user)
    return render(
        request,
        "checkpoints/monitor/index.html",
        {
            "board": board,
            "cards": [{"board": cb, "bars": chart_bars(cb)} for cb in board.checkpoints],
            "refresh_seconds": REFRESH_SECONDS,
            "offline_minutes": int(settings.CHECKPOINT_TABLET_OFFLINE_AFTER.total_seconds() // 60),
            "may_manage": may_manage_checkpoints(request.user),
            "panels": board_panels(request.user, [cb.checkpoint for cb in board.checkpoints]),
            "chart": {
                "width": CHART_SLOT * len(board.hours),
                "height": CHART_TOP + CHART_HEIGHT + 12,
                "base": CHART_TOP + CHART_HEIGHT,
                "label_y": CHART_TOP + CHART_HEIGHT + 10,
                "in": COLOUR_IN,
                "out": COLOUR_OUT,
            },
        },
    )


@checkpoint_overseer_required
def monitor_json(request: AuthenticatedRequest) -> JsonResponse:
    response = JsonResponse(board_json(monitor_board(request.user)))
    response["Cache-Control"] = "no-store"
    return response


# --- The daily report --------------------------------------------------------------------


def _report_rows(user: User, period: tuple[date, date]) -> Iterator[list[Any]]:
    for r in daily_report(user, date_from=period[0], date_to=period[1]):
        yield [
            r["day"],
            r["checkpoint_id"],
            r["checkpoint__name"],
            r["checkpoint__ward_id"],
            r["checkpoint__ward__name"],
            r["direction"],
            r["total"],
            *(r[v] for v in VERDICTS),
        ]


@checkpoint_overseer_required
def report(request: AuthenticatedRequest) -> HttpResponse:
    form = ReportForm(request.GET or None)
    date_from, date_to = form.period()
    rows = daily_report(request.user, date_from=date_from, date_to=date_to)
    totals = {key: sum(r[key] for r in rows) for key in ["total", *VERDICTS]}
    return render(
        request,
        "checkpoints/monitor/report.html",
        {
            "form": form,
            "date_from": date_from,
            "date_to": date_to,
            "rows": rows,
            "totals": totals,
            "verdicts": [(v, Verdict(v).label) for v in VERDICTS],
            "query": urlencode({"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}),
        },
    )


@checkpoint_overseer_required
def report_export(request: AuthenticatedRequest, fmt: str) -> HttpResponseBase:
    """Counts only, no person: nothing here is audit-logged."""
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    period = ReportForm(request.GET or None).period()
    name = f"bao-cao-chot-{period[0]:%Y%m%d}-{period[1]:%Y%m%d}"
    if fmt == "csv":
        return csv_response(name, REPORT_HEADER, _report_rows(request.user, period))
    return xlsx_response(name, [("passages", REPORT_HEADER, _report_rows(request.user, period))])


# --- Passages ---------------------------------------------------------------------------


@checkpoint_overseer_required
def passages(request: AuthenticatedRequest, checkpoint_id: int) -> HttpResponse:
    checkpoint = checkpoint_get_for(request.user, checkpoint_id)
    form = PassageFilterForm(request.GET or None)
    filters = form.filters()
    rows, cursor = keyset_page(
        passage_list(checkpoint, filters), before=request.GET.get("before", ""), size=PAGE_SIZE, field="scanned_at"
    )
    audit_log(
        actor=request.user,
        action="checkpoint.passages",
        obj=checkpoint,
        request=request,
        detail={"filters": {k: str(v) for k, v in filters.__dict__.items() if v}, "rows": len(rows)},
    )
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "checkpoints/monitor/passages.html",
        {
            "checkpoint": checkpoint,
            "form": form,
            "rows": [
                {"p": p, "traveller": traveller_label(p), "reasons": [finding_label(c) for c in p.reasons]}
                for p in rows
            ],
            "cursor": cursor,
            "query": query.urlencode(),
        },
    )


def _person_link(passage: Passage) -> str:
    """The person's declarations (the portal's page of a person) found by their id."""
    person = passage.person
    if person is None:
        return ""
    key = person.id_number or person.passport_number or person.phone
    return f"{reverse('declarations:staff_list')}?{urlencode({'q': key})}" if key else ""


@checkpoint_overseer_required
def passage_detail(request: AuthenticatedRequest, passage_id: int) -> HttpResponse:
    passage = passage_get_for(request.user, passage_id, scanned_at=passage_time_from_link(request.GET.get("at")))
    full = is_health_staff(request.user)
    if passage.person_id is not None:
        audit_log(
            actor=request.user,
            action="checkpoint.passage.view",
            obj=passage,
            person_id=passage.person_id,
            request=request,
            detail={"full_name": full},
        )
    others = []
    if full and passage.person_id is not None:
        others = passages_of_person(request.user, passage.person_id, exclude=passage.pk)
    return render(
        request,
        "checkpoints/monitor/passage.html",
        {
            "p": passage,
            "full": full,
            "traveller": passage.person.full_name if full and passage.person else traveller_label(passage),
            "person_link": _person_link(passage) if full else "",
            "reasons": [finding_label(code) for code in passage.reasons],
            "risk_label": dict(RiskLevel.choices).get(passage.risk_level, passage.risk_level),
            "others": others,
            "flagged": passage.verdict in (Verdict.REFER, Verdict.DENY),
            "may_see_checkpoint": checkpoint_visible_to(request.user, passage.checkpoint),
            "panels": passage_panels(request.user, passage),
        },
    )


urlpatterns: list[URLPattern] = [
    path("", monitor, name="monitor"),
    path("monitor.json", monitor_json, name="monitor_json"),
    path("report/", report, name="report"),
    path("report/export.<str:fmt>", report_export, name="report_export"),
    path("<int:checkpoint_id>/passages/", passages, name="passages"),
    path("passages/<int:passage_id>/", passage_detail, name="passage"),
]
