"""Doses in batches (API.md, Vaccination: ``POST /api/v1/vaccination/sites/{id}/doses/``):
every rule of a single dose for each item, each item standing alone, replays, two doses of
one person in one batch, the lot's stock, the audit, who may call, the statements a batch
costs, and two identical batches at once."""

from __future__ import annotations

import threading
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.conftest import signed_in
from tests.factories import PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.credentials.services import qr_issue, qr_revoke
from truyvet.lib.audit import AuditEvent
from truyvet.people.models import Person
from vaccination.dose_batches import DOSE_BATCH_MAX, BatchDose, doses_record_batch
from vaccination.models import Campaign, CampaignProduct, Dose, Site, StockLot
from vaccination.services import DoseIn, dose_record

pytestmark = pytest.mark.django_db

DAY = timezone.localdate() - timedelta(days=60)


def item(person: Person | None = None, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "product": "EU/1/20/1528",
        "manufacturer": "ORG-100030215",
        "dose_number": 1,
        "total_doses": 2,
        "administered_on": DAY.isoformat(),
        "lot": "FK1234",
    }
    if person is not None:
        values["person_id"] = person.pk
    values.update(changes)
    return values


def post(client: Client, site: Site, doses: list[Any]) -> Any:
    return client.post(f"/api/v1/vaccination/sites/{site.pk}/doses/", {"doses": doses}, content_type="application/json")


def results(client: Client, site: Site, doses: list[Any]) -> list[dict[str, Any]]:
    response = post(client, site, doses)
    assert response.status_code == 200, response.content
    answer: list[dict[str, Any]] = response.json()["results"]
    assert len(answer) == len(doses)
    return answer


def lot(site: Site, name: str = "FK1234", *, left: int = 10, expires: date | None = None) -> StockLot:
    return StockLot.objects.create(
        site=site,
        product="EU/1/20/1528",
        manufacturer="ORG-100030215",
        lot=name,
        expires_on=expires or DAY + timedelta(days=365),
        doses_left=left,
    )


def test_a_batch_records_each_dose_with_its_audit_entry_and_counts_the_lot_down_once_per_dose(
    vaccinator_client: Client, vaccinator: User, site: Site
) -> None:
    stock = lot(site)
    people = PersonFactory.create_batch(3)
    sent = [item(p) for p in people]
    answer = results(vaccinator_client, site, sent)
    assert [a["status"] for a in answer] == ["created"] * 3
    assert [a["client_id"] for a in answer] == [s["client_id"] for s in sent]
    doses = {d.pk: d for d in Dose.objects.all()}
    assert set(doses) == {a["id"] for a in answer}
    for person, result in zip(people, answer, strict=True):
        dose = doses[result["id"]]
        assert (dose.person_id, dose.site_id, dose.vaccinator_id) == (person.pk, site.pk, vaccinator.pk)
        assert (dose.prophylaxis, str(dose.client_id)) == ("1119349007", result["client_id"])
    events = AuditEvent.objects.filter(action="vaccination.dose_record")
    assert sorted(events.values_list("person_id", flat=True)) == sorted(p.pk for p in people)
    assert {e.object_id for e in events} == {str(pk) for pk in doses}
    assert all(e.actor_id == vaccinator.pk and e.detail["site"] == site.pk for e in events)
    stock.refresh_from_db()
    assert stock.doses_left == 7


def test_one_bad_item_is_rejected_with_its_reason_and_the_others_are_kept(
    vaccinator_client: Client, site: Site, person: Person
) -> None:
    lot(site, "OLD", expires=DAY - timedelta(days=1))
    others = PersonFactory.create_batch(2)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    sent: list[Any] = [
        item(person),
        item(others[0], product="EU/9/99/9999"),
        item(others[0], manufacturer="ORG-1"),
        item(others[0], administered_on="yesterday"),
        item(others[0], administered_on=tomorrow),
        item(others[0], administered_on="1900-01-01"),  # before birth
        item(others[0], lot="OLD"),
        item(others[0], person_id=10**9),
        item(qr_token="not.a.token"),
        item(others[0], person_id=None),
        item(others[0], dose_number=0),
        item(others[0], client_id="not a uuid"),
        item(others[0], site_id=site.pk + 1),
        item(others[0], campaign_id=10**6),
        {"person_id": others[1].pk},
        "not an object",
        item(others[1]),
    ]
    answer = results(vaccinator_client, site, sent)
    assert [(a["status"], a.get("reason"), a.get("http_status")) for a in answer] == [
        ("created", None, None),
        ("rejected", "unknown_product", 400),
        ("rejected", "unknown_manufacturer", 400),
        ("rejected", "administered_on_invalid", 400),
        ("rejected", "date_in_future", 400),
        ("rejected", "before_birth", 400),
        ("rejected", "lot_expired", 400),
        ("rejected", "unknown_person", 400),
        ("rejected", "token_malformed", 400),
        ("rejected", "person_id_invalid", 400),
        ("rejected", "dose_number_invalid", 400),
        ("rejected", "client_id_invalid", 400),
        ("rejected", "site_id_invalid", 400),
        ("rejected", "unknown_campaign", 400),
        ("rejected", "client_id_invalid", 400),
        ("rejected", "item_not_object", 400),
        ("created", None, None),
    ]
    assert answer[11]["client_id"] == "not a uuid" and answer[15]["client_id"] is None
    assert set(Dose.objects.values_list("person_id", flat=True)) == {person.pk, others[1].pk}
    assert StockLot.objects.get(lot="OLD").doses_left == 10


def test_a_replayed_batch_answers_the_first_records_and_writes_nothing(vaccinator_client: Client, site: Site) -> None:
    stock = lot(site)
    sent = [item(p) for p in PersonFactory.create_batch(4)]
    first = results(vaccinator_client, site, sent)
    again = results(vaccinator_client, site, sent)
    assert [a["status"] for a in again] == ["duplicate"] * 4
    assert [a["id"] for a in again] == [a["id"] for a in first]
    assert Dose.objects.count() == 4
    assert AuditEvent.objects.filter(action="vaccination.dose_record").count() == 4
    stock.refresh_from_db()
    assert stock.doses_left == 6


def test_a_client_id_reused_for_another_dose_is_rejected_as_a_conflict(
    vaccinator_client: Client, site: Site, person: Person
) -> None:
    first = item(person)
    created = results(vaccinator_client, site, [first])[0]
    changed = {**first, "lot": "OTHER"}
    someone_else = {**first, "person_id": PersonFactory().pk}
    for reused in (changed, someone_else):
        answer = results(vaccinator_client, site, [reused])
        assert [(a["status"], a.get("reason"), a.get("http_status")) for a in answer] == [
            ("rejected", "client_id_reused", 409)
        ]
    assert results(vaccinator_client, site, [first]) == [
        {"client_id": first["client_id"], "status": "duplicate", "id": created["id"]}
    ]
    assert Dose.objects.count() == 1


def test_the_same_client_id_twice_in_one_batch_is_recorded_once(vaccinator_client: Client, site: Site) -> None:
    people = PersonFactory.create_batch(2)
    one = item(people[0])
    answer = results(vaccinator_client, site, [one, one, {**one, "person_id": people[1].pk}])
    assert [a["status"] for a in answer] == ["created", "duplicate", "rejected"]
    assert answer[1]["id"] == answer[0]["id"] and answer[2]["reason"] == "client_id_reused"
    assert Dose.objects.count() == 1


def test_two_doses_of_one_person_in_one_batch_are_checked_against_each_other(
    vaccinator_client: Client, site: Site, person: Person
) -> None:
    day = DAY - timedelta(days=100)
    sent = [
        item(person, administered_on=day.isoformat()),
        item(person, administered_on=(day + timedelta(days=1)).isoformat()),  # dose 1 again
        item(person, dose_number=2, administered_on=day.isoformat()),  # the same day
        item(person, dose_number=2, administered_on=(day + timedelta(days=20)).isoformat()),  # too soon
        item(person, dose_number=2, administered_on=(day + timedelta(days=21)).isoformat()),
        item(person, dose_number=3, administered_on=(day + timedelta(days=30)).isoformat()),  # too soon after 2
    ]
    answer = results(vaccinator_client, site, sent)
    assert [(a["status"], a.get("reason"), a.get("http_status")) for a in answer] == [
        ("created", None, None),
        ("rejected", "duplicate_dose", 409),
        ("rejected", "duplicate_dose", 409),
        ("rejected", "too_soon", 400),
        ("created", None, None),
        ("rejected", "too_soon", 400),
    ]
    assert sorted(Dose.objects.values_list("dose_number", flat=True)) == [1, 2]


def test_a_batch_checks_its_doses_against_those_recorded_before_and_the_campaigns_interval(
    vaccinator: User, vaccinator_client: Client, site: Site, person: Person
) -> None:
    az = {"product": "EU/1/21/1529", "manufacturer": "ORG-100001699"}
    campaign = Campaign.objects.create(
        name="Đợt 1", starts_on=DAY - timedelta(days=30), ends_on=DAY + timedelta(days=50)
    )
    CampaignProduct.objects.create(campaign=campaign, min_interval_days=56, **az)
    earlier = dose_record(
        user=vaccinator,
        data=DoseIn(person_id=person.pk, dose_number=1, total_doses=2, administered_on=DAY, site_id=site.pk, **az),
    )
    day_30 = (earlier.administered_on + timedelta(days=30)).isoformat()
    day_56 = (earlier.administered_on + timedelta(days=56)).isoformat()
    answer = results(
        vaccinator_client,
        site,
        [
            item(person, **az, administered_on=day_30),  # dose 1 again
            item(person, **az, dose_number=2, administered_on=day_30),  # 56 days for this campaign's product
            item(person, **az, dose_number=2, administered_on=day_56),
        ],
    )
    assert [a.get("reason", a["status"]) for a in answer] == ["duplicate_dose", "too_soon", "created"]


def test_a_dose_recorded_alone_is_a_duplicate_in_a_batch_with_its_client_id(
    vaccinator: User, vaccinator_client: Client, site: Site, person: Person
) -> None:
    sent = item(person)
    dose = dose_record(
        user=vaccinator,
        data=DoseIn(
            person_id=person.pk,
            product=sent["product"],
            manufacturer=sent["manufacturer"],
            dose_number=1,
            total_doses=2,
            administered_on=DAY,
            site_id=site.pk,
            lot="FK1234",
            client_id=uuid.UUID(sent["client_id"]),
        ),
    )
    assert results(vaccinator_client, site, [sent]) == [
        {"client_id": sent["client_id"], "status": "duplicate", "id": dose.pk}
    ]


def test_a_personal_qr_code_names_the_person_unless_it_was_withdrawn(
    vaccinator_client: Client, vaccinator: User, site: Site, person: Person
) -> None:
    token, _expires = qr_issue(person=person, risk_level="green")
    today = timezone.localdate().isoformat()
    by_code = item(qr_token=token, administered_on=today)
    answer = results(vaccinator_client, site, [by_code, item(qr_token=token + "x", administered_on=today)])
    assert answer[0]["status"] == "created" and answer[1]["reason"] in ("token_bad_signature", "token_malformed")
    assert Dose.objects.get(pk=answer[0]["id"]).person_id == person.pk
    qr_revoke(user=vaccinator, person=person)
    # A replay still answers the dose the code recorded; a new dose by the withdrawn code is refused.
    again = results(vaccinator_client, site, [by_code, item(qr_token=token, dose_number=2, administered_on=today)])
    assert again[0] == {"client_id": by_code["client_id"], "status": "duplicate", "id": answer[0]["id"]}
    assert again[1]["reason"] == "token_revoked"
    nobody = item(qr_token=token, person_id=person.pk, administered_on=today)
    assert results(vaccinator_client, site, [nobody])[0]["reason"] == "person_id_invalid"


def test_a_batch_that_is_not_a_list_or_too_long_is_refused_whole(
    vaccinator_client: Client, site: Site, person: Person
) -> None:
    url = f"/api/v1/vaccination/sites/{site.pk}/doses/"
    response = vaccinator_client.post(url, {"doses": "x"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "doses_required"
    response = vaccinator_client.post(url, [1, 2], content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "doses_required"
    too_many = [item(person) for _ in range(DOSE_BATCH_MAX + 1)]
    response = post(vaccinator_client, site, too_many)
    assert response.status_code == 400 and response.json()["code"] == "doses_batch_too_large"
    assert results(vaccinator_client, site, []) == []
    assert not Dose.objects.exists()


def test_only_the_sites_staff_may_send_doses_to_it(
    client: Client, insider_client: Client, site: Site, other_site: Site, person: Person
) -> None:
    stranger = UserFactory(role=Role.VACCINATION_STAFF)
    Site.objects.create(name="Điểm khác", ward=site.ward).staff.add(stranger)
    assert post(signed_in(stranger), site, [item(person)]).status_code == 404
    assert post(insider_client, site, [item(person)]).status_code == 403
    assert post(client, site, [item(person)]).status_code in (401, 403)
    assert not Dose.objects.exists()


def test_the_statements_of_a_batch_do_not_grow_with_its_size(
    vaccinator_client: Client, vaccinator: User, site: Site, django_assert_max_num_queries: Any
) -> None:
    lot(site, left=1000)
    campaign = Campaign.objects.create(name="Đợt 1", starts_on=DAY - timedelta(days=300), ends_on=DAY)
    for size in (2, 150):
        people = PersonFactory.create_batch(size)
        tokens = [qr_issue(person=p, risk_level="green")[0] for p in people[: size // 2]]
        for p in people[size // 2 :]:  # half of them with a dose before: duplicates and intervals read
            dose_record(
                user=vaccinator,
                data=DoseIn(
                    person_id=p.pk,
                    product="EU/1/20/1528",
                    manufacturer="ORG-100030215",
                    dose_number=1,
                    total_doses=2,
                    administered_on=DAY - timedelta(days=200),
                    site_id=site.pk,
                ),
            )
        today = timezone.localdate().isoformat()
        sent = [item(qr_token=t, administered_on=today, campaign_id=campaign.pk) for t in tokens] + [
            item(p, dose_number=2) for p in people[size // 2 :]
        ]
        # Session and user, the site, the campaigns, the tokens' holders; the savepoint, the
        # people locked, their doses, the intervals, the lots, the write (on SQLite three
        # statements in their own savepoint), the release.
        with django_assert_max_num_queries(12 if connection.vendor == "postgresql" else 17):
            answer = results(vaccinator_client, site, sent)
        assert [a["status"] for a in answer] == ["created"] * size


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_identical_batches_at_once_write_each_dose_once(
    geo_units: None, transactional_db: None, settings: object
) -> None:
    vaccinator = UserFactory(username="vaccinator2", role=Role.VACCINATION_STAFF)
    site = Site.objects.create(name="Trạm tiêm", ward=home_ward(0))
    site.staff.add(vaccinator)
    stock = lot(site, left=100)
    people = PersonFactory.create_batch(20)
    batch = [
        BatchDose(
            client_id=uuid.uuid4(),
            dose=DoseIn(
                person_id=p.pk,
                product="EU/1/20/1528",
                manufacturer="ORG-100030215",
                dose_number=1,
                total_doses=2,
                administered_on=DAY,
                site_id=site.pk,
                lot="FK1234",
            ),
        )
        for p in people
    ]
    barrier = threading.Barrier(3)
    answers: list[list[tuple[str, int | None]]] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait()
            answer = doses_record_batch(user=vaccinator, site=site, items=list(batch))
            answers.append([(r.status, r.id) for r in answer])
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(answers) == 3
    ids = [[pk for _status, pk in answer] for answer in answers]
    assert ids[0] == ids[1] == ids[2]
    statuses = sorted(status for answer in answers for status, _pk in answer)
    assert statuses == ["created"] * 20 + ["duplicate"] * 40
    assert Dose.objects.count() == 20
    assert AuditEvent.objects.filter(action="vaccination.dose_record").count() == 20
    stock.refresh_from_db()
    assert stock.doses_left == 80
