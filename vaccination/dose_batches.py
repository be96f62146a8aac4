"""Doses recorded in batches: a site's tablet or page syncing what it recorded offline, or a
busy site sending a few dozen doses at once (``POST /api/v1/vaccination/sites/{id}/doses/``).

Every rule of ``services.dose_record`` holds for each item, and each item stands alone: a
bad one is rejected with its reason, the others are kept; no item is half written (a dose
and its audit entry and its lot's count, or nothing). An item is answered:

- ``created`` with the new dose's id;
- ``duplicate`` with the id of the dose its ``client_id`` recorded before (a replay, from
  an earlier batch or earlier in this one), when it says the same: a replay writes nothing;
- ``rejected`` with the code of the reason (``VaccinationError``, ``token_<reason>``, or
  ``<field>_invalid``) and the status the single path would answer (400, or 409 for
  ``duplicate_dose`` and ``client_id_reused``: the same ``client_id`` with another dose).

Two doses of one person in one batch are checked against each other as if recorded one
after the other, in the batch's order.

An item may carry the person's **screening** (the checklist's answers and the outcome, as the
site's page records a visit): it is written with the dose in the same statement, both or
neither; an outcome to postpone or refer writes the screening alone (no dose, no dose
rules). An item names its person by ``person_id``, by the personal QR (``qr_token``) or by
the citizen id number (``id_number``, read in one query for the batch).

A batch costs the same number of statements whatever its size: the token holders (when
there are tokens), then in one transaction the people locked (in id order, so concurrent
batches and single doses queue rather than deadlock), their doses and the batch's
``client_id``s read in one statement, the campaigns' intervals and the site's lots when
needed, and one statement that inserts the doses and their audit entries and counts the
lots down. The people's locks make a second identical batch wait for the first and then
read its doses as replays; a ``client_id`` another batch stored meanwhile for someone
else (no common lock) is skipped by the insert (``ON CONFLICT DO NOTHING``) and its item is
checked again, once, after the commit.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Greatest
from django.http import HttpRequest
from django.utils import timezone

from truyvet.accounts.models import User
from truyvet.credentials.models import QrCredential
from truyvet.credentials.qr import TOKEN_CODES
from truyvet.lib import signing
from truyvet.lib.audit import audit_event
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person
from vaccination.errors import VaccinationError
from vaccination.models import Dose, Screening, ScreeningOutcome, Site, StockLot
from vaccination.registration_errors import RegistrationError
from vaccination.selectors import campaigns_known, interval_table
from vaccination.services import DoseIn, check_codes

# The most doses one batch may carry (the API refuses a longer list with 400).
DOSE_BATCH_MAX = 200

_CONFLICTS = frozenset({VaccinationError.DUPLICATE_DOSE.value, VaccinationError.CLIENT_ID_REUSED.value})


@dataclass(frozen=True)
class ScreeningIn:
    """The screening a batch item carries: every question of ``screening.QUESTIONS`` answered
    (in its order), the outcome the vaccinator chose, a note, and when it was made (the
    tablet's clock; the server's when not given)."""

    answers: tuple[tuple[str, bool], ...]
    outcome: str
    note: str = ""
    screened_at: datetime | None = None

    def said(self) -> tuple[Any, ...]:
        """What a replay must say again (not the time: a tablet that gave none was given the
        server's)."""
        return (self.outcome, self.answers, self.note)


@dataclass(frozen=True)
class BatchDose:
    """One item of a batch as the service takes it: a dose (``dose.person_id`` is 0 when the
    item names its person by ``qr_token`` or ``id_number``), the item's ``client_id``, and
    the screening when it carries one (``dose`` is then only the day's when the outcome is
    not to vaccinate)."""

    client_id: uuid.UUID
    dose: DoseIn
    qr_token: str = ""
    id_number: str = ""
    screening: ScreeningIn | None = None

    @property
    def writes_dose(self) -> bool:
        return self.screening is None or self.screening.outcome == ScreeningOutcome.VACCINATE

    def key(self) -> tuple[Any, ...]:
        """What the item says: two items (or an item and a stored dose) with one ``client_id``
        must say the same to be a replay."""
        d = self.dose
        return (
            d.person_id or self.qr_token or self.id_number,
            None if self.screening is None else self.screening.said(),
            d.product,
            d.manufacturer,
            d.prophylaxis,
            d.dose_number,
            d.total_doses,
            d.administered_on,
            d.lot.strip()[:40],
            d.campaign_id,
        )


@dataclass
class BatchResult:
    client_id: str | None
    status: str  # created | duplicate | rejected
    id: int | None = None
    reason: str = ""
    http_status: int = 200
    screening_id: int | None = None  # an item with a screening: its screening

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"client_id": self.client_id, "status": self.status}
        if self.status == "rejected":
            data["reason"] = self.reason
            data["http_status"] = self.http_status
        else:
            data["id"] = self.id
            if self.screening_id is not None:
                data["screening_id"] = self.screening_id
        return data


def rejected(client_id: str | None, reason: str) -> BatchResult:
    return BatchResult(client_id, "rejected", reason=reason, http_status=409 if reason in _CONFLICTS else 400)


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class _Item:
    """An item on its way through the batch."""

    index: int
    batch: BatchDose
    dose: DoseIn  # prophylaxis filled in; person_id resolved from the token when there is one
    sub: str = ""  # the token's holder reference
    issued_at: float = 0.0


def _verify_token(item: BatchDose) -> dict[str, Any]:
    """The token's claims, checked as on the day of the dose (a site syncing days later
    records what the code said when it was scanned)."""
    day_end = timezone.make_aware(datetime.combine(item.dose.administered_on, time.max))
    try:
        return signing.verify(item.qr_token, now=min(timezone.now(), day_end))
    except signing.TokenError as error:
        raise _Refused(TOKEN_CODES.get(error.reason, CoreError.TOKEN_MALFORMED).value) from None


def _holders(subs: set[str]) -> dict[str, tuple[int, datetime | None]]:
    """Each token reference's person and the credential's revocation time: one query."""
    if not subs:
        return {}
    rows = QrCredential.objects.filter(person__ref__in=subs).values_list("person__ref", "person_id", "revoked_at")
    return {ref: (person_id, revoked) for ref, person_id, revoked in rows}


# What is read of a stored dose to answer a replay: its id, then the fields of ``BatchDose.key``.
_STORED = (
    "pk",
    "client_id",
    "person_id",
    "person__ref",
    "product",
    "manufacturer",
    "prophylaxis",
    "dose_number",
    "total_doses",
    "administered_on",
    "lot",
    "campaign_id",
    "site_id",
)


def doses_record_batch(
    *, user: User, site: Site, items: list[BatchDose | BatchResult], request: HttpRequest | None = None
) -> list[BatchResult]:
    """Record a batch of doses at ``site`` (one of the user's: the caller checked it). Items
    the API could not read come as their ``BatchResult``; one result per item, in order."""
    results: list[BatchResult | None] = [i if isinstance(i, BatchResult) else None for i in items]
    for attempt in range(2):
        todo = [(n, i) for n, i in enumerate(items) if isinstance(i, BatchDose) and results[n] is None]
        if not todo:
            break
        _record(user, site, todo, results, request, last=attempt == 1)
    return [r if r is not None else rejected(None, VaccinationError.DUPLICATE_DOSE.value) for r in results]


def _record(
    user: User,
    site: Site,
    todo: list[tuple[int, BatchDose]],
    results: list[BatchResult | None],
    request: HttpRequest | None,
    *,
    last: bool,
) -> None:
    """One pass over the items that have no answer yet. An item the insert skipped (its
    ``client_id`` stored meanwhile by another batch) keeps none, to be checked again; on
    the last pass it is a duplicate."""
    first_of: dict[uuid.UUID, int] = {}
    items: list[_Item] = []
    today = timezone.localdate()
    for index, batch in todo:
        client = str(batch.client_id)
        if batch.client_id in first_of:  # twice in one batch: the first counts, answered below
            continue
        first_of[batch.client_id] = index
        try:
            dose = replace(batch.dose, site_id=site.pk, prophylaxis=_checked_codes(batch, today))
        except DomainError as error:
            results[index] = rejected(client, error.code)
            continue
        item = _Item(index, batch, dose)
        if batch.qr_token:
            try:
                item.sub, item.issued_at = _token_holder_ref(batch)
            except _Refused as refused:
                results[index] = rejected(client, refused.code)
                continue
        items.append(item)

    unknown = {i.dose.campaign_id for i in items if i.dose.campaign_id is not None and i.batch.writes_dose}
    unknown -= campaigns_known(unknown)
    for item in items:
        if item.dose.campaign_id in unknown and item.batch.writes_dose:
            results[item.index] = rejected(str(item.batch.client_id), RegistrationError.UNKNOWN_CAMPAIGN.value)
    items = [i for i in items if results[i.index] is None]

    numbered = _people_by_id_number({i.batch.id_number for i in items if i.batch.id_number})
    for item in items:
        if item.batch.id_number:  # nobody with this number: person 0, unknown_person once locked
            item.dose = replace(item.dose, person_id=numbered.get(item.batch.id_number, 0))
    holders = _holders({i.sub for i in items if i.sub})
    if items:
        with transaction.atomic():
            written = _record_locked(user, site, items, holders, results, request)
        for item in items:
            if item.index in written:
                dose_id, screening_id = written[item.index]
                results[item.index] = BatchResult(
                    str(item.batch.client_id), "created", id=dose_id, screening_id=screening_id
                )
            elif results[item.index] is None and last:
                results[item.index] = rejected(str(item.batch.client_id), VaccinationError.DUPLICATE_DOSE.value)

    # The same client_id again in this batch: the first item's answer, if it says the same.
    by_index = dict(todo)
    for index, batch in todo:
        first = first_of[batch.client_id]
        answer = results[first]
        if first == index or answer is None:
            continue
        if by_index[first].key() != batch.key():
            results[index] = rejected(str(batch.client_id), VaccinationError.CLIENT_ID_REUSED.value)
        elif answer.status == "rejected":
            results[index] = replace(answer)
        else:
            results[index] = BatchResult(answer.client_id, "duplicate", id=answer.id, screening_id=answer.screening_id)


def _checked_codes(batch: BatchDose, today: date) -> str:
    """The checks that need no database; the prophylaxis to record. An item that writes no
    dose (a screening to postpone or refer) has only its day checked."""
    if batch.writes_dose:
        return check_codes(batch.dose, today)
    if batch.dose.administered_on > today:
        raise DomainError(
            VaccinationError.DATE_IN_FUTURE.label, VaccinationError.DATE_IN_FUTURE, field="administered_on"
        )
    return ""


def _people_by_id_number(numbers: set[str]) -> dict[str, int]:
    """The people the items name by citizen id number: one query, only when there are any."""
    if not numbers:
        return {}
    rows = Person.objects.filter(id_number__in=numbers).values_list("id_number", "id")
    return {number: pk for number, pk in rows if number is not None}


def _token_holder_ref(item: BatchDose) -> tuple[str, float]:
    """The reference of the token's holder and its issue time; ``_Refused`` with the reason."""
    claims = _verify_token(item)
    sub, iat = claims.get("sub"), claims.get("iat", 0)
    if not isinstance(sub, str) or not isinstance(iat, int | float):
        raise _Refused(CoreError.TOKEN_MALFORMED.value)
    return sub, float(iat)


def _record_locked(
    user: User,
    site: Site,
    items: list[_Item],
    holders: dict[str, tuple[int, datetime | None]],
    results: list[BatchResult | None],
    request: HttpRequest | None,
) -> dict[int, tuple[int | None, int | None]]:
    """Inside the transaction: lock, read, check, write. The written dose's and screening's
    ids by item index."""
    for item in items:
        if item.sub:
            holder = holders.get(item.sub)
            if holder is not None:
                item.dose = replace(item.dose, person_id=holder[0])
    person_ids = sorted({i.dose.person_id for i in items if i.dose.person_id})
    client_ids = [i.batch.client_id for i in items]
    births, stored_rows = _lock_and_read(person_ids, client_ids)
    screened = _screenings_of([i.batch.client_id for i in items if i.batch.screening is not None])
    stored: dict[uuid.UUID, tuple[Any, ...]] = {}
    history: dict[int, list[tuple[int, date]]] = {}
    for row in stored_rows:
        if row[1] is not None:
            stored[row[1]] = row
        history.setdefault(row[2], []).append((row[7], row[9]))

    accepted: list[_Item] = []
    screen_only: list[_Item] = []
    for item in items:
        client = str(item.batch.client_id)
        try:
            earlier = stored.get(item.batch.client_id)
            earlier_screening = screened.get(item.batch.client_id)
            if earlier is not None:
                if not item.batch.writes_dose:
                    raise _Refused(VaccinationError.CLIENT_ID_REUSED.value)
                answer = _replay(item, earlier)
                if earlier_screening is not None:
                    if item.batch.screening is not None and not _same_screening(item, earlier_screening):
                        raise _Refused(VaccinationError.CLIENT_ID_REUSED.value)
                    answer.screening_id = earlier_screening[0]
                results[item.index] = answer
                continue
            if earlier_screening is not None:
                results[item.index] = _replay_screening(item, earlier_screening)
                continue
            _check_person(item, holders, births)
            (accepted if item.batch.writes_dose else screen_only).append(item)
        except _Refused as refused:
            results[item.index] = rejected(client, refused.code)

    # Duplicates and intervals, against the stored doses and the batch's accepted ones.
    # (A first dose reads no interval: only people with a dose stored or another in the batch.)
    twice = Counter(i.dose.person_id for i in accepted)
    needs_interval = [i for i in accepted if history.get(i.dose.person_id) or twice[i.dose.person_id] > 1]
    intervals = interval_table({i.dose.product for i in needs_interval}) if needs_interval else None
    lots = _lots(site, accepted)
    kept: list[_Item] = []
    for item in accepted:
        try:
            _check_history(item.dose, history.get(item.dose.person_id, []), intervals)
            expires = lots.get((item.dose.product, item.dose.lot))
            if expires is not None and expires[1] < item.dose.administered_on:
                raise _Refused(VaccinationError.LOT_EXPIRED.value)
        except _Refused as refused:
            results[item.index] = rejected(str(item.batch.client_id), refused.code)
            continue
        history.setdefault(item.dose.person_id, []).append((item.dose.dose_number, item.dose.administered_on))
        kept.append(item)
    if not kept and not screen_only:
        return {}
    audit = audit_event(actor=user, action="vaccination.dose_record", request=request)
    if connection.vendor == "postgresql":
        return _insert_postgresql(user, site, kept, screen_only, audit)
    return _insert(user, site, kept, screen_only, audit, lots)


def _screenings_of(client_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[Any, ...]]:
    """The screenings stored with the batch's ``client_id``s (items that carry a screening):
    (id, person_id, the holder's reference, site_id, outcome, answers, note). One query, only
    when the batch carries screenings."""
    if not client_ids:
        return {}
    rows = Screening.objects.filter(client_id__in=client_ids).values_list(
        "client_id", "pk", "person_id", "person__ref", "site_id", "outcome", "answers", "note"
    )
    return {row[0]: row[1:] for row in rows if row[0] is not None}


def _replay_screening(item: _Item, row: tuple[Any, ...]) -> BatchResult:
    """The answer to an item whose ``client_id`` names a screening stored without a dose
    (postponed, referred): a duplicate if the item says the same, else a reuse."""
    if item.batch.writes_dose or not _same_screening(item, row):
        raise _Refused(VaccinationError.CLIENT_ID_REUSED.value)
    return BatchResult(str(item.batch.client_id), "duplicate", id=None, screening_id=row[0])


def _same_screening(item: _Item, row: tuple[Any, ...]) -> bool:
    """Whether the item's screening is the stored one (``_screenings_of``'s row)."""
    _pk, person_id, ref, site_id, outcome, answers, note = row
    screening = item.batch.screening
    if screening is None:
        return False
    said = (ref if item.sub else person_id, site_id, outcome, dict(answers), note)
    asked = (item.sub or item.dose.person_id, item.dose.site_id, screening.outcome, dict(screening.answers),
             screening.note.strip()[:300])  # fmt: skip
    return said == asked


def _lock_and_read(
    person_ids: list[int], client_ids: list[uuid.UUID]
) -> tuple[dict[int, date | None], list[tuple[Any, ...]]]:
    """The people locked in id order, with their birth dates; then their doses and the doses
    of the batch's ``client_id``s (``_STORED`` columns). On PostgreSQL each is one statement
    of the same text whatever the batch's size (prepared once), the doses read as one index
    probe per person and per client_id (with no statistics yet, or a small table, the
    planner took ``IN`` lists for a scan of the whole table)."""
    if connection.vendor != "postgresql":
        births = dict(
            Person.objects.select_for_update()
            .filter(pk__in=person_ids)
            .order_by("pk")
            .values_list("id", "date_of_birth")
        )
        match = Q(person_id__in=person_ids) | Q(client_id__in=client_ids)
        return births, list(Dose.objects.filter(match).order_by().values_list(*_STORED))
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL, [person_ids])
        births = dict(cursor.fetchall())
        cursor.execute(_STORED_SQL, [person_ids, client_ids])
        return births, cursor.fetchall()


_LOCK_SQL = f"SELECT id, date_of_birth FROM {Person._meta.db_table} WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE"  # noqa: S608
_DOSE_COLUMNS = ", ".join(
    f"d.{name}" if name != "person__ref" else f"(SELECT ref FROM {Person._meta.db_table} WHERE id = d.person_id)"  # noqa: S608
    for name in ("id", *_STORED[1:])
)
_STORED_SQL = (
    f"SELECT {_DOSE_COLUMNS} FROM ("  # noqa: S608
    f" SELECT x.* FROM unnest(%s::bigint[]) AS u(person_id) CROSS JOIN LATERAL"
    f" (SELECT * FROM {Dose._meta.db_table} WHERE person_id = u.person_id OFFSET 0) AS x"
    " UNION"
    f" SELECT x.* FROM unnest(%s::uuid[]) AS u(client_id) CROSS JOIN LATERAL"
    f" (SELECT * FROM {Dose._meta.db_table} WHERE client_id = u.client_id OFFSET 0) AS x) AS d"
)


def _replay(item: _Item, row: tuple[Any, ...]) -> BatchResult:
    """The answer to an item whose ``client_id`` is stored: that dose, if it says the same."""
    (pk, _client, person_id, ref, product, manufacturer, prophylaxis, number, total, day, lot, campaign, site) = row
    who = ref if item.sub else person_id
    said = (who, product, manufacturer, prophylaxis, number, total, day, lot, campaign, site)
    d = item.dose
    asked = (item.sub or d.person_id, d.product, d.manufacturer, d.prophylaxis, d.dose_number, d.total_doses,
             d.administered_on, d.lot.strip()[:40], d.campaign_id, d.site_id)  # fmt: skip
    if said != asked:
        raise _Refused(VaccinationError.CLIENT_ID_REUSED.value)
    return BatchResult(str(item.batch.client_id), "duplicate", id=pk)


def _check_person(item: _Item, holders: dict[str, tuple[int, datetime | None]], births: dict[int, date | None]) -> None:
    if item.sub:
        holder = holders.get(item.sub)
        if holder is None:
            raise _Refused(CoreError.TOKEN_UNKNOWN.value)
        revoked = holder[1]
        # Tokens issued at or before the credential's revocation are refused (as ``qr_resolve``).
        if revoked is not None and item.issued_at <= revoked.timestamp():
            raise _Refused(CoreError.TOKEN_REVOKED.value)
    if item.dose.person_id not in births:
        raise _Refused(VaccinationError.UNKNOWN_PERSON.value)
    born = births[item.dose.person_id]
    if born is not None and item.dose.administered_on < born:
        raise _Refused(VaccinationError.BEFORE_BIRTH.value)


def _check_history(
    dose: DoseIn, doses: list[tuple[int, date]], intervals: Callable[[str, date, int | None], int] | None
) -> None:
    """``services._check_history``'s rules over tuples: the same number or day is a
    duplicate; fewer days than the product's minimum from another dose is too soon."""
    for number, day in doses:
        if number == dose.dose_number or day == dose.administered_on:
            raise _Refused(VaccinationError.DUPLICATE_DOSE.value)
    if not doses:
        return
    assert intervals is not None
    minimum = intervals(dose.product, dose.administered_on, dose.campaign_id)
    if any(abs((dose.administered_on - day).days) < minimum for _number, day in doses):
        raise _Refused(VaccinationError.TOO_SOON.value)


def _lots(site: Site, items: Iterable[_Item]) -> dict[tuple[str, str], tuple[int, date]]:
    """The site's lots that the items name: (product, lot) -> (id, expiry). One query."""
    wanted = {(i.dose.product, i.dose.lot) for i in items if i.dose.lot}
    if not wanted:
        return {}
    rows = StockLot.objects.filter(site=site, lot__in={lot for _p, lot in wanted}).values_list(
        "pk", "product", "lot", "expires_on"
    )
    return {(product, lot): (pk, expires) for pk, product, lot, expires in rows if (product, lot) in wanted}


def _insert(
    user: User,
    site: Site,
    items: list[_Item],
    screen_only: list[_Item],
    audit: AuditEvent,
    lots: dict[tuple[str, str], tuple[int, date]],
) -> dict[int, tuple[int | None, int | None]]:
    """The same write elsewhere (SQLite: the laptop and the quick tests), in three statements
    whatever the batch's size (``bulk_create`` would split it by SQLite's 999 parameters),
    four with screenings: the doses, the screenings and the audit entries each inserted from
    one JSON array, then the lots."""
    quote = connection.ops.quote_name
    by_name = {f.attname: f for f in Dose._meta.concrete_fields}
    columns = ["site_id", "vaccinator_id", "created_at", *_ROW_FIELDS]
    now = timezone.now()
    rows = [(*_json_row(item)[:-1], item.batch.client_id.hex) for item in items]
    sql = (
        f"INSERT INTO {quote(Dose._meta.db_table)} ({', '.join(quote(c) for c in columns)})"  # noqa: S608
        f" SELECT %s, %s, %s, {', '.join(_JSON_AT % n for n in range(len(_ROW_FIELDS)))}"
        " FROM json_each(%s) ORDER BY key RETURNING id, client_id, person_id, dose_number, product"
    )
    created_at = by_name["created_at"].get_db_prep_save(now, connection)
    screened_field = Screening._meta.get_field("screened_at")
    screenings = [
        (*_screening_row(i, now)[:4], screened_field.get_db_prep_save(_screening_row(i, now)[4], connection),
         i.batch.client_id.hex)
        for i in [*items, *screen_only]
        if i.batch.screening is not None
    ]  # fmt: skip
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            inserted: list[tuple[Any, ...]] = []
            if rows:
                cursor.execute(sql, [site.pk, user.pk, created_at, json.dumps(rows)])
                inserted = cursor.fetchall()
            screened: list[tuple[Any, ...]] = []
            if screenings:
                cursor.execute(
                    f"INSERT INTO {quote(Screening._meta.db_table)}"  # noqa: S608
                    f" ({', '.join(quote(c) for c in _SCREENING_COLUMNS)})"
                    f" SELECT %s, %s, {', '.join(_JSON_AT % n for n in range(len(_SCREENING_COLUMNS) - 2))}"
                    " FROM json_each(%s) ORDER BY key RETURNING id, client_id, person_id, outcome",
                    [site.pk, user.pk, json.dumps(screenings)],
                )
                screened = cursor.fetchall()
            audit.at = now
            audit_fields = [f for f in AuditEvent._meta.concrete_fields if f.attname not in _PER_ROW_AUDIT]
            audit_fields = [f for f in audit_fields if not f.primary_key]
            audit_columns = [quote(str(f.column)) for f in audit_fields] + [quote(c) for c in _PER_ROW_AUDIT]
            events = [
                (
                    _DOSE_ACTION,
                    _DOSE_TYPE,
                    str(pk),
                    person_id,
                    {"dose_number": number, "product": product, "site": site.pk},
                )
                for pk, _client, person_id, number, product in inserted
            ] + [
                (_SCREENING_ACTION, _SCREENING_TYPE, str(pk), person_id, {"outcome": outcome})
                for pk, _client, person_id, outcome in screened
            ]
            cursor.execute(
                f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({', '.join(audit_columns)})"  # noqa: S608
                f" SELECT {', '.join(['%s'] * len(audit_fields))},"
                f" {', '.join(_JSON_AT % n for n in range(len(_PER_ROW_AUDIT)))} FROM json_each(%s)",
                [
                    *(f.get_db_prep_save(getattr(audit, f.attname), connection) for f in audit_fields),
                    json.dumps(events),
                ],
            )
            used = Counter(lots[(i.dose.product, i.dose.lot)][0] for i in items if (i.dose.product, i.dose.lot) in lots)
            if used:
                StockLot.objects.filter(pk__in=used).update(
                    doses_left=Greatest(
                        F("doses_left")
                        - Case(*[When(pk=pk, then=Value(n)) for pk, n in used.items()], output_field=IntegerField()),
                        Value(0),
                    )
                )
    except IntegrityError:  # a client_id stored meanwhile: nothing written, the items are checked again
        return {}
    doses = {uuid.UUID(hex=client): pk for pk, client, *_rest in inserted}
    screening_ids = {uuid.UUID(hex=client): pk for pk, client, *_rest in screened}
    return _written(items, screen_only, doses, screening_ids)


def _written(
    items: list[_Item], screen_only: list[_Item], doses: dict[uuid.UUID, int], screenings: dict[uuid.UUID, int]
) -> dict[int, tuple[int | None, int | None]]:
    """The items written (a dose, with its screening if it had one; a screening alone)."""
    written: dict[int, tuple[int | None, int | None]] = {}
    for item in items:
        if item.batch.client_id in doses:
            written[item.index] = (doses[item.batch.client_id], screenings.get(item.batch.client_id))
    for item in screen_only:
        if item.batch.client_id in screenings:
            written[item.index] = (None, screenings[item.batch.client_id])
    return written


_JSON_AT = "json_extract(value, '$[%d]')"
# An audit entry's columns that differ from row to row (the others are the batch's).
_PER_ROW_AUDIT = ("action", "object_type", "object_id", "person_id", "detail")
_DOSE_ACTION, _DOSE_TYPE = "vaccination.dose_record", Dose._meta.label_lower
_SCREENING_ACTION, _SCREENING_TYPE = "vaccination.screening_record", Screening._meta.label_lower
# A screening's columns: the batch's site and vaccinator, then each row of its JSON array.
_SCREENING_COLUMNS = (
    "site_id",
    "screened_by_id",
    "person_id",
    "answers",
    "outcome",
    "note",
    "screened_at",
    "client_id",
)


def _screening_row(item: _Item, now: datetime) -> tuple[Any, ...]:
    """The screening's values after the site and vaccinator (``_SCREENING_COLUMNS``), then
    whether the item writes a dose (the screening is written only with it)."""
    screening = item.batch.screening
    assert screening is not None
    return (item.dose.person_id, dict(screening.answers), screening.outcome, screening.note.strip()[:300],
            screening.screened_at or now, str(item.batch.client_id), item.batch.writes_dose)  # fmt: skip


# The doses' own columns, in the order of each row of the JSON array the statement reads.
_ROW_FIELDS = (
    "person_id",
    "product",
    "manufacturer",
    "prophylaxis",
    "lot",
    "dose_number",
    "total_doses",
    "administered_on",
    "campaign_id",
    "client_id",
)


def _json_row(item: _Item) -> tuple[Any, ...]:
    """The dose's own values in ``_ROW_FIELDS`` order."""
    d = item.dose
    return (d.person_id, d.product, d.manufacturer, d.prophylaxis, d.lot.strip()[:40], d.dose_number,
            d.total_doses, d.administered_on.isoformat(), d.campaign_id, str(item.batch.client_id))  # fmt: skip


def _insert_postgresql(
    user: User, site: Site, items: list[_Item], screen_only: list[_Item], audit: AuditEvent
) -> dict[int, tuple[int | None, int | None]]:
    """One statement: the doses inserted from one JSON array (a client_id stored meanwhile
    is skipped, not an error), the screenings from another (a dose's only with its dose),
    an audit entry for each row inserted, and each lot counted down by the doses inserted
    from it, never below zero; the lots' rows last, so that the row every dose of the site
    takes is locked only until the commit."""
    rows = [_json_row(item) for item in items]
    now = timezone.now()
    screenings = [
        [*(v.isoformat() if isinstance(v, datetime) else v for v in _screening_row(i, now))]
        for i in [*items, *screen_only]
        if i.batch.screening is not None
    ]
    sql, audit_constants = _statement(screenings=bool(screenings))
    params: list[Any] = [site.pk, user.pk, now, json.dumps(rows, separators=(",", ":"))]
    if screenings:
        params += [site.pk, user.pk, json.dumps(screenings, separators=(",", ":"))]
    audit.at = now
    params += [f.get_db_prep_save(getattr(audit, f.attname), connection) for f in audit_constants]
    params.append(site.pk)
    doses: dict[uuid.UUID, int] = {}
    screening_ids: dict[uuid.UUID, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pk, client_id, is_dose in cursor.fetchall():
            (doses if is_dose else screening_ids)[client_id] = pk
    return _written(items, screen_only, doses, screening_ids)


_SQL: dict[bool, tuple[str, list[models.Field[Any, Any]]]] = {}


def _statement(*, screenings: bool) -> tuple[str, list[models.Field[Any, Any]]]:
    """The statement, with the screenings' part only for a batch that carries screenings (a
    batch of doses alone runs the statement measured before screenings came)."""
    if screenings in _SQL:
        return _SQL[screenings]
    quote = connection.ops.quote_name
    by_name = {f.attname: f for f in Dose._meta.concrete_fields}
    columns = ["site_id", "vaccinator_id", "created_at", *_ROW_FIELDS]
    select = [f"%s::{by_name[name].db_type(connection)}" for name in columns[:3]] + [
        f"(r.v->>{n})::{by_name[name].db_type(connection)}" for n, name in enumerate(_ROW_FIELDS)
    ]
    screening_fields = {f.attname: f for f in Screening._meta.concrete_fields}
    screening_select = [f"%s::{screening_fields[name].db_type(connection)}" for name in _SCREENING_COLUMNS[:2]] + [
        f"(r.v{'->' if name == 'answers' else '->>'}{n})::{screening_fields[name].db_type(connection)}"
        for n, name in enumerate(_SCREENING_COLUMNS[2:])
    ]
    writes_dose = len(_SCREENING_COLUMNS) - 2  # the row's last value
    client_at = _SCREENING_COLUMNS.index("client_id") - 2
    audit_fields = {f.attname: f for f in AuditEvent._meta.concrete_fields}
    audit_constants = [f for f in audit_fields.values() if not f.primary_key and f.attname not in _PER_ROW_AUDIT]
    audit_columns = [quote(str(f.column)) for f in audit_constants] + [quote(name) for name in _PER_ROW_AUDIT]
    audit_select = [f"%s::{f.db_type(connection)}" for f in audit_constants] + [f"x.{n}" for n in _PER_ROW_AUDIT]
    per_row = (
        f"SELECT '{_DOSE_ACTION}' AS action, '{_DOSE_TYPE}' AS object_type, d.id::text AS object_id, d.person_id,"  # noqa: S608 (our constants)
        " jsonb_build_object('dose_number', d.dose_number, 'product', d.product, 'site', d.site_id) AS detail FROM d"
    )
    if screenings:
        per_row += (
            f" UNION ALL SELECT '{_SCREENING_ACTION}', '{_SCREENING_TYPE}', sc.id::text, sc.person_id,"  # noqa: S608 (our constants)
            " jsonb_build_object('outcome', sc.outcome) FROM sc"
        )
    # A screening of a dose only with its dose (both or neither); one that writes no dose alone.
    screening_cte = (
        f" sc AS (INSERT INTO {quote(Screening._meta.db_table)} ({', '.join(quote(c) for c in _SCREENING_COLUMNS)})"  # noqa: S608
        f" SELECT {', '.join(screening_select)} FROM json_array_elements(%s::json) WITH ORDINALITY AS r(v, n)"
        f" WHERE NOT (r.v->>{writes_dose})::boolean OR (r.v->>{client_at})::uuid IN (SELECT client_id FROM d)"
        " ORDER BY r.n ON CONFLICT DO NOTHING RETURNING id, client_id, person_id, outcome),"
    )
    dose_table, audit_table, lot_table = (quote(m._meta.db_table) for m in (Dose, AuditEvent, StockLot))
    sql = (
        f"WITH d AS (INSERT INTO {dose_table} ({', '.join(quote(c) for c in columns)})"  # noqa: S608
        f" SELECT {', '.join(select)} FROM json_array_elements(%s::json) WITH ORDINALITY AS r(v, n) ORDER BY r.n"
        " ON CONFLICT DO NOTHING"
        " RETURNING id, client_id, person_id, dose_number, product, site_id, lot),"
        f"{screening_cte if screenings else ''}"
        f" a AS (INSERT INTO {audit_table} ({', '.join(audit_columns)}) SELECT {', '.join(audit_select)}"
        f" FROM ({per_row}) AS x),"
        # The lots locked in id order before they are counted down: two batches of a site
        # that share lots take them in the same order, so neither waits for the other's.
        f" k AS (SELECT l.id, u.n FROM {lot_table} l"
        " JOIN (SELECT product, lot, count(*) AS n FROM d WHERE lot <> '' GROUP BY product, lot) u"
        " ON l.product = u.product AND l.lot = u.lot WHERE l.site_id = %s ORDER BY l.id FOR UPDATE OF l),"
        f" s AS (UPDATE {lot_table} l SET doses_left = GREATEST(l.doses_left - k.n, 0) FROM k WHERE l.id = k.id)"
        " SELECT id, client_id, true FROM d"
        f"{' UNION ALL SELECT id, client_id, false FROM sc' if screenings else ''}"
    )
    _SQL[screenings] = (sql, audit_constants)
    return _SQL[screenings]
