"""Registrations for a campaign: a citizen for their household, an employer for its employees.

Who may register whom follows the portal's trust rule (``declarations/identity.py``):
knowing an id number gives no power over a person's record.

- A citizen signed in by phone registers the people of their household, the people the
  portal knows with that phone (``selectors.people_of_citizen``). Anybody else: 404.
- An employer's representative uploads a file of employees (``employee_files``). A row
  whose id number the portal already knows registers that person **without changing their
  record**; a row whose name or date of birth differs from the record is refused
  (``record_mismatch``), as is every other bad row, and one bad row refuses the whole file
  with a row-by-row report. A person already registered for the campaign (by anyone) is
  counted, not registered again: the same file uploaded twice adds nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from truyvet.accounts.models import User
from truyvet.geo.models import Ward
from truyvet.lib.audit import audit_log
from truyvet.lib.errors import DomainError
from truyvet.lib.text import refuse_invisible
from truyvet.people.models import Gender, Person
from truyvet.people.normalize import normalize_name, normalize_phone, search_key
from truyvet.people.validation import validate_citizen_id, validate_date_of_birth
from vaccination.models import (
    AppointmentStatus,
    Campaign,
    EmployeeUpload,
    Employer,
    PriorityGroup,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Site,
)
from vaccination.registration_errors import RegistrationError, refused
from vaccination.selectors import people_of_citizen

# --- Citizens ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationIn:
    person_id: int
    campaign_id: int
    priority_group_id: int | None
    site_id: int
    preferred_on: date | None = None


def campaign_open_get(campaign_id: int, *, today: date | None = None) -> Campaign:
    """A campaign that has not ended (``unknown_campaign`` or ``campaign_closed`` else)."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise refused(RegistrationError.UNKNOWN_CAMPAIGN, field="campaign")
    if campaign.ends_on < (today or timezone.localdate()):
        raise refused(RegistrationError.CAMPAIGN_CLOSED, field="campaign")
    return campaign


def campaign_site_check(campaign: Campaign, site_id: int) -> Site:
    """An active site in the campaign's wards (any ward when the campaign names none)."""
    site = Site.objects.filter(pk=site_id, active=True).first()
    if site is None:
        raise refused(RegistrationError.SITE_CLOSED, field="site")
    ward_ids = set(campaign.wards.values_list("code", flat=True))
    if ward_ids and site.ward_id not in ward_ids:
        raise refused(RegistrationError.SITE_OUTSIDE_CAMPAIGN, field="site")
    return site


def campaign_group_check(campaign: Campaign, group_id: int | None) -> PriorityGroup | None:
    """The priority group: one of the campaign's target groups when it names some."""
    targets = {g.pk: g for g in campaign.priority_groups.all()}
    if group_id is None:
        if targets:
            raise refused(RegistrationError.UNKNOWN_GROUP, field="priority_group")
        return None
    group = targets.get(group_id) if targets else PriorityGroup.objects.filter(pk=group_id, active=True).first()
    if group is None:
        raise refused(RegistrationError.UNKNOWN_GROUP, field="priority_group")
    return group


def _household_person(user: User, person_id: int) -> Person:
    person = next((p for p in people_of_citizen(user) if p.pk == person_id), None)
    if person is None:
        raise refused(RegistrationError.NOT_YOUR_HOUSEHOLD, field="person", status=404)
    return person


@transaction.atomic
def registration_create(*, user: User, data: RegistrationIn, request: HttpRequest | None = None) -> Registration:
    """Register a person of the signed-in citizen's household for a campaign.

    Refused: ``not_your_household`` (404), ``unknown_campaign``, ``campaign_closed``,
    ``unknown_group``, ``site_closed``, ``site_outside_campaign``, ``day_outside_campaign``,
    ``already_registered`` (409). A cancelled registration is registered again."""
    today = timezone.localdate()
    person = _household_person(user, data.person_id)
    campaign = campaign_open_get(data.campaign_id, today=today)
    group = campaign_group_check(campaign, data.priority_group_id)
    site = campaign_site_check(campaign, data.site_id)
    if data.preferred_on is not None and not (max(today, campaign.starts_on) <= data.preferred_on <= campaign.ends_on):
        raise refused(RegistrationError.DAY_OUTSIDE_CAMPAIGN, field="preferred_on")
    existing = Registration.objects.select_for_update().filter(campaign=campaign, person=person).first()
    if existing is not None and existing.status == RegistrationStatus.REGISTERED:
        raise refused(RegistrationError.ALREADY_REGISTERED, status=409)
    registration = existing or Registration(campaign=campaign, person=person, source=RegistrationSource.CITIZEN)
    registration.priority_group = group
    registration.site = site
    registration.preferred_on = data.preferred_on
    registration.status = RegistrationStatus.REGISTERED
    registration.registered_by = user
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:  # the same registration sent twice at once
        raise refused(RegistrationError.ALREADY_REGISTERED, status=409) from None
    audit_log(
        actor=user, action="vaccination.registration_create", obj=registration, person_id=person.pk, request=request
    )
    return registration


def registration_get_for_citizen(user: User, registration_id: int, *, lock: bool = False) -> Registration:
    """A registration of the citizen's household (404 otherwise)."""
    ids = [p.pk for p in people_of_citizen(user)]
    rows = Registration.objects.select_related("campaign", "person", "site", "priority_group")
    if lock:
        rows = rows.select_for_update(of=("self",))
    registration = rows.filter(pk=registration_id, person_id__in=ids).first()
    if registration is None:
        raise refused(RegistrationError.NOT_YOUR_HOUSEHOLD, status=404)
    return registration


@transaction.atomic
def registration_cancel(*, user: User, registration_id: int, request: HttpRequest | None = None) -> Registration:
    """The citizen withdraws a registration; its booked appointment is cancelled and its
    place given back (and offered to the site's waiting list); its waiting lists end."""
    from vaccination.appointments import appointment_release, places_freed
    from vaccination.waitlist import waits_end_for_registration

    registration = registration_get_for_citizen(user, registration_id, lock=True)
    if registration.status == RegistrationStatus.CANCELLED:
        return registration
    released = list(registration.appointments.select_for_update().filter(status=AppointmentStatus.BOOKED))
    for appointment in released:
        appointment_release(appointment)
    registration.status = RegistrationStatus.CANCELLED
    registration.save(update_fields=["status"])
    waits_end_for_registration(registration.pk)
    audit_log(
        actor=user,
        action="vaccination.registration_cancel",
        obj=registration,
        person_id=registration.person_id,
        request=request,
    )
    places_freed(released)
    return registration


# --- Employers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EmployeeInput:
    """An employee as a row of the file gives them (texts as read)."""

    full_name: str
    id_number: str
    date_of_birth: str
    phone: str
    ward_code: str
    gender: str = ""
    priority_group: str = ""


@dataclass(frozen=True)
class EmployeeRow:
    line: int
    data: EmployeeInput


@dataclass
class _Checked:
    line: int
    full_name: str
    id_number: str
    date_of_birth: date
    gender: str
    phone: str
    ward_code: int
    group_id: int | None
    errors: dict[str, list[str]] = field(default_factory=dict)


class EmployeesRefused(DomainError):
    """Rows of the file are not valid: nothing was imported; ``upload`` keeps the report."""

    def __init__(self, upload: EmployeeUpload, rows: list[tuple[int, dict[str, list[str]]]]) -> None:
        super().__init__(
            _("%(count)s rows of the file are not valid; nothing was imported.") % {"count": len(rows)},
            RegistrationError.ROWS_REFUSED,
            errors={str(line): [m for ms in errs.values() for m in ms] for line, errs in rows[:200]},
        )
        self.upload = upload
        self.rows = rows


_DATE_PATTERNS = (
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"), (3, 2, 1)),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$"), (1, 2, 3)),
)
_GENDERS = {
    "nam": Gender.MALE, "male": Gender.MALE, "m": Gender.MALE,
    "nu": Gender.FEMALE, "female": Gender.FEMALE, "f": Gender.FEMALE,
}  # fmt: skip


def parse_day(text: str) -> date | None:
    """'17/05/1990', '17-5-1990', '1990-05-17' (an Excel date cell) -> a date, or None."""
    for pattern, (y, m, d) in _DATE_PATTERNS:
        match = pattern.match(text.strip())
        if match:
            try:
                return date(int(match.group(y)), int(match.group(m)), int(match.group(d)))
            except ValueError:
                return None
    return None


def _add(errors: dict[str, list[str]], error: DomainError) -> None:
    for name, messages in (error.errors or {"": [str(error)]}).items():
        errors.setdefault(name, []).extend(messages)


def _row_checked(row: EmployeeRow, groups: dict[str, int], births: dict[date, DomainError | None]) -> _Checked:
    """One row's values, cleaned, with every error it has (not only the first)."""
    data = row.data
    errors: dict[str, list[str]] = {}
    name = normalize_name(data.full_name)
    if not name:
        errors["full_name"] = [str(RegistrationError.NAME_REQUIRED.label)]
    else:
        try:
            refuse_invisible(name, "full_name")
        except DomainError as error:
            _add(errors, error)
        if len(name) > 150:
            errors.setdefault("full_name", []).append(_("At most 150 characters."))
    born = parse_day(data.date_of_birth)
    if born is None:
        errors["date_of_birth"] = [str(RegistrationError.BAD_DATE.label)]
    else:
        if born not in births:  # many employees share a birthday: each date is checked once
            try:
                validate_date_of_birth(born)
                births[born] = None
            except DomainError as error:
                births[born] = error
        refusal = births[born]
        if refusal is not None:
            _add(errors, refusal)
    gender = _GENDERS.get(search_key(data.gender), "") if data.gender.strip() else ""
    id_number = data.id_number.strip()
    try:
        id_number = validate_citizen_id(id_number, date_of_birth=born, gender=gender)
    except DomainError as error:
        _add(errors, error)
    if not gender and len(id_number) == 12 and id_number.isdigit():
        gender = Gender.FEMALE if int(id_number[3]) % 2 else Gender.MALE  # the id's fourth digit
    phone = normalize_phone(data.phone)
    if phone is None:
        errors["phone"] = [_("Not a Vietnamese mobile number.")]
    ward_code = int(data.ward_code) if data.ward_code.strip().isdigit() and len(data.ward_code.strip()) <= 9 else 0
    group_id: int | None = None
    if data.priority_group.strip():
        group_id = groups.get(search_key(data.priority_group))
        if group_id is None:
            errors["priority_group"] = [str(RegistrationError.UNKNOWN_GROUP.label)]
    return _Checked(
        line=row.line,
        full_name=name,
        id_number=id_number,
        date_of_birth=born or date.min,
        gender=gender,
        phone=phone or "",
        ward_code=ward_code,
        group_id=group_id,
        errors=errors,
    )


def _group_keys(campaign: Campaign) -> dict[str, int]:
    """A group may be written as its code or its order number (the national plan's 1..16)."""
    groups = list(campaign.priority_groups.all()) or list(PriorityGroup.objects.filter(active=True))
    keys: dict[str, int] = {}
    for group in groups:
        keys[search_key(group.code)] = group.pk
        keys[str(group.order)] = group.pk
    return keys


def _report(rows: list[tuple[int, dict[str, list[str]]]], source: dict[int, EmployeeInput]) -> str:
    """The refused rows as CSV, one line per error (UTF-8 with its mark, so Excel reads it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Line"), _("Citizen id number"), _("Full name"), _("Column"), _("Error")])
    for line, errors in rows:
        given = source[line]
        for column, messages in errors.items():
            for message in messages:
                writer.writerow([line, given.id_number, given.full_name, column, message])
    return "\ufeff" + out.getvalue()


def employees_import(
    *,
    user: User,
    employer: Employer,
    campaign: Campaign,
    rows: Sequence[EmployeeRow],
    file_name: str,
    sha256: str,
    request: HttpRequest | None = None,
) -> EmployeeUpload:
    """Register every employee of the file, or none.

    Every row is checked first, with a fixed number of queries for the whole file (the
    wards, the people known by these id numbers, their registrations). One bad row refuses
    the file (``EmployeesRefused``, the report kept on the upload). A good file is written in
    one transaction with ``bulk_create``: new people, then the registrations of those not
    registered yet for the campaign."""
    if not rows:
        raise refused(RegistrationError.FILE_EMPTY, field="file")
    today = timezone.localdate()
    if campaign.ends_on < today:
        raise refused(RegistrationError.CAMPAIGN_CLOSED, field="campaign")
    groups = _group_keys(campaign)
    births: dict[date, DomainError | None] = {}
    checked = [_row_checked(row, groups, births) for row in rows]
    source = {row.line: row.data for row in rows}

    wards = set(
        Ward.objects.filter(code__in={c.ward_code for c in checked if c.ward_code}).values_list("code", flat=True)
    )
    first_line: dict[str, int] = {}
    for item in checked:
        if item.ward_code not in wards:
            item.errors.setdefault("ward_code", []).append(_("Not a commune or ward code."))
        if len(item.id_number) == 12:
            if item.id_number in first_line:
                item.errors.setdefault("id_number", []).append(
                    _("The same id number is on line %(line)s.") % {"line": first_line[item.id_number]}
                )
            else:
                first_line[item.id_number] = item.line
    known: dict[str, tuple[int, str, date | None]] = {}
    ids = list(first_line)
    for start in range(0, len(ids), 5000):
        for pk, id_number, name_key, born in Person.objects.filter(id_number__in=ids[start : start + 5000]).values_list(
            "pk", "id_number", "name_key", "date_of_birth"
        ):
            known[str(id_number)] = (pk, name_key, born)
    for item in checked:
        record = known.get(item.id_number)
        if record is not None and not item.errors:
            _pk, name_key, born = record
            if name_key != search_key(item.full_name) or (born is not None and born != item.date_of_birth):
                item.errors.setdefault("id_number", []).append(str(RegistrationError.RECORD_MISMATCH.label))

    bad = [(item.line, item.errors) for item in checked if item.errors]
    upload = EmployeeUpload(
        employer=employer,
        campaign=campaign,
        uploaded_by=user,
        file_name=file_name[:200],
        sha256=sha256,
        rows=len(rows),
    )
    if bad:
        upload.refused = len(bad)
        upload.report = _report(bad, source)
        upload.save()
        audit_log(
            actor=user,
            action="vaccination.employees_refused",
            obj=upload,
            request=request,
            detail={"employer": employer.pk, "rows": len(rows), "refused": len(bad)},
        )
        raise EmployeesRefused(upload, bad)

    try:
        with transaction.atomic():
            registered = set(
                Registration.objects.filter(
                    campaign=campaign, person_id__in=[r[0] for r in known.values()]
                ).values_list("person_id", flat=True)
            )
            new_people = [
                Person(
                    id_number=item.id_number,
                    full_name=item.full_name,
                    name_key=search_key(item.full_name),
                    date_of_birth=item.date_of_birth,
                    gender=item.gender,
                    phone=item.phone,
                    ward_id=item.ward_code,
                )
                for item in checked
                if item.id_number not in known
            ]
            Person.objects.bulk_create(new_people, batch_size=2000)
            person_of = {p.id_number: p.pk for p in new_people}
            person_of.update({id_number: record[0] for id_number, record in known.items()})
            upload.already = sum(1 for item in checked if person_of[item.id_number] in registered)
            upload.added = len(checked) - upload.already
            upload.save()
            made = [
                Registration(
                    campaign=campaign,
                    person_id=person_of[item.id_number],
                    priority_group_id=item.group_id,
                    source=RegistrationSource.EMPLOYER,
                    employer=employer,
                    upload=upload,
                    registered_by=user,
                )
                for item in checked
                if person_of[item.id_number] not in registered
            ]
            Registration.objects.bulk_create(made, batch_size=2000)
            # One entry for the file: each registration names its file (``upload``) and who
            # registered it, so the entry answers who registered any of these people; an
            # entry per row would double the time of the import.
            audit_log(
                actor=user,
                action="vaccination.employees_import",
                obj=upload,
                request=request,
                detail={"employer": employer.pk, "added": upload.added, "already": upload.already},
            )
    except IntegrityError:
        # Somebody declared one of these people, or uploaded the same file, meanwhile.
        raise DomainError(
            _("The file could not be imported because records changed meanwhile: upload it again."),
            RegistrationError.ALREADY_REGISTERED,
            status=409,
        ) from None
    return upload
