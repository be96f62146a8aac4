"""Every write of the COVID-safe map. Each is one transaction with its audit entry, and each
that may change a facility's status ends with ``facility_status_refresh`` so the row the
public map reads is current.

A report's life:

    new ──verify──> verified ──resolve──> resolved
     └──reject───> rejected

A verified report lowers the facility's status one step (``safetymap.status.lowered``)
from its verification until the first passing assessment after it was resolved (that
assessment sets ``lifted_at``). The manager answers a verified report; the station of the
facility's ward verifies, rejects and resolves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from safetymap.errors import SafetymapError
from safetymap.models import (
    Assessment,
    Checklist,
    Criterion,
    Facility,
    FacilityType,
    Report,
    ReportState,
    SafetyStatus,
)
from safetymap.photos import CleanPhoto
from safetymap.selectors import checklist_current
from safetymap.status import is_passing, lowered, score_of, status_of
from truyvet.accounts.jurisdiction import jurisdiction_wards
from truyvet.accounts.models import Role, User
from truyvet.geo.models import Ward
from truyvet.lib.audit import audit_log, audit_log_many
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.text import refuse_invisible, refuse_unstorable
from truyvet.people.normalize import normalize_phone, search_key
from venues.models import Venue

TEXT_MAX = 2000
NOTE_MAX = 500

# --- Facilities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacilityInput:
    """A facility as staff type it (the form) or a row of an imported file gives it."""

    name: str
    type: str
    ward_code: int | None
    latitude: str
    longitude: str
    address: str = ""
    capacity: int | None = None
    managers: Sequence[str] = ()  # user names or phones of facility managers
    venue_code: str = ""


@dataclass(frozen=True)
class _Checked:
    name: str
    type: str
    ward: Ward
    latitude: Decimal
    longitude: Decimal
    address: str
    capacity: int | None
    managers: list[User]
    venue: Venue | None


def _errors_of(checks: list[tuple[str, Exception]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, error in checks:
        found.setdefault(name, []).append(str(error))
    return found


def _coordinate(text: str, low: int, high: int, name: str) -> Decimal:
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not low <= value <= high:
        raise DomainError(
            _("Give the %(what)s of a place in Viet Nam, between %(low)s and %(high)s.")
            % {"what": name, "low": low, "high": high},
            SafetymapError.INVALID_LOCATION,
        )
    return value.quantize(Decimal("0.000001"))


def _managers_named(names: Sequence[str]) -> list[User]:
    wanted = [n.strip() for n in names if n and n.strip()]
    if not wanted:
        return []
    phones = [p for p in (normalize_phone(n) for n in wanted) if p]
    found = list(
        User.objects.filter(Q(username__in=wanted) | Q(phone__in=phones), role=Role.FACILITY_MANAGER, is_active=True)
    )
    known = {u.username for u in found} | {u.phone for u in found if u.phone}
    missing = [n for n in wanted if n not in known and normalize_phone(n) not in known]
    if missing:
        raise DomainError(
            _("No facility manager has this user name or phone: %(names)s.") % {"names": ", ".join(missing)},
            SafetymapError.NOT_A_MANAGER,
        )
    return found


def _facility_checked(data: FacilityInput, wards: dict[int, Ward]) -> _Checked:
    """The facility's fields checked, or a DomainError naming every field refused."""
    checks: list[tuple[str, Exception]] = []
    name = " ".join((data.name or "").split())
    try:
        refuse_invisible(name, "name")
        if not name:
            raise DomainError(_("Give the facility's name."), CoreError.REQUIRED)
        if len(name) > 200:
            raise DomainError(_("A name has at most 200 characters."), CoreError.INVALID)
    except DomainError as error:
        checks.append(("name", error))
    if data.type not in FacilityType.values:
        checks.append(("type", DomainError(_("Choose a type of facility."), SafetymapError.UNKNOWN_TYPE)))
    ward = wards.get(data.ward_code) if data.ward_code is not None else None
    if ward is None:
        checks.append(
            ("ward_code", DomainError(_("Choose one of your communes or wards."), SafetymapError.OUTSIDE_WARDS))
        )
    latitude = longitude = Decimal(0)
    try:
        latitude = _coordinate(data.latitude, 8, 24, _("latitude"))
    except DomainError as error:
        checks.append(("latitude", error))
    try:
        longitude = _coordinate(data.longitude, 102, 118, _("longitude"))
    except DomainError as error:
        checks.append(("longitude", error))
    address = " ".join((data.address or "").split())
    try:
        refuse_invisible(address, "address")
        if len(address) > 300:
            raise DomainError(_("An address has at most 300 characters."), CoreError.INVALID)
    except DomainError as error:
        checks.append(("address", error))
    if data.capacity is not None and not 0 <= data.capacity <= 1_000_000:
        checks.append(("capacity", DomainError(_("Give a capacity between 0 and 1,000,000."), CoreError.INVALID)))
    managers: list[User] = []
    try:
        managers = _managers_named(data.managers)
    except DomainError as error:
        checks.append(("managers", error))
    venue = None
    if data.venue_code.strip():
        venue = (
            Venue.objects.filter(code=data.venue_code.strip().upper()).first()
            or Venue.objects.filter(code=data.venue_code.strip()).first()
        )
        if venue is None:
            checks.append(("venue_code", DomainError(_("No venue has this code."), CoreError.NOT_FOUND)))
    if checks:
        errors = _errors_of(checks)
        first = checks[0][1]
        code = getattr(first, "code", CoreError.INVALID)
        raise DomainError(_("Check the facility's details."), code, errors=errors)
    assert ward is not None
    return _Checked(name, data.type, ward, latitude, longitude, address, data.capacity, managers, venue)


def _wards_of(user: User) -> dict[int, Ward]:
    return {w.code: w for w in jurisdiction_wards(user).filter(province_id=settings.PROVINCE_CODE)}


def _apply(facility: Facility, checked: _Checked) -> None:
    facility.name = checked.name
    facility.name_key = search_key(checked.name)
    facility.type = checked.type
    facility.ward = checked.ward
    facility.latitude = checked.latitude
    facility.longitude = checked.longitude
    facility.address = checked.address
    facility.capacity = checked.capacity
    facility.venue = checked.venue


def facility_create(*, user: User, data: FacilityInput, request: HttpRequest | None = None) -> Facility:
    """Register a facility in one of the user's wards (the CDC: any of the province)."""
    checked = _facility_checked(data, _wards_of(user))
    with transaction.atomic():
        facility = Facility()
        _apply(facility, checked)
        facility.save()
        facility.managers.set(checked.managers)
        audit_log(actor=user, action="safetymap.facility_create", obj=facility, request=request)
    return facility


def facility_update(
    *, user: User, facility: Facility, data: FacilityInput, request: HttpRequest | None = None
) -> Facility:
    """Change a facility of the user's wards (the caller got it with ``facility_get_for``)."""
    checked = _facility_checked(data, _wards_of(user))
    with transaction.atomic():
        fresh = Facility.objects.select_for_update().get(pk=facility.pk)
        _apply(fresh, checked)
        fresh.save()
        fresh.managers.set(checked.managers)
        audit_log(actor=user, action="safetymap.facility_update", obj=fresh, request=request)
    return fresh


@dataclass(frozen=True)
class ImportRow:
    line: int
    data: FacilityInput


class ImportRefused(DomainError):
    """Rows of an imported file refused: ``rows`` is [(line, {field: [message]})]; nothing
    was imported."""

    def __init__(self, rows: list[tuple[int, dict[str, list[str]]]]) -> None:
        super().__init__(
            _("%(count)s rows of the file are not valid; nothing was imported.") % {"count": len(rows)},
            SafetymapError.ROWS_REFUSED,
            field="file",
        )
        self.rows = rows


def facilities_import(*, user: User, rows: Sequence[ImportRow], request: HttpRequest | None = None) -> list[Facility]:
    """Register every row, or none: all rows are checked first, and one refused row refuses
    the file with the error of each row (``ImportRefused``)."""
    if not rows:
        raise DomainError(_("The file holds no facility."), SafetymapError.FILE_EMPTY, field="file")
    wards = _wards_of(user)
    refused: list[tuple[int, dict[str, list[str]]]] = []
    checked: list[_Checked] = []
    for row in rows:
        try:
            checked.append(_facility_checked(row.data, wards))
        except DomainError as error:
            refused.append((row.line, error.errors or {"": [str(error)]}))
    if refused:
        raise ImportRefused(refused)
    with transaction.atomic():
        made: list[Facility] = []
        for item in checked:
            facility = Facility()
            _apply(facility, item)
            made.append(facility)
        Facility.objects.bulk_create(made)
        links = [
            Facility.managers.through(facility_id=facility.pk, user_id=manager.pk)
            for facility, item in zip(made, checked, strict=True)
            for manager in item.managers
        ]
        Facility.managers.through.objects.bulk_create(links)
        audit_log_many(
            actor=user,
            action="safetymap.facility_import",
            object_type="safetymap.facility",
            rows=[(str(f.pk), None) for f in made],
            request=request,
        )
    return made


# --- The status ------------------------------------------------------------------------------


def facility_status_refresh(facility_id: int) -> None:
    """Write the facility's current status from its last assessment and its reports still in
    force (inside the caller's transaction)."""
    last = Assessment.objects.filter(facility_id=facility_id).order_by("-at", "-pk").first()
    in_force = Report.objects.filter(
        facility_id=facility_id, state__in=[ReportState.VERIFIED, ReportState.RESOLVED], lifted_at__isnull=True
    ).exists()
    if last is None:
        Facility.objects.filter(pk=facility_id).update(
            status=SafetyStatus.NOT_ASSESSED, score=None, assessed_at=None, lowered=in_force, updated_at=timezone.now()
        )
        return
    status = lowered(last.status) if in_force else last.status
    Facility.objects.filter(pk=facility_id).update(
        status=status,
        score=last.score,
        assessed_at=last.at,
        lowered=in_force and status != last.status,
        updated_at=timezone.now(),  # the public map's ETag follows it
    )


# --- Assessments -----------------------------------------------------------------------------


def assessment_submit(
    *,
    user: User,
    facility: Facility,
    checklist_id: int,
    met: Sequence[int],
    note: str = "",
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Assessment:
    """The manager's self-assessment against the current checklist of the facility's type.

    ``met``: the ids of the criteria met; every other criterion of the checklist failed. A
    page opened before the CDC changed the checklist is refused (``stale_checklist``) so
    nobody answers questions that are no longer asked."""
    checklist = checklist_current(facility.type)
    if checklist is None or checklist.pk != checklist_id:
        raise DomainError(
            _("The checklist has changed since this page was opened: answer the new one."),
            SafetymapError.STALE_CHECKLIST,
            status=409,
        )
    criteria = list(checklist.criteria.all())
    met_ids = set(met)
    if not met_ids <= {c.pk for c in criteria}:
        raise DomainError(_("Answer the criteria of this checklist."), SafetymapError.ANSWERS_INCOMPLETE)
    note = refuse_unstorable(" ".join((note or "").split()), "note")[:NOTE_MAX]
    score = score_of((c.points, c.pk in met_ids) for c in criteria)
    critical_failed = any(c.critical and c.pk not in met_ids for c in criteria)
    status = status_of(score, critical_failed=critical_failed)
    when = at if at is not None else timezone.now()
    with transaction.atomic():
        assessment = Assessment.objects.create(
            facility=facility,
            checklist=checklist,
            by=user,
            at=when,
            failed=sorted(c.pk for c in criteria if c.pk not in met_ids),
            score=score,
            critical_failed=critical_failed,
            status=status,
            note=note,
        )
        if is_passing(status):
            Report.objects.filter(
                facility=facility, state=ReportState.RESOLVED, resolved_at__lte=when, lifted_at__isnull=True
            ).update(lifted_at=when)
        facility_status_refresh(facility.pk)
        audit_log(
            actor=user,
            action="safetymap.assessment_submit",
            obj=assessment,
            request=request,
            detail={"facility": facility.pk, "score": score, "status": status},
        )
    return assessment


# --- Checklists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionInput:
    text: str
    points: int
    critical: bool = False
    text_en: str = ""


def checklist_edit(
    *,
    user: User,
    type: str,
    criteria: Sequence[CriterionInput],
    note: str = "",
    request: HttpRequest | None = None,
) -> Checklist:
    """A new version of a type's checklist (the CDC); earlier assessments keep theirs."""
    if type not in FacilityType.values:
        raise DomainError(_("Choose a type of facility."), SafetymapError.UNKNOWN_TYPE, field="type")
    rows = [c for c in criteria if c.text.strip()]
    if not rows:
        raise DomainError(_("A checklist needs at least one criterion."), SafetymapError.CHECKLIST_EMPTY)
    for index, c in enumerate(rows):
        refuse_invisible(c.text.strip(), f"text_{index}")
        refuse_invisible(c.text_en.strip(), f"text_en_{index}")
        if not 1 <= c.points <= 100:
            raise DomainError(
                _("Each criterion has between 1 and 100 points."), CoreError.INVALID, field=f"points_{index}"
            )
    with transaction.atomic():
        last = Checklist.objects.select_for_update().filter(type=type).order_by("-version").first()
        checklist = Checklist.objects.create(
            type=type,
            version=(last.version + 1) if last else 1,
            created_by=user,
            note=" ".join(note.split())[:300],
        )
        Criterion.objects.bulk_create(
            Criterion(
                checklist=checklist,
                position=index + 1,
                text=c.text.strip()[:300],
                text_en=c.text_en.strip()[:300],
                points=c.points,
                critical=c.critical,
            )
            for index, c in enumerate(rows)
        )
        audit_log(
            actor=user,
            action="safetymap.checklist_edit",
            obj=checklist,
            request=request,
            detail={"type": type, "version": checklist.version},
        )
    return checklist


# --- Citizens' reports -----------------------------------------------------------------------


def report_submit(
    *, facility: Facility, text: str, photo: CleanPhoto | None = None, request: HttpRequest | None = None
) -> Report:
    """A citizen's report, to the moderation queue. Nothing about the sender is stored; the
    photo comes already cleaned (``safetymap.photos.photo_clean``)."""
    text = refuse_unstorable((text or "").replace("\x00", "").strip(), "text")
    if not text:
        raise DomainError(_("Say what is wrong."), SafetymapError.TEXT_REQUIRED, field="text")
    if len(text) > TEXT_MAX:
        raise DomainError(_("At most %(max)s characters.") % {"max": TEXT_MAX}, CoreError.INVALID, field="text")
    with transaction.atomic():
        report = Report(facility=facility, text=text, created_at=timezone.now())
        if photo is not None:
            report.photo.save(f"{report.ref}.{photo.extension}", ContentFile(photo.content), save=False)
        report.save()
        audit_log(
            actor=None,
            action="safetymap.report_submit",
            obj=report,
            request=None,  # the sender's address is not kept with the report
            detail={"facility": facility.pk, "photo": photo is not None},
        )
    return report


# Each moderation step: the states it may start from, the state it leads to.
REPORT_STEPS: dict[str, tuple[frozenset[str], str]] = {
    "verify": (frozenset({ReportState.NEW}), ReportState.VERIFIED),
    "reject": (frozenset({ReportState.NEW, ReportState.VERIFIED}), ReportState.REJECTED),
    "resolve": (frozenset({ReportState.VERIFIED}), ReportState.RESOLVED),
}


def report_steps_allowed(state: str) -> list[str]:
    return [step for step, (sources, _target) in REPORT_STEPS.items() if state in sources]


def report_moderate(
    *, user: User, report: Report, step: str, note: str = "", request: HttpRequest | None = None
) -> Report:
    """The station's step on a report of its wards (the caller got it with
    ``report_get_for``): verify, reject or resolve."""
    if step not in REPORT_STEPS:
        raise DomainError(_("Choose a step."), SafetymapError.REPORT_STEP, field="step")
    note = refuse_unstorable(" ".join((note or "").split()), "note")[:NOTE_MAX]
    sources, target = REPORT_STEPS[step]
    with transaction.atomic():
        fresh = Report.objects.select_for_update().get(pk=report.pk)
        if fresh.state not in sources:
            raise DomainError(
                _("This step is not possible: the report is now “%(state)s”.") % {"state": fresh.get_state_display()},
                SafetymapError.REPORT_STEP,
                status=409,
            )
        now = timezone.now()
        before = fresh.state
        fresh.state = target
        fresh.moderated_at = now
        fresh.moderated_by = user
        if note:
            fresh.moderation_note = note
        if target == ReportState.RESOLVED:
            fresh.resolved_at = now
        fresh.save()
        facility_status_refresh(fresh.facility_id)
        audit_log(
            actor=user,
            action=f"safetymap.report_{step}",
            obj=fresh,
            request=request,
            detail={"from": before, "to": target, "facility": fresh.facility_id},
        )
    return fresh


def report_answer(*, user: User, report: Report, answer: str, request: HttpRequest | None = None) -> Report:
    """The manager's answer to a verified report of their facility (shown to the reporter
    on the follow page and to the station)."""
    answer = refuse_unstorable((answer or "").replace("\x00", "").strip(), "answer")
    if not answer:
        raise DomainError(_("Write the answer."), CoreError.REQUIRED, field="answer")
    if len(answer) > TEXT_MAX:
        raise DomainError(_("At most %(max)s characters.") % {"max": TEXT_MAX}, CoreError.INVALID, field="answer")
    with transaction.atomic():
        fresh = Report.objects.select_for_update().get(pk=report.pk)
        if fresh.state not in {ReportState.VERIFIED, ReportState.RESOLVED}:
            raise DomainError(_("Only a verified report can be answered."), SafetymapError.REPORT_STEP, status=409)
        fresh.answer = answer
        fresh.answered_at = timezone.now()
        fresh.answered_by = user
        fresh.save(update_fields=["answer", "answered_at", "answered_by"])
        audit_log(actor=user, action="safetymap.report_answer", obj=fresh, request=request)
    return fresh
