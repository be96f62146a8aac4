from __future__ import annotations

import dataclasses
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict

from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from declarations.errors import DeclarationError
from declarations.identity import Declarant, proof_for, shown_reasons
from declarations.messages import DECLARED_ELSEWHERE, FLAGGED
from declarations.models import NEW_PERSON, Declaration, Kind, VehicleType
from declarations.risk import Answers, assess
from truyvet.accounts.models import AlertSeverity, User
from truyvet.accounts.services import alert_raise
from truyvet.credentials.models import RiskLevel
from truyvet.credentials.services import qr_credential_signed, qr_issue
from truyvet.geo.selectors import known_ward_codes
from truyvet.lib.audit import audit_event, audit_log
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.messages import language_or_default
from truyvet.lib.notify import Recipient, notification_send
from truyvet.lib.sql import insert_together, next_ids_sql
from truyvet.people.countries import is_country
from truyvet.people.models import Household, Person, Symptom
from truyvet.people.services import (
    identity_mismatch,
    person_create,
    person_fields,
    person_household_join,
    person_locked,
    person_update,
)
from truyvet.people.status import PersonStatus, status_for

SYMPTOMS = frozenset(Symptom.values)
__all__ = [
    "Answers",
    "Declarant",
    "DomesticInput",
    "EntryInput",
    "PersonInput",
    "Submission",
    "Submitted",
    "declaration_submit",
]


@dataclass(frozen=True)
class PersonInput:
    full_name: str
    date_of_birth: date | None
    gender: str
    id_number: str = ""
    passport_number: str = ""
    nationality: str = "VN"
    phone: str = ""
    email: str = ""
    ward_code: int | None = None
    address: str = ""


@dataclass(frozen=True)
class EntryInput:
    port_of_entry: str
    flight_number: str
    countries_visited: list[str]
    quarantine_address: str
    seat: str = ""


@dataclass(frozen=True)
class DomesticInput:
    origin_ward_code: int
    destination_ward_code: int
    vehicle_type: str = ""
    vehicle_plate: str = ""
    purpose: str = ""


class Submission(TypedDict):
    """What a declaration says, as ``declaration_submit`` takes it (with who declares):
    ``declarations.schemas.submit_arguments`` reads it from the body, the API's or the form's."""

    kind: str
    person: PersonInput
    answers: Answers
    entry: EntryInput | None
    domestic: DomesticInput | None
    client_id: uuid.UUID | None


@dataclass(frozen=True)
class Submitted:
    declaration: Declaration
    qr_token: str
    qr_expires_at: datetime
    created: bool = True

    @property
    def proven(self) -> bool:
        """The declarant proved to be the person: they may see the server's reasons."""
        return bool(self.declaration.proof)

    @property
    def shown_reasons(self) -> list[str]:
        return shown_reasons(self.declaration.risk_reasons, proven=self.proven)


def _known_wards(*codes: int | None) -> None:
    if any(c is not None and c not in known_ward_codes() for c in codes):
        raise DomainError(_("Unknown ward code."), CoreError.UNKNOWN_WARD, field="ward_code")


def _check(
    kind: str, person: PersonInput, answers: Answers, entry: EntryInput | None, domestic: DomesticInput | None
) -> None:
    if kind not in Kind.values:
        raise DomainError(_("Unknown declaration kind."), DeclarationError.UNKNOWN_KIND, field="kind")
    unknown = set(answers.symptoms) - SYMPTOMS
    if unknown:
        raise DomainError(_("Unknown symptom."), DeclarationError.UNKNOWN_SYMPTOM, field="symptoms")
    if kind in {Kind.DAILY, Kind.DOMESTIC} and person.ward_code is None:
        raise DomainError(_("Choose the ward where you live."), DeclarationError.WARD_REQUIRED, field="ward_code")
    if kind == Kind.ENTRY:
        if entry is None:
            raise DomainError(_("The entry details are missing."), DeclarationError.ENTRY_REQUIRED, field="entry")
        for name in ("port_of_entry", "flight_number", "quarantine_address"):
            if not getattr(entry, name).strip():
                raise DomainError(_("This field is required."), CoreError.REQUIRED, field=f"entry.{name}")
        bad = [c for c in entry.countries_visited if not is_country(c)]
        if bad or not entry.countries_visited:
            raise DomainError(
                _("List the countries visited as ISO codes, e.g. KR, JP."),
                CoreError.UNKNOWN_COUNTRY,
                field="entry.countries_visited",
            )
    if kind == Kind.DOMESTIC:
        if domestic is None:
            raise DomainError(
                _("The travel details are missing."), DeclarationError.DOMESTIC_REQUIRED, field="domestic"
            )
        if domestic.vehicle_type and domestic.vehicle_type not in VehicleType.values:
            raise DomainError(
                _("Unknown vehicle type."), DeclarationError.UNKNOWN_VEHICLE_TYPE, field="domestic.vehicle_type"
            )
        _known_wards(domestic.origin_ward_code, domestic.destination_ward_code)
    _known_wards(person.ward_code)


def declaration_submit(
    *,
    kind: str,
    person: PersonInput,
    answers: Answers,
    entry: EntryInput | None = None,
    domestic: DomesticInput | None = None,
    household: Household | None = None,
    declarant: Declarant | None = None,
    client_id: uuid.UUID | None = None,
) -> Submitted:
    """Validate, find or create the person, assess the risk, store the declaration, issue
    the personal QR and alert the units covering the declared ward if it is not green.

    A known person's record (and household) changes only when the declarant proved to be
    them (``declarations.identity``); otherwise the declaration keeps what was typed, a name
    or birth date that disagrees with the record is flagged for the commune station, and
    the phone on file is told (once a day) that somebody declared for them.

    All of it in one transaction. The same ``client_id`` again returns the first result.
    """
    declarant = declarant or Declarant()
    if client_id is not None:
        earlier = _earlier(client_id)
        if earlier is not None:
            return earlier
    _check(kind, person, answers, entry, domestic)
    if household is None and declarant.user is None and connection.vendor == "postgresql":
        submitted = _submit_new_person(kind, person, answers, entry, domestic, client_id)
        if submitted is not None:
            return submitted
    try:
        with transaction.atomic():
            return _submit(kind, person, answers, entry, domestic, household, declarant, client_id)
    except IntegrityError:
        # The same client_id committed by a concurrent retry a moment ago.
        earlier = _earlier(client_id) if client_id is not None else None
        if earlier is None:
            raise
        return earlier


def _earlier(client_id: uuid.UUID) -> Submitted | None:
    declaration = Declaration.objects.select_related("person").filter(client_id=client_id).first()
    if declaration is None:
        return None
    token, expires = qr_issue(person=declaration.person, risk_level=declaration.risk_level, declaration=declaration)
    return Submitted(declaration, token, expires, created=False)


def _submit(
    kind: str,
    person_input: PersonInput,
    answers: Answers,
    entry: EntryInput | None,
    domestic: DomesticInput | None,
    household: Household | None,
    declarant: Declarant,
    client_id: uuid.UUID | None,
) -> Submitted:
    identity, fields = _person_fields(person_input)
    person, proof = _person_for(identity, fields, household, declarant)
    mismatch: list[str] = []
    if not proof:
        mismatch = identity_mismatch(person, fields)
        _tell_phone_on_file(person)
    declaration = _declaration(
        kind, person, fields, status_for(person.pk), answers, entry, domestic, declarant.user, client_id
    )
    declaration.proof = proof
    declaration.identity_mismatch = bool(mismatch)
    declaration.save(force_insert=True)
    token, expires = qr_issue(person=person, risk_level=declaration.risk_level, declaration=declaration)
    audit_log(
        actor=declarant.user,
        action="declaration.submit",
        obj=declaration,
        person_id=person.pk,
        detail={"proof": proof or "none", **({"mismatch": mismatch} if mismatch else {})},
    )
    _alert(declaration)
    return Submitted(declaration, token, expires)


def _person_for(
    identity: dict[str, str], fields: dict[str, Any], household: Household | None, declarant: Declarant
) -> tuple[Person, str]:
    """The person (locked) and how the declarant proved to be them ("" when they did not);
    a new person is created, a proven one updated with what was typed."""
    person = person_locked(identity)
    if person is None:
        try:
            return person_create(identity=identity, fields=fields, household=household, new_household=True)[
                0
            ], NEW_PERSON
        except IntegrityError:
            # Created a moment ago by somebody else: a known person from here on.
            person = Person.objects.select_for_update().get(**identity)
    proof = proof_for(declarant, person)
    if proof:
        person_update(person=person, fields=fields, changed_by=declarant.user, source=proof)
        person_household_join(person=person, household=household)
    return person, proof


def _tell_phone_on_file(person: Person) -> None:
    """Like a bank's new-device notice: somebody declared for this person from a phone that
    did not prove to be theirs. At most one SMS a day per person (the dedupe key)."""
    if not person.phone:
        return
    notification_send(
        recipient=Recipient(person_id=person.pk, phone=person.phone, language=person.language),
        code=DECLARED_ELSEWHERE,
        dedupe_key=f"declared-elsewhere:{person.pk}:{timezone.localdate().isoformat()}",
    )


def _person_fields(person_input: PersonInput) -> tuple[dict[str, str], dict[str, Any]]:
    """The validated identity and details of the person as declared (``person_fields``),
    with the language they declared in: their SMS and email come in it."""
    identity, fields = person_fields(
        full_name=person_input.full_name,
        id_number=person_input.id_number or None,
        passport_number=person_input.passport_number or None,
        nationality=person_input.nationality,
        date_of_birth=person_input.date_of_birth,
        gender=person_input.gender,
        phone=person_input.phone,
        email=person_input.email,
        ward_code=person_input.ward_code,
        address=person_input.address,
    )
    return identity, {**fields, "language": language_or_default(translation.get_language())}


def _submit_new_person(
    kind: str,
    person_input: PersonInput,
    answers: Answers,
    entry: EntryInput | None,
    domestic: DomesticInput | None,
    client_id: uuid.UUID | None,
) -> Submitted | None:
    """A citizen's first declaration (the public API's common case) in two round trips and
    no transaction of its own: one query that finds nobody with this identity and takes the
    new rows' ids, then one statement that inserts the household, the person, the
    declaration, the credential and the audit event (atomic by itself). Alerts, when the
    level calls for them, share a transaction with it. None when the person exists (or
    appeared meanwhile): the caller then takes the general path (PostgreSQL only).
    """
    identity, fields = _person_fields(person_input)
    where = " AND ".join(f"{column} = %s" for column in identity)
    found = f"SELECT id FROM {Person._meta.db_table} WHERE {where} LIMIT 1"  # noqa: S608 (columns are ours)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({found}), {next_ids_sql(Person, Household, Declaration)}", list(identity.values()))
        existing, person_id, household_id, declaration_id = cursor.fetchone()
    if existing is not None:
        return None
    household = Household(id=household_id, address=fields["address"], ward_id=fields["ward_id"])
    person = Person(id=person_id, household=household, **identity, **fields)
    # Nobody else can have tracing or vaccination facts about a person not yet committed.
    declaration = _declaration(kind, person, fields, PersonStatus(), answers, entry, domestic, None, client_id)
    declaration.id = declaration_id
    declaration.proof = NEW_PERSON
    token, expires, credential = qr_credential_signed(person, declaration.risk_level, declaration)
    event = audit_event(actor=None, action="declaration.submit", obj=declaration, person_id=person_id)
    alerts = declaration.risk_level != RiskLevel.GREEN and declaration.ward_id is not None
    try:
        with transaction.atomic() if alerts or connection.in_atomic_block else nullcontext():
            insert_together(household, person, declaration, credential, event)
            if alerts:
                _alert(declaration)
    except IntegrityError:
        return None  # the same person or client_id committed a moment ago
    return Submitted(declaration, token, expires)


def _declaration(
    kind: str,
    person: Person,
    fields: dict[str, Any],
    status: PersonStatus,
    answers: Answers,
    entry: EntryInput | None,
    domestic: DomesticInput | None,
    submitted_by: User | None,
    client_id: uuid.UUID | None,
) -> Declaration:
    """The unsaved declaration, its risk assessed, with its own copy of who it is for as typed
    (``fields``, as ``person_fields`` cleaned them)."""
    abroad = answers.abroad_14d or kind == Kind.ENTRY
    level, reasons = assess(
        dataclasses.replace(answers, abroad_14d=abroad),
        status,
        at=timezone.now(),
        origin_ward_code=domestic.origin_ward_code if domestic else None,
    )
    return Declaration(
        kind=kind,
        person=person,
        household_id=person.household_id,
        full_name=fields["full_name"],
        date_of_birth=fields["date_of_birth"],
        gender=fields["gender"],
        phone=fields["phone"],
        address=fields["address"],
        ward_id=fields["ward_id"],
        submitted_by=submitted_by if isinstance(submitted_by, User) else None,
        client_id=client_id,
        symptoms=sorted(set(answers.symptoms)),
        has_symptoms=bool(answers.symptoms),
        case_contact=answers.case_contact,
        outbreak_zone=answers.outbreak_zone,
        abroad_14d=abroad,
        port_of_entry=entry.port_of_entry.strip() if entry else "",
        flight_number=entry.flight_number.strip().upper() if entry else "",
        seat=entry.seat.strip().upper() if entry else "",
        countries_visited=sorted(set(entry.countries_visited)) if entry else [],
        quarantine_address=entry.quarantine_address.strip() if entry else "",
        origin_ward_id=domestic.origin_ward_code if domestic else None,
        destination_ward_id=domestic.destination_ward_code if domestic else None,
        vehicle_plate=domestic.vehicle_plate.strip().upper() if domestic else "",
        vehicle_type=domestic.vehicle_type if domestic else "",
        purpose=domestic.purpose.strip() if domestic else "",
        risk_level=level,
        risk_reasons=reasons,
    )


def _alert(declaration: Declaration) -> None:
    """Alert the units covering the declared ward of a declaration that is not green."""
    level = declaration.risk_level
    if level == RiskLevel.GREEN or declaration.ward_id is None:
        return
    alert_raise(
        ward_code=declaration.ward_id,
        kind="declaration",
        severity=AlertSeverity.URGENT if level == RiskLevel.RED else AlertSeverity.WARNING,
        code=FLAGGED,
        params={
            "level": level,
            "name": declaration.full_name,
            # The units of the declared ward see the server's reasons only if the person's record is theirs too.
            "reasons": shown_reasons(
                declaration.risk_reasons, proven=declaration.ward_id == declaration.person.ward_id
            ),
        },
        url=f"/declarations/staff/{declaration.pk}/",
        person_id=declaration.person_id,
        dedupe_key=f"declaration:{declaration.pk}",
    )
