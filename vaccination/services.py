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
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from truyvet.accounts.models import User
from truyvet.lib.audit import audit_log
from truyvet.lib.errors import DomainError
from truyvet.people.models import Person
from vaccination import valuesets
from vaccination.errors import VaccinationError
from vaccination.models import DocumentSigner, Dose, Screening, ScreeningOutcome, StockLot
from vaccination.selectors import interval_days, site_list_for
from vaccination.signers import make_signer

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


def _check_codes(data: DoseIn) -> str:
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
    if data.administered_on > timezone.localdate():
        raise DomainError(
            VaccinationError.DATE_IN_FUTURE.label, VaccinationError.DATE_IN_FUTURE, field="administered_on"
        )
    return prophylaxis


def _replayed(data: DoseIn) -> Dose | None:
    if data.client_id is None:
        return None
    earlier = Dose.objects.filter(client_id=data.client_id).first()
    if earlier is None:
        return None
    if earlier.person_id != data.person_id:
        raise DomainError(
            VaccinationError.CLIENT_ID_REUSED.label, VaccinationError.CLIENT_ID_REUSED, field="client_id", status=409
        )
    return earlier


def _check_history(data: DoseIn) -> None:
    """Duplicates and the interval to the neighbouring doses (the person's row is locked)."""
    doses = list(Dose.objects.filter(person_id=data.person_id).values_list("dose_number", "administered_on", "product"))
    for number, day, _product in doses:
        if number == data.dose_number or day == data.administered_on:
            raise DomainError(
                VaccinationError.DUPLICATE_DOSE.label, VaccinationError.DUPLICATE_DOSE, field="dose_number", status=409
            )
    minimum, _maximum = interval_days(data.product, data.administered_on, data.campaign_id)
    for _number, day, _product in doses:
        gap = abs((data.administered_on - day).days)
        if gap < minimum:
            raise DomainError(
                _("Too soon: %(gap)s days since another dose, at least %(min)s needed.") % {"gap": gap, "min": minimum},
                VaccinationError.TOO_SOON,
                field="administered_on",
            )


def _use_stock(data: DoseIn) -> None:
    if not data.lot:
        return
    lots = StockLot.objects.filter(site_id=data.site_id, product=data.product, lot=data.lot)
    expires = lots.values_list("expires_on", flat=True).first()
    if expires is None:
        return
    if expires < data.administered_on:
        raise DomainError(VaccinationError.LOT_EXPIRED.label, VaccinationError.LOT_EXPIRED, field="lot")
    lots.filter(doses_left__gt=0).update(doses_left=F("doses_left") - 1)


def dose_record(*, user: User, data: DoseIn) -> Dose:
    """Record one dose (the checks above); idempotent by ``client_id``."""
    prophylaxis = _check_codes(data)
    if not site_list_for(user).filter(pk=data.site_id).exists():
        raise DomainError(VaccinationError.UNKNOWN_SITE.label, VaccinationError.UNKNOWN_SITE, field="site_id")
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(pk=data.person_id).only("id", "date_of_birth").first()
        if person is None:
            raise DomainError(VaccinationError.UNKNOWN_PERSON.label, VaccinationError.UNKNOWN_PERSON, field="person_id")
        earlier = _replayed(data)
        if earlier is not None:
            return earlier
        if person.date_of_birth is not None and data.administered_on < person.date_of_birth:
            raise DomainError(
                VaccinationError.BEFORE_BIRTH.label, VaccinationError.BEFORE_BIRTH, field="administered_on"
            )
        _check_history(data)
        _use_stock(data)
        try:
            with transaction.atomic():
                dose = Dose.objects.create(
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
        except IntegrityError as exc:  # a concurrent duplicate the lock did not see (SQLite)
            raise DomainError(
                VaccinationError.DUPLICATE_DOSE.label, VaccinationError.DUPLICATE_DOSE, status=409
            ) from exc
        audit_log(
            actor=user,
            action="vaccination.dose_record",
            obj=dose,
            person_id=data.person_id,
            detail={"dose_number": data.dose_number, "product": data.product, "site": data.site_id},
        )
    return dose


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
