"""Every write of the vaccination app. Each is one transaction with its audit entry.

Recording a dose (``dose_record``) checks, in this order:

- the product, marketing authorisation holder and prophylaxis are codes of the EU DCC
  value sets (``vaccination/valuesets``); the prophylaxis defaults to the product's;
- dose number and series total are 1..9; a dose number above the total is a booster and
  legal (the EU guidance settled on ``dn`` > ``sd`` for boosters);
- the date is not in the future and not before the person's birth;
- the site is one of the recorder's (``site_list_for``);
- a ``client_id`` already recorded for this person returns that dose and writes nothing
  (a tablet retrying); for another person it is refused;
- the person has no dose with this number and none on this day (``duplicate_dose``);
- at least the product's minimum days since the previous dose and before the next one
  (``too_soon``); the maximum is for offering appointments, and a late dose is recorded
  (the series is not restarted);
- a lot the site stocks had not expired that day; the site's stock of it goes down by one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from truyvet.accounts.models import User
from truyvet.lib.audit import audit_event, audit_log
from truyvet.lib.errors import DomainError
from truyvet.lib.models import AuditEvent
from truyvet.lib.sql import insert_sql, next_ids_sql
from truyvet.people.models import Person
from vaccination import valuesets
from vaccination.errors import VaccinationError
from vaccination.models import DocumentSigner, Dose, Screening, ScreeningOutcome, StockLot
from vaccination.registration_errors import RegistrationError
from vaccination.selectors import campaigns_known, interval_days, site_list_for
from vaccination.signers import forget_signer, make_signer

MAX_DOSE_NUMBER = 9


@dataclass(frozen=True)
class DoseIn:
    person_id: int
    product: str
    manufacturer: str
    dose_number: int
    total_doses: int
    administered_on: date
    site_id: int
    lot: str = ""
    prophylaxis: str = ""
    campaign_id: int | None = None
    client_id: uuid.UUID | None = None


def check_codes(data: DoseIn, today: date | None = None) -> str:
    """The checks that need no database (codes, numbers, date); the prophylaxis to record.
    ``today``: the local date, when the caller checks many doses at once."""
    if data.product not in valuesets.products():
        raise DomainError(VaccinationError.UNKNOWN_PRODUCT.label, VaccinationError.UNKNOWN_PRODUCT, field="product")
    if data.manufacturer not in valuesets.manufacturers():
        raise DomainError(
            VaccinationError.UNKNOWN_MANUFACTURER.label, VaccinationError.UNKNOWN_MANUFACTURER, field="manufacturer"
        )
    prophylaxis = data.prophylaxis or valuesets.prophylaxis_for(data.product)
    if prophylaxis not in valuesets.prophylaxes():
        raise DomainError(
            VaccinationError.UNKNOWN_PROPHYLAXIS.label, VaccinationError.UNKNOWN_PROPHYLAXIS, field="prophylaxis"
        )
    for field, value in (("dose_number", data.dose_number), ("total_doses", data.total_doses)):
        if not 1 <= value <= MAX_DOSE_NUMBER:
            raise DomainError(VaccinationError.BAD_DOSE_NUMBER.label, VaccinationError.BAD_DOSE_NUMBER, field=field)
    if data.administered_on > (today or timezone.localdate()):
        raise DomainError(
            VaccinationError.DATE_IN_FUTURE.label, VaccinationError.DATE_IN_FUTURE, field="administered_on"
        )
    return prophylaxis


def _earlier_doses(data: DoseIn) -> tuple[Dose | None, list[tuple[int, date, uuid.UUID | None]]]:
    """The dose this ``client_id`` already made (a retry), and the person's other doses, in
    one statement (the person's row is locked)."""
    match = Q(person_id=data.person_id)
    if data.client_id is not None:
        match |= Q(client_id=data.client_id)
    rows = list(
        Dose.objects.filter(match)
        .order_by()
        .values_list("pk", "person_id", "client_id", "dose_number", "administered_on")
    )
    replayed = next((row for row in rows if data.client_id is not None and row[2] == data.client_id), None)
    if replayed is not None:
        if replayed[1] != data.person_id:
            raise DomainError(
                VaccinationError.CLIENT_ID_REUSED.label,
                VaccinationError.CLIENT_ID_REUSED,
                field="client_id",
                status=409,
            )
        return Dose.objects.get(pk=replayed[0]), []
    return None, [(number, day, client) for _pk, person, client, number, day in rows if person == data.person_id]


def _check_history(data: DoseIn, doses: list[tuple[int, date, uuid.UUID | None]]) -> None:
    """Duplicates and the interval to the neighbouring doses. A first dose reads no interval."""
    for number, day, _client in doses:
        if number == data.dose_number or day == data.administered_on:
            raise DomainError(
                VaccinationError.DUPLICATE_DOSE.label, VaccinationError.DUPLICATE_DOSE, field="dose_number", status=409
            )
    if not doses:
        return
    minimum, _maximum = interval_days(data.product, data.administered_on, data.campaign_id)
    for _number, day, _client in doses:
        gap = abs((data.administered_on - day).days)
        if gap < minimum:
            raise DomainError(
                _("Too soon: %(gap)s days since another dose, at least %(min)s needed.") % {"gap": gap, "min": minimum},
                VaccinationError.TOO_SOON,
                field="administered_on",
            )


# StockLot's table. One dose less (never below zero) and the lot's expiry, to check.
_USE_STOCK = """
    UPDATE vaccination_stocklot SET doses_left = doses_left - (doses_left > 0)::int
    WHERE site_id = %s AND product = %s AND lot = %s RETURNING expires_on
"""


def _check_lot(data: DoseIn, expires: date | None) -> None:
    """``lot_expired`` when the lot the site stocks had expired that day (the transaction is
    then rolled back, the stock's count with it). A lot the site does not stock is not checked."""
    if expires is not None and expires < data.administered_on:
        raise DomainError(VaccinationError.LOT_EXPIRED.label, VaccinationError.LOT_EXPIRED, field="lot")


def _new_dose(user: User, data: DoseIn, prophylaxis: str, pk: int | None = None) -> Dose:
    return Dose(
        pk=pk,
        person_id=data.person_id,
        product=data.product,
        manufacturer=data.manufacturer,
        prophylaxis=prophylaxis,
        lot=data.lot.strip()[:40],
        dose_number=data.dose_number,
        total_doses=data.total_doses,
        administered_on=data.administered_on,
        site_id=data.site_id,
        campaign_id=data.campaign_id,
        vaccinator=user,
        client_id=data.client_id,
    )


def _audit(user: User, dose: Dose, data: DoseIn) -> AuditEvent:
    return audit_event(
        actor=user,
        action="vaccination.dose_record",
        obj=dose,
        person_id=data.person_id,
        detail={"dose_number": data.dose_number, "product": data.product, "site": data.site_id},
    )


def _checked(data: DoseIn, person: tuple[int, date | None] | None) -> tuple[Dose | None, int]:
    """The checks that need the locked person: a retried ``client_id`` (the dose it made),
    birth, duplicates and interval; raises a DomainError."""
    if person is None:
        raise DomainError(VaccinationError.UNKNOWN_PERSON.label, VaccinationError.UNKNOWN_PERSON, field="person_id")
    earlier, doses = _earlier_doses(data)
    if earlier is not None:
        return earlier, 0
    date_of_birth = person[1]
    if date_of_birth is not None and data.administered_on < date_of_birth:
        raise DomainError(VaccinationError.BEFORE_BIRTH.label, VaccinationError.BEFORE_BIRTH, field="administered_on")
    _check_history(data, doses)
    return None, len(doses)


def _record_postgresql(user: User, data: DoseIn, prophylaxis: str) -> Dose:
    """Four round trips in the transaction: the person locked (with the site check and the
    dose's id), their doses, then one statement that inserts the dose and its audit entry and
    counts the lot's stock down, last, so that the lot's row, which every dose of the site
    takes, stays locked only until the commit."""
    site_ok = site_list_for(user).filter(pk=data.site_id)
    row = (
        Person.objects.select_for_update(of=("self",))
        .filter(pk=data.person_id)
        .annotate(site_ok=Exists(site_ok), dose_id=RawSQL(next_ids_sql(Dose), ()))  # noqa: S611 (our table)
        .values_list("id", "date_of_birth", "site_ok", "dose_id")
        .first()
    )
    if (row is None and not site_ok.exists()) or (row is not None and not row[2]):
        raise DomainError(VaccinationError.UNKNOWN_SITE.label, VaccinationError.UNKNOWN_SITE, field="site_id")
    earlier, _count = _checked(data, None if row is None else (row[0], row[1]))
    if earlier is not None:
        return earlier
    assert row is not None
    dose = _new_dose(user, data, prophylaxis, pk=row[3])
    (dose_sql, dose_params), (audit_sql, audit_params) = insert_sql(dose), insert_sql(_audit(user, dose, data))
    if data.lot:
        sql = f"WITH d AS ({dose_sql}), a AS ({audit_sql}) {_USE_STOCK}"
        params = [*dose_params, *audit_params, data.site_id, data.product, data.lot]
    else:
        sql, params = f"WITH d AS ({dose_sql}) {audit_sql}", [*dose_params, *audit_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        stocked = cursor.fetchone() if data.lot else None
    _check_lot(data, stocked[0] if stocked else None)
    dose._state.adding = False
    return dose


def _record(user: User, data: DoseIn, prophylaxis: str) -> Dose:
    """The same with the ORM (SQLite: the laptop and the quick tests)."""
    if not site_list_for(user).filter(pk=data.site_id).exists():
        raise DomainError(VaccinationError.UNKNOWN_SITE.label, VaccinationError.UNKNOWN_SITE, field="site_id")
    person = Person.objects.select_for_update().filter(pk=data.person_id).values_list("id", "date_of_birth").first()
    earlier, _count = _checked(data, person)
    if earlier is not None:
        return earlier
    dose = _new_dose(user, data, prophylaxis)
    dose.save(force_insert=True)
    _audit(user, dose, data).save(force_insert=True)
    if data.lot:
        lots = StockLot.objects.filter(site_id=data.site_id, product=data.product, lot=data.lot)
        expires = lots.values_list("expires_on", flat=True).first()
        if expires is not None:
            lots.filter(doses_left__gt=0).update(doses_left=F("doses_left") - 1)
        _check_lot(data, expires)
    return dose


def dose_record(*, user: User, data: DoseIn) -> Dose:
    """Record one dose (the checks above) with its audit entry, in one transaction;
    idempotent by ``client_id``."""
    prophylaxis = check_codes(data)
    if data.campaign_id is not None and not campaigns_known({data.campaign_id}):
        # Checked before the write: the dose's foreign key would otherwise fail only at the
        # commit on SQLite, and as an IntegrityError taken for a duplicate on PostgreSQL.
        raise DomainError(
            RegistrationError.UNKNOWN_CAMPAIGN.label, RegistrationError.UNKNOWN_CAMPAIGN, field="campaign_id"
        )
    record = _record_postgresql if connection.vendor == "postgresql" else _record
    try:
        with transaction.atomic():
            return record(user, data, prophylaxis)
    except IntegrityError as exc:  # a concurrent duplicate the lock did not see
        raise DomainError(VaccinationError.DUPLICATE_DOSE.label, VaccinationError.DUPLICATE_DOSE, status=409) from exc


def signer_rotate(*, user: User | None = None, now: datetime | None = None) -> DocumentSigner:
    """A new CSCA and document signer that signs from now on; the earlier signers stay in
    the trust list (certificates they signed keep verifying)."""
    files = make_signer(country=settings.VACCINATION_DCC_COUNTRY, now=now)
    with transaction.atomic():
        DocumentSigner.objects.filter(signing=True).update(signing=False)
        signer = DocumentSigner.objects.create(
            kid=files.kid,
            certificate_pem=files.certificate_pem,
            private_key_pem=files.private_key_pem,
            csca_pem=files.csca_pem,
            not_before=files.not_before,
            not_after=files.not_after,
            signing=True,
        )
        audit_log(actor=user, action="vaccination.signer_rotate", obj=signer, detail={"kid": files.kid})
        transaction.on_commit(forget_signer)
    forget_signer()
    return signer


def signer_ensure() -> DocumentSigner:
    """The signer that signs today, made on first use (a new installation, a test)."""
    current = DocumentSigner.objects.filter(signing=True, not_after__gt=timezone.now()).first()
    return current if current is not None else signer_rotate()


@dataclass(frozen=True)
class VisitIn:
    """A person at a site: the screening answers, its outcome, and the dose when the outcome
    is to vaccinate."""

    site_id: int
    person_id: int
    answers: dict[str, bool]
    outcome: str
    note: str = ""
    dose: DoseIn | None = None


def visit_record(*, user: User, data: VisitIn) -> tuple[Screening, Dose | None]:
    """Record the screening and, when the outcome is to vaccinate, the dose: both or neither."""
    if not site_list_for(user).filter(pk=data.site_id).exists():
        raise DomainError(VaccinationError.UNKNOWN_SITE.label, VaccinationError.UNKNOWN_SITE, field="site_id")
    if data.outcome not in ScreeningOutcome.values:
        raise DomainError(VaccinationError.UNKNOWN_OUTCOME.label, VaccinationError.UNKNOWN_OUTCOME, field="outcome")
    if data.outcome == ScreeningOutcome.VACCINATE and data.dose is None:
        raise DomainError(VaccinationError.DOSE_REQUIRED.label, VaccinationError.DOSE_REQUIRED, field="product")
    with transaction.atomic():
        screening = Screening.objects.create(
            person_id=data.person_id,
            site_id=data.site_id,
            answers={key: bool(value) for key, value in data.answers.items()},
            outcome=data.outcome,
            note=data.note.strip()[:300],
            screened_by=user,
        )
        audit_log(
            actor=user,
            action="vaccination.screening_record",
            obj=screening,
            person_id=data.person_id,
            detail={"outcome": data.outcome},
        )
        dose = None
        if data.outcome == ScreeningOutcome.VACCINATE and data.dose is not None:
            dose = dose_record(user=user, data=data.dose)
    return screening, dose
