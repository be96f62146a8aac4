"""Doses in batches with their screening (API.md, Vaccination: a batch item's `screening`):
the site's offline queue sends the checklist and the outcome with the dose; a postponed or
referred person gets the screening and no dose; a bad screening is rejected alone; a
replay writes nothing; a typed citizen id number names the person."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.conftest import signed_in
from tests.factories import PersonFactory
from tests.vaccination.test_dose_batches import item, lot, results
from truyvet.accounts.models import User
from truyvet.credentials.services import qr_issue
from truyvet.lib.audit import AuditEvent
from truyvet.people.models import Person
from vaccination.models import Dose, Screening, Site, StockLot
from vaccination.screening import QUESTIONS

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def answers(**yes: bool) -> dict[str, bool]:
    return {key: yes.get(key, False) for key, _question, _outcome in QUESTIONS}


def visit(person: Person | None = None, outcome: str = "vaccinate", **changes: Any) -> dict[str, Any]:
    """A batch item as the site's offline page queues it: today, with the screening."""
    screening = {"answers": changes.pop("answers", answers()), "outcome": outcome}
    screening.update(changes.pop("screening", {}))
    values = item(person, administered_on=TODAY.isoformat(), screening=screening, **changes)
    if outcome != "vaccinate":
        for name in ("product", "manufacturer", "dose_number", "total_doses", "lot"):
            values.pop(name)
    return values


def test_a_vaccinated_persons_screening_is_recorded_with_the_dose_in_one_write(
    vaccinator_client: Client, vaccinator: User, site: Site, person: Person
) -> None:
    stock = lot(site)
    at = timezone.localtime().replace(microsecond=0) - timedelta(minutes=5)
    sent = visit(person, answers=answers(allergy=True), screening={"note": "dị ứng tôm", "screened_at": at.isoformat()})
    [answer] = results(vaccinator_client, site, [sent])
    assert answer["status"] == "created" and answer["client_id"] == sent["client_id"]
    dose = Dose.objects.get(pk=answer["id"])
    screening = Screening.objects.get(pk=answer["screening_id"])
    assert (dose.person_id, dose.lot, str(dose.client_id)) == (person.pk, "FK1234", sent["client_id"])
    assert (screening.person_id, screening.site_id, screening.screened_by_id) == (person.pk, site.pk, vaccinator.pk)
    assert screening.answers == answers(allergy=True) and screening.outcome == "vaccinate"
    assert (screening.note, screening.screened_at, str(screening.client_id)) == ("dị ứng tôm", at, sent["client_id"])
    events = AuditEvent.objects.filter(person_id=person.pk)
    assert sorted(events.values_list("action", "object_type", "object_id")) == [
        ("vaccination.dose_record", "vaccination.dose", str(dose.pk)),
        ("vaccination.screening_record", "vaccination.screening", str(screening.pk)),
    ]
    assert events.get(action="vaccination.screening_record").detail == {"outcome": "vaccinate"}
    stock.refresh_from_db()
    assert stock.doses_left == 9


def test_a_postponed_or_referred_person_gets_the_screening_and_no_dose(vaccinator_client: Client, site: Site) -> None:
    stock = lot(site)
    fever, pregnant = PersonFactory.create_batch(2)
    sent = [
        visit(fever, "postpone", answers=answers(acute_illness=True)),
        visit(pregnant, "refer", answers=answers(pregnant=True), lot="FK1234", product="EU/1/20/1528"),
    ]
    answer = results(vaccinator_client, site, sent)
    assert [(a["status"], a["id"]) for a in answer] == [("created", None), ("created", None)]
    screenings = Screening.objects.in_bulk([a["screening_id"] for a in answer])
    assert [(s.person_id, s.outcome) for s in screenings.values()] == [(fever.pk, "postpone"), (pregnant.pk, "refer")]
    assert not Dose.objects.exists()
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {"vaccination.screening_record"}
    stock.refresh_from_db()
    assert stock.doses_left == 10


def test_a_bad_screening_is_rejected_with_its_reason_and_the_other_items_are_kept(
    vaccinator_client: Client, site: Site
) -> None:
    people = PersonFactory.create_batch(3)
    missing = answers()
    missing.pop("bleeding")
    tomorrow = timezone.localtime() + timedelta(days=1)
    yesterday = timezone.localtime() - timedelta(days=1)
    no_dose = visit(people[1])
    no_dose.pop("product")
    sent: list[Any] = [
        visit(people[0]),
        visit(people[1], answers=missing),
        visit(people[1], answers={**answers(), "headache": True}),
        visit(people[1], answers={**answers(), "allergy": "có"}),
        visit(people[1], answers=["allergy"]),
        visit(people[1], "maybe"),
        no_dose,
        visit(people[1], screening={"screened_at": tomorrow.isoformat()}),
        visit(people[1], screening={"screened_at": yesterday.isoformat()}),
        visit(people[1], screening={"screened_at": "08:30"}),
        {**visit(people[1]), "screening": "vaccinate"},
        visit(people[2], "postpone"),
    ]
    answer = results(vaccinator_client, site, sent)
    assert [(a["status"], a.get("reason"), a.get("http_status")) for a in answer] == [
        ("created", None, None),
        ("rejected", "screening_answers_invalid", 400),
        ("rejected", "screening_answers_invalid", 400),
        ("rejected", "screening_answers_invalid", 400),
        ("rejected", "screening_answers_invalid", 400),
        ("rejected", "unknown_outcome", 400),
        ("rejected", "dose_required", 400),
        ("rejected", "screening_screened_at_invalid", 400),
        ("rejected", "screening_screened_at_invalid", 400),
        ("rejected", "screening_screened_at_invalid", 400),
        ("rejected", "screening_invalid", 400),
        ("created", None, None),
    ]
    assert sorted(Screening.objects.values_list("person_id", flat=True)) == [people[0].pk, people[2].pk]
    assert list(Dose.objects.values_list("person_id", flat=True)) == [people[0].pk]


def test_a_screening_to_vaccinate_is_not_kept_when_its_dose_is_refused(
    vaccinator_client: Client, site: Site, person: Person
) -> None:
    first = results(vaccinator_client, site, [visit(person)])[0]
    again = results(vaccinator_client, site, [visit(person)])[0]  # dose 1 twice: refused
    assert (again["status"], again["reason"]) == ("rejected", "duplicate_dose")
    assert list(Screening.objects.values_list("pk", flat=True)) == [first["screening_id"]]


def test_a_replayed_batch_with_screenings_answers_the_first_records_and_writes_nothing(
    vaccinator_client: Client, site: Site
) -> None:
    stock = lot(site)
    people = PersonFactory.create_batch(3)
    sent = [visit(people[0]), visit(people[1], "postpone", answers=answers(covid_recent=True)), visit(people[2])]
    first = results(vaccinator_client, site, sent)
    again = results(vaccinator_client, site, sent)
    assert [a["status"] for a in first] == ["created"] * 3
    assert [a["status"] for a in again] == ["duplicate"] * 3
    assert [(a["id"], a["screening_id"]) for a in again] == [(a["id"], a["screening_id"]) for a in first]
    assert (Dose.objects.count(), Screening.objects.count(), AuditEvent.objects.count()) == (2, 3, 5)
    stock.refresh_from_db()
    assert stock.doses_left == 8
    # The same client_id saying something else is a conflict, whichever it names.
    changed = [
        {**sent[0], "screening": {**sent[0]["screening"], "answers": answers(allergy=True)}},
        {**sent[1], "screening": {**sent[1]["screening"], "outcome": "refer"}},
        {**sent[1], "screening": {**sent[1]["screening"], "outcome": "vaccinate"}, **{
            k: v for k, v in sent[0].items() if k in ("product", "manufacturer", "dose_number", "total_doses")}},
        {k: v for k, v in sent[2].items() if k != "person_id"} | {"person_id": people[1].pk},
    ]  # fmt: skip
    assert [a.get("reason") for a in results(vaccinator_client, site, changed)] == ["client_id_reused"] * 4
    assert (Dose.objects.count(), Screening.objects.count()) == (2, 3)


def test_a_typed_citizen_id_number_names_the_person(vaccinator_client: Client, site: Site) -> None:
    person = PersonFactory(id_number="001090012345")
    sent = [
        visit(None, id_number="001090012345"),
        visit(None, id_number="079099999999"),
        visit(None, id_number="12345"),
        visit(None, id_number="001090012345", person_id=person.pk),
    ]
    answer = results(vaccinator_client, site, sent)
    assert [a.get("reason", a["status"]) for a in answer] == [
        "created",
        "unknown_person",
        "id_number_invalid",
        "person_id_invalid",
    ]
    assert Dose.objects.get().person_id == person.pk
    assert results(vaccinator_client, site, sent[:1])[0]["status"] == "duplicate"


def test_the_statements_of_a_batch_with_screenings_do_not_grow_with_its_size(
    vaccinator_client: Client, vaccinator: User, site: Site, django_assert_max_num_queries: Any
) -> None:
    lot(site, left=1000)
    for size in (2, 150):
        people = PersonFactory.create_batch(size)
        tokens = [qr_issue(person=p, risk_level="green")[0] for p in people[: size // 2]]
        sent = [visit(qr_token=t) for t in tokens] + [visit(p, "postpone") for p in people[size // 2 :]]
        # Session and user, the site, the tokens' holders; the savepoint, the people locked,
        # their doses, their screenings, the lots, the write (on SQLite four statements in
        # their own savepoint), the release.
        with django_assert_max_num_queries(12 if connection.vendor == "postgresql" else 17):
            answer = results(vaccinator_client, site, sent)
        assert [a["status"] for a in answer] == ["created"] * size
    assert Screening.objects.count() == 152 and Dose.objects.count() == 76


def test_only_the_sites_vaccinators_may_send_screenings_to_it(
    client: Client, citizen_client: Client, site: Site, person: Person
) -> None:
    from tests.factories import UserFactory
    from truyvet.accounts.models import Role

    stranger = UserFactory(role=Role.VACCINATION_STAFF)
    Site.objects.create(name="Điểm khác", ward=site.ward).staff.add(stranger)
    url = f"/api/v1/vaccination/sites/{site.pk}/doses/"
    body = {"doses": [visit(person, "postpone")]}
    assert signed_in(stranger).post(url, body, content_type="application/json").status_code == 404
    assert citizen_client.post(url, body, content_type="application/json").status_code == 403
    assert client.post(url, body, content_type="application/json").status_code in (401, 403)
    assert not Screening.objects.exists() and not StockLot.objects.exists()


def test_a_screening_time_keeps_its_offset(vaccinator_client: Client, site: Site, person: Person) -> None:
    at = datetime.combine(TODAY, datetime.min.time(), tzinfo=timezone.get_current_timezone()) + timedelta(hours=7)
    if at > timezone.now():
        at = timezone.localtime().replace(microsecond=0)
    sent = visit(person, "postpone", screening={"screened_at": at.astimezone(UTC).isoformat()})
    [answer] = results(vaccinator_client, site, [sent])
    assert Screening.objects.get(pk=answer["screening_id"]).screened_at == at
    assert uuid.UUID(sent["client_id"]) == Screening.objects.get().client_id
