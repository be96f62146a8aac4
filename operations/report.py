"""The steering committee's daily report: its content for one day (reads only) and its two
files, a PDF (reportlab, with DejaVu Sans for Vietnamese) and an XLSX (openpyxl).

What it reads: the stored ward days (cases, F1/F2, tests), the laboratories' counts, the
facilities' and quarantine places' latest reports as the day ended, declarations per ward
(``declarations.Declaration``) and checkpoint traffic (``checkpoints.Passage``), each by the
day's local time. SOS requests come from the relief app's selectors (``_sos_rows``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from checkpoints.models import Checkpoint, Direction, Passage, Verdict
from declarations.models import Declaration
from operations.models import (
    LabDailyCount,
    MedicalFacility,
    OccupancyReport,
    QuarantinePlace,
    ResourceReport,
    WardDay,
)
from relief.selectors import sos_counts_by_ward
from truyvet.geo.models import Ward
from truyvet.lib.days import day_start
from truyvet.lib.export import safe_cell

Row = list[Any]


@dataclass
class Section:
    title: str
    header: Row
    rows: list[Row]
    empty: str = ""
    widths: list[float] = field(default_factory=list)


@dataclass
class ReportContent:
    day: date
    generated_at: Any
    sections: list[Section]


def _sos_rows(day: date) -> list[Row]:
    """SOS help requests received on ``day``, one row per ward: received, still open, done
    (from the relief app's selector, one grouped query)."""
    return [
        [entry["ward_name"], entry["total"], entry["open"], entry["by_status"]["done"]]
        for entry in sos_counts_by_ward(day)
    ]


def _ward_rows(day: date) -> list[Row]:
    declarations = dict(
        Declaration.objects.filter(created_at__gte=day_start(day), created_at__lt=day_start(day + timedelta(days=1)))
        .values("ward_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("ward_id", "n")
    )
    names = dict(Ward.objects.filter(province_id=settings.PROVINCE_CODE).values_list("code", "name"))
    rows: list[Row] = []
    for wd in WardDay.objects.filter(day=day, ward_id__in=list(names)).order_by("ward_id"):
        rows.append(
            [
                names[wd.ward_id],
                wd.new_local + wd.new_imported + wd.new_unknown,
                wd.new_community,
                wd.new_imported,
                wd.new_in_follow_up,
                wd.f1_active,
                wd.f2_active,
                wd.tests,
                wd.tests_positive,
                declarations.get(wd.ward_id, 0),
                float(wd.rate_7d) if wd.rate_7d is not None else "",
                wd.level or "",
            ]
        )
    rows.sort(key=lambda r: (-int(r[11] or 0), str(r[0])))
    return rows


def _lab_rows(day: date) -> list[Row]:
    return [
        [c.agency.name, c.tests, c.positives, f"{100 * c.positives / c.tests:.1f}" if c.tests else ""]
        for c in LabDailyCount.objects.filter(day=day).select_related("agency").order_by("agency__name")
    ]


def _facility_rows(day: date) -> list[Row]:
    end = day_start(day + timedelta(days=1))
    latest = ResourceReport.objects.filter(facility=OuterRef("pk"), reported_at__lt=end).order_by("-reported_at", "-pk")
    ids = (
        MedicalFacility.objects.filter(is_active=True)
        .annotate(latest=Subquery(latest.values("pk")[:1]))
        .values_list("latest", flat=True)
    )
    rows = []
    for r in ResourceReport.objects.filter(pk__in=[pk for pk in ids if pk]).select_related("facility"):
        rows.append(
            [
                r.facility.name,
                f"{r.beds_occupied}/{r.beds_total}",
                f"{r.icu_occupied}/{r.icu_total}",
                f"{r.ventilators_in_use}/{r.ventilators_total}",
                r.oxygen_cylinders,
                r.oxygen_tanks,
                r.doctors + r.nurses,
                formats.date_format(timezone.localtime(r.reported_at), "d/m H:i"),
            ]
        )
    return sorted(rows, key=lambda r: r[0])


def _place_rows(day: date) -> list[Row]:
    end = day_start(day + timedelta(days=1))
    latest = OccupancyReport.objects.filter(place=OuterRef("pk"), reported_at__lt=end).order_by("-reported_at", "-pk")
    ids = (
        QuarantinePlace.objects.filter(is_active=True)
        .annotate(latest=Subquery(latest.values("pk")[:1]))
        .values_list("latest", flat=True)
    )
    return sorted(
        (
            [r.place.name, r.place.get_kind_display(), r.capacity, r.occupied, max(r.capacity - r.occupied, 0)]
            for r in OccupancyReport.objects.filter(pk__in=[pk for pk in ids if pk]).select_related("place")
        ),
        key=lambda r: (r[1], r[0]),
    )


def _checkpoint_rows(day: date) -> list[Row]:
    flagged = [Verdict.REFER, Verdict.DENY]
    counts = {
        row["checkpoint_id"]: row
        for row in Passage.objects.filter(
            scanned_at__gte=day_start(day), scanned_at__lt=day_start(day + timedelta(days=1))
        )
        .values("checkpoint_id")
        .annotate(
            entering=Count("id", filter=Q(direction=Direction.IN)),
            leaving=Count("id", filter=Q(direction=Direction.OUT)),
            flagged=Count("id", filter=Q(verdict__in=flagged)),
        )
        .order_by()
    }
    rows = []
    for checkpoint in Checkpoint.objects.select_related("ward").order_by("name"):
        row = counts.get(checkpoint.pk)
        if row is None and not checkpoint.is_active:
            continue
        rows.append(
            [
                checkpoint.name,
                checkpoint.ward.name,
                row["entering"] if row else 0,
                row["leaving"] if row else 0,
                row["flagged"] if row else 0,
            ]
        )
    return rows


def _totals(wards: list[Row], labs: list[Row], checkpoints: list[Row]) -> list[Row]:
    def total(rows: list[Row], index: int) -> int:
        return sum(int(r[index] or 0) for r in rows)

    return [
        [_("New cases"), total(wards, 1)],
        [_("of which community"), total(wards, 2)],
        [_("of which imported"), total(wards, 3)],
        [_("of which already under follow-up"), total(wards, 4)],
        [_("F1 under follow-up"), total(wards, 5)],
        [_("F2 under follow-up"), total(wards, 6)],
        [_("Tests recorded in tracing"), total(wards, 7)],
        [_("Tests reported by laboratories"), total(labs, 1)],
        [_("Health declarations"), total(wards, 9)],
        [_("Checkpoint passages (entering / leaving)"), f"{total(checkpoints, 2)} / {total(checkpoints, 3)}"],
    ]


def report_content(day: date) -> ReportContent:
    wards, labs, checkpoints = _ward_rows(day), _lab_rows(day), _checkpoint_rows(day)
    none = _("No figures for this day.")
    return ReportContent(
        day=day,
        generated_at=timezone.now(),
        sections=[
            Section(_("Summary"), [_("Figure"), _("Value")], _totals(wards, labs, checkpoints), none, [12, 4]),
            Section(
                _("By ward"),
                [
                    _("Ward"),
                    _("New cases"),
                    _("Community"),
                    _("Imported"),
                    _("Under follow-up"),
                    "F1",
                    "F2",
                    _("Tests"),
                    _("Positive"),
                    _("Declarations"),
                    _("Rate per 100,000 (7 days)"),
                    _("Level"),
                ],
                wards,
                none,
                [4.2, 1.5, 1.6, 1.5, 1.7, 1.3, 1.3, 1.3, 1.4, 1.7, 2.2, 1.1],
            ),
            Section(
                _("Tests by laboratory"),
                [_("Laboratory"), _("Tests"), _("Positive"), _("Positivity %")],
                labs,
                none,
                [8, 2.5, 2.5, 2.5],
            ),
            Section(
                _("Medical resources"),
                [
                    _("Facility"),
                    _("Beds"),
                    _("ICU"),
                    _("Ventilators"),
                    _("Oxygen cylinders"),
                    _("Oxygen tanks"),
                    _("Staff"),
                    _("As of"),
                ],
                _facility_rows(day),
                none,
                [6, 2, 2, 2, 2, 2, 1.6, 2.2],
            ),
            Section(
                _("Quarantine and isolation places"),
                [_("Place"), _("Kind"), _("Capacity"), _("Occupied"), _("Free")],
                _place_rows(day),
                none,
                [6, 5, 2, 2, 2],
            ),
            Section(
                _("Checkpoint traffic"),
                [_("Checkpoint"), _("Ward"), _("Entering"), _("Leaving"), _("Referred or denied")],
                checkpoints,
                none,
                [6, 4, 2, 2, 3],
            ),
            Section(
                _("SOS help requests"),
                [_("Area"), _("Requests"), _("Still open"), _("Done")],
                _sos_rows(day),
                _("No help request was received that day."),
                [6, 3, 3, 3],
            ),
        ],
    )


# --- Files -----------------------------------------------------------------------------------


def report_xlsx(content: ReportContent) -> bytes:
    workbook = Workbook(write_only=True)
    for section in content.sections:
        sheet = workbook.create_sheet(title=section.title[:31])
        sheet.append([safe_cell(v) for v in section.header])
        for row in section.rows:
            sheet.append([safe_cell(v) for v in row])
        if not section.rows and section.empty:
            sheet.append([section.empty])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@cache
def pdf_fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("TruyvetSans", str(settings.OPERATIONS_PDF_FONT)))
    pdfmetrics.registerFont(TTFont("TruyvetSans-Bold", str(settings.OPERATIONS_PDF_FONT_BOLD)))
    return "TruyvetSans", "TruyvetSans-Bold"


def report_pdf(content: ReportContent) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    regular, bold = pdf_fonts()
    title = ParagraphStyle("title", fontName=bold, fontSize=14, leading=18, spaceAfter=4)
    heading = ParagraphStyle("heading", fontName=bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=regular, fontSize=8, leading=10)
    cell = ParagraphStyle("cell", fontName=regular, fontSize=7.5, leading=9)
    head = ParagraphStyle("head", fontName=bold, fontSize=7.5, leading=9)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=1.2 * cm,
        rightMargin=1.2 * cm,
        topMargin=1.2 * cm,
        bottomMargin=1.2 * cm,
        title=_("Daily report of the steering committee"),
        author=settings.PORTAL_NAME,
    )
    story: list[Any] = [
        Paragraph(_("Daily report of the steering committee"), title),
        Paragraph(
            _("Day: %(day)s. Generated %(at)s from the portal's records.")
            % {
                "day": formats.date_format(content.day, "d/m/Y"),
                "at": formats.date_format(timezone.localtime(content.generated_at), "d/m/Y H:i"),
            },
            body,
        ),
    ]
    for section in content.sections:
        story.append(Paragraph(section.title, heading))
        if not section.rows:
            story.append(Paragraph(section.empty, body))
            continue
        data = [[Paragraph(str(h), head) for h in section.header]]
        data += [[Paragraph(str(v), cell) for v in row] for row in section.rows]
        scale = (doc.width / sum(section.widths)) if section.widths else None
        table = LongTable(data, colWidths=[w * scale for w in section.widths] if scale else None, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 4)]
    doc.build(story)
    return buffer.getvalue()
