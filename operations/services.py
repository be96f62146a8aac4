"""Writes of the operations map: each in one transaction, with its audit entry.

Every record belongs to an agency; a service refuses an agency that is not among the
user's for the topic (``selectors.agencies_for``), so a form cannot be posted for another
agency's part."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from operations.errors import OperationsError
from operations.figures import ward_figures
from operations.models import (
    Agency,
    ConsultationEntry,
    DailyReport,
    Directive,
    LabDailyCount,
    MedicalFacility,
    OccupancyReport,
    QuarantinePlace,
    ResourceReport,
    WardDay,
)
from operations.pdfcheck import looks_like_pdf
from operations.report import report_content, report_pdf, report_xlsx
from operations.selectors import Topic, agencies_for, place_kinds_for
from truyvet.accounts.models import User
from truyvet.lib.audit import audit_log
from truyvet.lib.errors import DomainError
from truyvet.people.normalize import search_key

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _own_agency(user: User, agency: Agency, topic: str) -> None:
    if not agencies_for(user, topic).filter(pk=agency.pk).exists():
        raise DomainError(_("This agency is not yours."), OperationsError.NOT_YOUR_AGENCY, field="agency")


def _changes(record: Any) -> dict[str, Any]:
    return {k: str(v) for k, v in model_to_dict(record).items() if k not in {"pdf", "members"}}


# --- Directives ----------------------------------------------------------------------------


def _check_pdf(pdf: UploadedFile[Any]) -> None:
    limit = settings.OPERATIONS_DIRECTIVE_MAX_MB * 1024 * 1024
    size = pdf.size or 0
    if size > limit:
        raise DomainError(
            _("The file is larger than %(mb)s MB.") % {"mb": settings.OPERATIONS_DIRECTIVE_MAX_MB},
            OperationsError.FILE_TOO_LARGE,
            field="pdf",
        )
    if pdf.file is None or not looks_like_pdf(pdf.file, size):
        raise DomainError(_("This file is not a PDF."), OperationsError.NOT_A_PDF, field="pdf")
    pdf.seek(0)


def directive_save(
    *,
    user: User,
    agency: Agency,
    number: str,
    issued_on: date,
    issuer: str,
    title: str,
    summary: str,
    pdf: UploadedFile[Any] | None,
    directive: Directive | None = None,
    request: HttpRequest | None = None,
) -> Directive:
    """Create a directive (``directive`` None, a PDF required) or change one (a new PDF
    optional)."""
    _own_agency(user, agency, Topic.DIRECTIVES)
    if directive is not None and directive.agency_id != agency.pk:
        _own_agency(user, directive.agency, Topic.DIRECTIVES)
    if pdf is None and directive is None:
        raise DomainError(_("Attach the PDF."), OperationsError.NOT_A_PDF, field="pdf")
    if pdf is not None:
        _check_pdf(pdf)
    record = directive or Directive(created_by=user)
    record.agency = agency
    record.number = number.strip()
    record.issued_on = issued_on
    record.issuer = issuer.strip()
    record.title = title.strip()
    record.summary = summary.strip()
    record.search_text = search_key(f"{record.number} {record.title} {record.summary}")
    if pdf is not None:
        record.pdf.save(pdf.name or "directive.pdf", pdf, save=False)
        record.pdf_size = pdf.size or 0
    try:
        with transaction.atomic():
            record.save()
            audit_log(
                actor=user,
                action="operations.directive_created" if directive is None else "operations.directive_changed",
                obj=record,
                request=request,
                detail={"number": record.number, "title": record.title, "pdf": bool(pdf)},
            )
    except IntegrityError:
        raise DomainError(
            _("This agency has a directive with this number already."), OperationsError.DUPLICATE_NUMBER, field="number"
        ) from None
    return record


# --- Laboratories' daily counts ------------------------------------------------------------


@transaction.atomic
def lab_count_record(
    *,
    user: User,
    agency: Agency,
    day: date,
    tests: int,
    positives: int,
    note: str = "",
    request: HttpRequest | None = None,
) -> LabDailyCount:
    """The laboratory's count for ``day``: a second entry for the same day replaces the first."""
    _own_agency(user, agency, Topic.LAB_COUNTS)
    if day > timezone.localdate():
        raise DomainError(_("This day has not come yet."), OperationsError.FUTURE_DAY, field="day")
    if positives > tests:
        raise DomainError(
            _("There cannot be more positives than tests."), OperationsError.MORE_THAN_TOTAL, field="positives"
        )
    count, created = LabDailyCount.objects.update_or_create(
        agency=agency,
        day=day,
        defaults={"tests": tests, "positives": positives, "note": note.strip(), "entered_by": user},
    )
    audit_log(
        actor=user,
        action="operations.lab_count_recorded",
        obj=count,
        request=request,
        detail={"day": day.isoformat(), "tests": tests, "positives": positives, "replaced": not created},
    )
    return count


# --- Facilities, places and the directory: records of an agency -----------------------------

_TOPIC_OF = {
    MedicalFacility: Topic.FACILITIES,
    QuarantinePlace: Topic.PLACES,
    ConsultationEntry: Topic.CONSULTATIONS,
}


@transaction.atomic
def agency_record_save(
    *,
    user: User,
    record: MedicalFacility | QuarantinePlace | ConsultationEntry,
    previous_agency: Agency | None = None,
    request: HttpRequest | None = None,
) -> MedicalFacility | QuarantinePlace | ConsultationEntry:
    """Save a facility, a quarantine place or a directory entry a form has filled in: its
    agency (and the one it had) must be the user's, and a place must be of a kind its
    agency runs."""
    topic = _TOPIC_OF[type(record)]
    _own_agency(user, record.agency, topic)
    if previous_agency is not None and previous_agency.pk != record.agency.pk:
        _own_agency(user, previous_agency, topic)
    if isinstance(record, QuarantinePlace) and record.kind not in place_kinds_for(record.agency):
        raise DomainError(
            _("Your agency does not run this kind of place."), OperationsError.WRONG_PLACE_KIND, field="kind"
        )
    created = record.pk is None
    record.save()
    label = record._meta.model_name
    audit_log(
        actor=user,
        action=f"operations.{label}_{'created' if created else 'changed'}",
        obj=record,
        request=request,
        detail=_changes(record),
    )
    return record


_PAIRS = (("beds_occupied", "beds_total"), ("icu_occupied", "icu_total"), ("ventilators_in_use", "ventilators_total"))


@transaction.atomic
def resources_report(
    *,
    user: User,
    facility: MedicalFacility,
    figures: dict[str, int],
    note: str = "",
    reported_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> ResourceReport:
    """A new row of the facility's resources (beds, ICU, ventilators, oxygen, staff)."""
    _own_agency(user, facility.agency, Topic.FACILITIES)
    for used, total in _PAIRS:
        if figures[used] > figures[total]:
            raise DomainError(_("More in use than there are."), OperationsError.MORE_THAN_TOTAL, field=used)
    report = ResourceReport.objects.create(
        facility=facility, reported_at=reported_at or timezone.now(), note=note.strip(), entered_by=user, **figures
    )
    audit_log(actor=user, action="operations.resources_reported", obj=report, request=request, detail=figures)
    return report


@transaction.atomic
def occupancy_report(
    *,
    user: User,
    place: QuarantinePlace,
    capacity: int,
    occupied: int,
    reported_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> OccupancyReport:
    """A new row of the place's capacity and occupancy (more people than places is allowed:
    an overfull camp is what the committee must see)."""
    _own_agency(user, place.agency, Topic.PLACES)
    report = OccupancyReport.objects.create(
        place=place, capacity=capacity, occupied=occupied, reported_at=reported_at or timezone.now(), entered_by=user
    )
    audit_log(
        actor=user,
        action="operations.occupancy_reported",
        obj=report,
        request=request,
        detail={"capacity": capacity, "occupied": occupied},
    )
    return report


# --- The stored ward days --------------------------------------------------------------------

FIGURE_FIELDS = (
    "new_local",
    "new_imported",
    "new_unknown",
    "new_in_follow_up",
    "new_community",
    "f1_active",
    "f2_active",
    "tests",
    "tests_positive",
    "community_7d",
    "population",
    "population_source",
    "rate_7d",
    "coverage",
    "level",
)
OUTCOME_FIELDS = ("under_treatment", "recovered", "died")


def ward_days_store(*, days: list[date], today: date | None = None) -> int:
    """Compute and store every ward's figures for each of ``days`` (idempotent: a day's rows
    are replaced by the same figures from the same data). The outcome totals are written
    only into today's rows, so a day keeps those of its last run before midnight (at most
    15 minutes before its end); they have no date in the case records, so a past day
    computed again keeps the totals it had (none, if it was first computed later)."""
    today = today or timezone.localdate()
    now = timezone.now()
    stored = 0
    for day in sorted(set(days)):
        figures = ward_figures(day, today=today)
        with transaction.atomic():
            existing = {row.ward_id: row for row in WardDay.objects.select_for_update().filter(day=day)}
            new_rows: list[WardDay] = []
            changed: list[WardDay] = []
            for f in figures:
                row = existing.get(f.ward_code) or WardDay(ward_id=f.ward_code, day=day)
                for name in FIGURE_FIELDS:
                    setattr(row, name, getattr(f, name))
                if day >= today:
                    for name in OUTCOME_FIELDS:
                        setattr(row, name, getattr(f, name))
                row.computed_at = now
                (changed if row.pk else new_rows).append(row)
            WardDay.objects.bulk_create(new_rows, batch_size=500)
            WardDay.objects.bulk_update(changed, [*FIGURE_FIELDS, *OUTCOME_FIELDS, "computed_at"], batch_size=500)
            stored += len(figures)
    return stored


# --- The steering committee's daily report ---------------------------------------------------


def daily_report_generate(*, day: date) -> DailyReport:
    """The report of ``day``, made once: its PDF and XLSX are written and kept, and sent to
    ``OPERATIONS_REPORT_EMAILS``. A second call for the same day returns the kept report
    (and sends it if the first sending did not happen)."""
    with translation.override(settings.LANGUAGE_CODE):
        report = DailyReport.objects.filter(day=day).first()
        if report is None:
            if not WardDay.objects.filter(day=day).exists():
                ward_days_store(days=[day])
            content = report_content(day)
            pdf, xlsx = report_pdf(content), report_xlsx(content)
            name = f"bao-cao-{day.isoformat()}"
            try:
                with transaction.atomic():
                    report = DailyReport(day=day, generated_at=content.generated_at)
                    report.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
                    report.xlsx.save(f"{name}.xlsx", ContentFile(xlsx), save=False)
                    report.save()
                    audit_log(actor=None, action="operations.daily_report_generated", obj=report,
                              detail={"day": day.isoformat()})  # fmt: skip
            except IntegrityError:  # made meanwhile by another run
                report = DailyReport.objects.get(day=day)
        if report.sent_at is None and settings.OPERATIONS_REPORT_EMAILS:
            _send(report)
    return report


def _send(report: DailyReport) -> None:
    with transaction.atomic():
        # The row lock makes two runs at once send one email.
        locked = DailyReport.objects.select_for_update().get(pk=report.pk)
        if locked.sent_at is not None:
            return
        day = formats.date_format(locked.day, "d/m/Y")
        message = EmailMessage(
            subject=_("Daily report of the steering committee, %(day)s") % {"day": day},
            body=_("The daily report of %(day)s is attached (PDF and spreadsheet).") % {"day": day},
            to=list(settings.OPERATIONS_REPORT_EMAILS),
        )
        for stored, mime in ((locked.pdf, "application/pdf"), (locked.xlsx, XLSX_MIME)):
            with stored.open("rb") as handle:
                message.attach((stored.name or "").rsplit("/", 1)[-1], handle.read(), mime)
        message.send()
        locked.sent_at = timezone.now()
        locked.recipients = list(settings.OPERATIONS_REPORT_EMAILS)
        locked.save(update_fields=["sent_at", "recipients"])
        report.sent_at, report.recipients = locked.sent_at, locked.recipients
