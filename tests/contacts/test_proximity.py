"""The Bluetooth app (API.md, "Proximity"): phones, upload codes, uploads, retention."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from contacts import matching
from contacts.models import (
    Case,
    Exposure,
    FollowUp,
    ProximityContact,
    ProximityDevice,
    UploadCode,
    Via,
)
from contacts.services.proximity import (
    CODE_ALPHABET,
    MAX_CONTACTS,
    proximity_upload,
    upload_code_hash,
    upload_code_issue,
)
from contacts.tasks import purge_old_proximity_contacts
from contacts.upkeep import proximity_contacts_purge
from declarations.services import Answers, PersonInput, declaration_submit
from tests.contacts.conftest import T0, at
from tests.factories import PersonFactory, home_ward
from truyvet.accounts.models import User
from truyvet.credentials.services import qr_revoke
from truyvet.lib.errors import DomainError
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person

DEVICES = "/api/v1/proximity/devices/"
UPLOADS = "/api/v1/proximity/uploads/"


def post(client: Client, url: str, body: Any, **extra: Any) -> Any:
    return client.post(url, json.dumps(body, default=str), content_type="application/json", **extra)


def declare(id_number: str, name: str = "Lò Văn Páo") -> tuple[Person, str]:
    """A person and their real personal QR token, from a real declaration."""
    person = PersonInput(
        full_name=name, id_number=id_number, date_of_birth=None, gender="male", ward_code=home_ward(0).code
    )
    result = declaration_submit(kind="daily", person=person, answers=Answers())
    return Person.objects.get(id_number=id_number), result.qr_token


def contact(other: str, start: float = 0, minutes: float = 20, distance: Any = 1.5) -> dict[str, Any]:
    return {
        "device_id": other,
        "first_seen": at(start).isoformat(),
        "last_seen": at(start + minutes).isoformat(),
        "min_distance_m": distance,
    }


@pytest.fixture
def phone(db: None) -> Callable[[Person | None], ProximityDevice]:
    def make(person: Person | None = None) -> ProximityDevice:
        return ProximityDevice.objects.create(person=person or PersonFactory())

    return make


@pytest.fixture
def traced(make_case: Callable[..., Case], phone: Callable[..., ProximityDevice]) -> dict[str, Any]:
    """A case with a registered phone and a fresh code, and another person's phone."""
    case = make_case()
    issued = upload_code_issue(user=None, person=case.person, case=case)
    return {"case": case, "device": phone(case.person), "other": phone(), "code": issued.code}


def upload(client: Client, traced: dict[str, Any], contacts: Any = None, **changes: Any) -> Any:
    body = {
        "device_id": traced["device"].device_id,
        "upload_code": traced["code"],
        "contacts": [contact(traced["other"].device_id)] if contacts is None else contacts,
        **changes,
    }
    return post(client, UPLOADS, body)


# Registering a phone


def test_a_phone_registers_with_a_personal_qr_token_and_gets_its_broadcast_id(client: Client, db: None) -> None:
    person, token = declare("012090000111")
    response = post(client, DEVICES, {"qr_token": token})
    assert response.status_code == 201, response.content
    device_id = response.json()["device_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", device_id)
    assert ProximityDevice.objects.get(device_id=device_id).person == person


def test_each_registration_is_a_new_broadcast_id_for_the_same_person(client: Client, db: None) -> None:
    person, token = declare("012090000111")
    ids = {post(client, DEVICES, {"qr_token": token}).json()["device_id"] for _ in range(2)}
    assert len(ids) == 2 and ProximityDevice.objects.filter(person=person).count() == 2


@pytest.mark.parametrize(
    ("token", "code"),
    [("not-a-token", "token_malformed"), ("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "token_bad_signature")],
    ids=["malformed", "forged"],
)
def test_a_forged_token_registers_no_phone(client: Client, db: None, token: str, code: str) -> None:
    response = post(client, DEVICES, {"qr_token": token})
    assert response.status_code == 400 and response.json()["code"] == code
    assert response.json()["errors"]["qr_token"]
    assert not ProximityDevice.objects.exists()


def test_an_expired_token_registers_no_phone(client: Client, db: None, settings: Any) -> None:
    settings.QR_TOKEN_TTL = timedelta(seconds=-1)
    _person, token = declare("012090000111")
    response = post(client, DEVICES, {"qr_token": token})
    assert response.status_code == 400 and response.json()["code"] == "token_expired"
    assert not ProximityDevice.objects.exists()


def test_a_revoked_token_registers_no_phone(client: Client, db: None) -> None:
    person, token = declare("012090000111")
    qr_revoke(user=None, person=person)
    response = post(client, DEVICES, {"qr_token": token})
    assert response.status_code == 400 and response.json()["code"] == "token_revoked"
    assert not ProximityDevice.objects.exists()


def test_a_registration_without_a_token_is_a_400(client: Client, db: None) -> None:
    response = post(client, DEVICES, {})
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert "qr_token" in response.json()["errors"]


def test_registration_is_rate_limited_per_address(client: Client, db: None, settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public": "2/min"}}
    codes = [post(client, DEVICES, {"qr_token": "x"}).status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    assert post(client, UPLOADS, {}).json()["code"] == "rate_limited"


# Issuing an upload code (staff)


def code_on(response: Any) -> str:
    match = re.search(r'<output id="upload-code"[^>]*>([^<]+)</output>', response.content.decode())
    assert match, response.content.decode()
    return match.group(1).replace(" ", "")


def test_staff_with_jurisdiction_issue_a_code_shown_once_and_stored_as_a_hash(
    insider_client: Client, insider: User, make_case: Callable[..., Case]
) -> None:
    case = make_case()
    response = insider_client.post(f"/contacts/cases/{case.pk}/upload-code/")
    assert response.status_code == 200
    code = code_on(response)
    assert len(code) == 8 and set(code) <= set(CODE_ALPHABET)
    assert "no-store" in response["Cache-Control"]
    record = UploadCode.objects.get()
    assert record.code_hash == upload_code_hash(code) and code not in record.code_hash
    assert (record.person, record.case, record.issued_by, record.used_at) == (case.person, case, insider, None)
    hours = (record.expires_at - record.created_at).total_seconds() / 3600
    assert hours == pytest.approx(django_settings.TRACING_UPLOAD_CODE_HOURS, abs=0.01)
    event = AuditEvent.objects.get(action="proximity.upload_code")
    assert (event.actor, event.person_id, event.object_id) == (insider, case.person_id, str(case.pk))


def test_the_code_has_no_look_alike_characters() -> None:
    assert not set(CODE_ALPHABET) & set("0OQ1ILUVZSGB")
    assert len(set(CODE_ALPHABET)) == len(CODE_ALPHABET) >= 20


def test_staff_of_another_commune_get_a_404_and_no_code(
    outsider_client: Client, make_case: Callable[..., Case]
) -> None:
    case = make_case()
    assert outsider_client.post(f"/contacts/cases/{case.pk}/upload-code/").status_code == 404
    assert not UploadCode.objects.exists()


def test_an_absent_case_is_a_404(insider_client: Client, db: None) -> None:
    assert insider_client.post("/contacts/cases/999999/upload-code/").status_code == 404


def test_anonymous_users_are_sent_to_sign_in_and_citizens_are_refused(
    client: Client, db: None, make_case: Callable[..., Case], citizen: User
) -> None:
    case = make_case()
    url = f"/contacts/cases/{case.pk}/upload-code/"
    assert client.post(url).status_code == 302
    client.force_login(citizen)
    assert client.post(url).status_code == 403
    assert not UploadCode.objects.exists()


def test_a_code_is_issued_only_by_a_post(insider_client: Client, make_case: Callable[..., Case]) -> None:
    case = make_case()
    assert insider_client.get(f"/contacts/cases/{case.pk}/upload-code/").status_code == 405
    assert not UploadCode.objects.exists()


def test_a_new_code_retires_the_unused_one_before_it(
    client: Client, traced: dict[str, Any], insider_client: Client
) -> None:
    case = traced["case"]
    new = code_on(insider_client.post(f"/contacts/cases/{case.pk}/upload-code/"))
    assert upload(client, traced).json()["code"] == "upload_code_expired"
    assert upload(client, traced, upload_code=new).status_code == 201


def test_staff_issue_a_code_to_a_person_under_follow_up_in_their_commune(
    insider_client: Client, outsider_client: Client, make_case: Callable[..., Case]
) -> None:
    person = PersonFactory()
    follow_up = FollowUp.objects.create(
        person=person, ward=person.ward, level=1, case=make_case(), last_exposure_at=T0, quarantine_until=T0.date()
    )
    url = f"/contacts/follow-ups/{follow_up.pk}/upload-code/"
    assert outsider_client.post(url).status_code == 404
    response = insider_client.post(url)
    assert response.status_code == 200
    record = UploadCode.objects.get()
    assert (record.person, record.case, record.code_hash) == (person, None, upload_code_hash(code_on(response)))
    FollowUp.objects.filter(pk=follow_up.pk).update(state="completed")
    assert insider_client.post(url).status_code == 404


# Uploading a log


def test_a_case_uploads_its_log_with_its_code(
    client: Client, traced: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    third = ProximityDevice.objects.create(person=PersonFactory())
    contacts = [contact(traced["other"].device_id), contact(third.device_id.upper(), start=30, minutes=2, distance=7)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(client, traced, contacts)
    assert response.status_code == 201, response.content
    assert response.json() == {"accepted": 2, "new": 2}
    stored = ProximityContact.objects.get(other_device_id=traced["other"].device_id)
    assert (stored.device, stored.first_seen, stored.last_seen) == (traced["device"], at(0), at(20))
    assert str(stored.min_distance_m) == "1.50"
    assert ProximityContact.objects.filter(other_device_id=third.device_id).exists()
    assert UploadCode.objects.get().used_at is not None
    # Matching ran after commit and found the close contact (20 minutes at 1.5 m), not the far one.
    assert len(callbacks) >= 1
    exposure = Exposure.objects.get(case=traced["case"])
    assert (exposure.person, exposure.via, exposure.level) == (traced["other"].person, Via.PROXIMITY, 1)
    event = AuditEvent.objects.get(action="proximity.upload")
    assert event.person_id == traced["case"].person_id and event.detail["accepted"] == 2


def test_a_code_is_read_whatever_its_case_spaces_and_dashes(client: Client, traced: dict[str, Any]) -> None:
    code = traced["code"]
    response = upload(client, traced, upload_code=f" {code[:4].lower()}-{code[4:]} ")
    assert response.status_code == 201


def test_a_retry_after_success_is_refused_as_used_and_duplicates_nothing(
    client: Client, traced: dict[str, Any]
) -> None:
    assert upload(client, traced).status_code == 201
    again = upload(client, traced)
    assert again.status_code == 409 and again.json()["code"] == "upload_code_used"
    assert ProximityContact.objects.count() == 1


def test_the_same_encounter_twice_in_one_log_is_stored_once_widest_and_closest(
    client: Client, traced: dict[str, Any]
) -> None:
    other = traced["other"].device_id
    response = upload(client, traced, [contact(other, 0, 10, 1.8), contact(other, 0, 20, 2.5)])
    assert response.json() == {"accepted": 1, "new": 1}
    stored = ProximityContact.objects.get()
    assert stored.last_seen == at(20) and str(stored.min_distance_m) == "1.80"


def test_a_fourteen_hour_encounter_is_accepted_in_pieces_beside_the_others_and_nothing_is_refused(
    client: Client, traced: dict[str, Any]
) -> None:
    other = traced["other"].device_id
    response = upload(client, traced, [contact(other, -600, 14 * 60), contact(other, 300)])
    assert response.status_code == 201, response.content
    assert response.json() == {"accepted": 4, "new": 4}
    lengths = [last - first for first, last in ProximityContact.objects.values_list("first_seen", "last_seen")]
    assert len(lengths) == 4 and max(lengths) == django_settings.TRACING_PROXIMITY_MAX_ENCOUNTER
    assert AuditEvent.objects.get(action="proximity.upload").detail["split"] == 1


def test_a_second_code_may_upload_a_log_that_overlaps_the_first(client: Client, traced: dict[str, Any]) -> None:
    other = traced["other"].device_id
    upload(client, traced, [contact(other, 0)])
    traced["code"] = upload_code_issue(user=None, person=traced["case"].person, case=traced["case"]).code
    response = upload(client, traced, [contact(other, 0), contact(other, 60)])
    assert response.status_code == 201 and response.json() == {"accepted": 2, "new": 1}
    assert ProximityContact.objects.count() == 2


def test_an_unknown_code_is_refused(client: Client, traced: dict[str, Any]) -> None:
    response = upload(client, traced, upload_code="ACDE2345")
    assert response.status_code == 400 and response.json()["code"] == "upload_code_invalid"
    assert "upload_code" in response.json()["errors"] and not ProximityContact.objects.exists()


def test_an_expired_code_is_refused(client: Client, traced: dict[str, Any]) -> None:
    UploadCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = upload(client, traced)
    assert response.status_code == 400 and response.json()["code"] == "upload_code_expired"
    assert not ProximityContact.objects.exists() and UploadCode.objects.get().used_at is None


def test_an_unregistered_phone_is_refused(client: Client, traced: dict[str, Any]) -> None:
    for device_id in ("0" * 32, "not-hex"):
        response = upload(client, traced, device_id=device_id)
        assert response.status_code == 400 and response.json()["code"] == "device_unknown"
    assert not ProximityContact.objects.exists() and UploadCode.objects.get().used_at is None


def test_a_code_works_only_from_its_persons_phone(client: Client, traced: dict[str, Any]) -> None:
    response = upload(client, traced, device_id=traced["other"].device_id)
    assert response.status_code == 403 and response.json()["code"] == "device_mismatch"
    assert not ProximityContact.objects.exists() and UploadCode.objects.get().used_at is None


def _naive(c: dict[str, Any]) -> None:
    c["first_seen"] = at(0).replace(tzinfo=None).isoformat()


def _reversed(c: dict[str, Any]) -> None:
    c["first_seen"], c["last_seen"] = c["last_seen"], c["first_seen"]


def _future(c: dict[str, Any]) -> None:
    c["last_seen"] = (timezone.now() + timedelta(minutes=30)).isoformat()


def _too_old(c: dict[str, Any]) -> None:
    old = timezone.now() - timedelta(days=django_settings.PROXIMITY_RETENTION_DAYS + 1)
    c["first_seen"], c["last_seen"] = old.isoformat(), (old + timedelta(minutes=20)).isoformat()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_naive, "first_seen"),
        (lambda c: c.update(first_seen="yesterday"), "first_seen"),
        (lambda c: c.pop("last_seen"), "last_seen"),
        (_reversed, "last_seen"),
        (_future, "last_seen"),
        (_too_old, "last_seen"),
        (lambda c: c.update(min_distance_m=-0.1), "min_distance_m"),
        (lambda c: c.update(min_distance_m=100.5), "min_distance_m"),
        (lambda c: c.update(min_distance_m="near"), "min_distance_m"),
        (lambda c: c.update(min_distance_m=True), "min_distance_m"),
        (lambda c: c.update(min_distance_m="NaN"), "min_distance_m"),
        (lambda c: c.update(device_id="abc"), "device_id"),
        (lambda c: c.update(device_id=None), "device_id"),
    ],
    ids=[
        "naive time",
        "not a time",
        "no last seen",
        "last before first",
        "future",
        "older than retention",
        "negative distance",
        "distance over 100 m",
        "distance not a number",
        "distance a boolean",
        "distance NaN",
        "bad device id",
        "no device id",
    ],
)
def test_one_bad_contact_is_a_400_naming_it_and_nothing_is_written(
    client: Client, traced: dict[str, Any], change: Callable[[dict[str, Any]], Any], field: str
) -> None:
    contacts = [contact(traced["other"].device_id, start) for start in (0, 30, 60)]
    change(contacts[1])
    response = upload(client, traced, contacts)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["detail"]
    assert f"contacts[1].{field}" in body["errors"]
    assert not ProximityContact.objects.exists() and UploadCode.objects.get().used_at is None


@pytest.mark.parametrize("contacts", ["none", [1, 2], {"device_id": "x"}], ids=["text", "numbers", "an object"])
def test_contacts_that_are_not_a_list_of_objects_are_a_400(
    client: Client, traced: dict[str, Any], contacts: Any
) -> None:
    response = upload(client, traced, contacts)
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert not ProximityContact.objects.exists()


def test_a_missing_code_or_log_is_a_400(client: Client, traced: dict[str, Any]) -> None:
    response = post(client, UPLOADS, {"device_id": traced["device"].device_id})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"upload_code", "contacts"}


def test_an_empty_log_is_accepted_and_spends_the_code(client: Client, traced: dict[str, Any]) -> None:
    response = upload(client, traced, [])
    assert response.status_code == 201 and response.json() == {"accepted": 0, "new": 0}
    assert UploadCode.objects.get().used_at is not None


def test_more_contacts_than_the_limit_are_refused_whole(client: Client, traced: dict[str, Any]) -> None:
    item = contact(traced["other"].device_id)
    response = upload(client, traced, [item] * (MAX_CONTACTS + 1))
    assert response.status_code == 413 and response.json()["code"] == "too_many"
    assert not ProximityContact.objects.exists()


def test_a_body_over_the_size_cap_is_refused_unread(client: Client, traced: dict[str, Any]) -> None:
    response = client.post(UPLOADS, "{}", content_type="application/json", CONTENT_LENGTH=str(64 * 1024 * 1024))
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_a_full_log_of_the_maximum_size_is_stored_in_a_few_queries(
    client: Client, traced: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    other = traced["other"].device_id
    contacts = [contact(other, start=i * 0.05, minutes=1) for i in range(MAX_CONTACTS)]
    # Batches of 2,000 rows; SQLite's 999 parameters a statement make its batches smaller.
    with django_assert_max_num_queries(30 if connection.vendor == "postgresql" else 150):
        response = upload(client, traced, contacts)
    assert response.status_code == 201 and response.json()["accepted"] == MAX_CONTACTS
    assert ProximityContact.objects.count() == MAX_CONTACTS


def test_an_upload_from_a_person_under_follow_up_rematches_the_cases_they_are_in(
    client: Client, make_case: Callable[..., Case], people: Callable[[int], list[Person]], encounter: Any
) -> None:
    """The F1's own log finds their contacts (F2) for the case that found them."""
    case = make_case()
    f1, f2 = people(2)
    encounter(case.person, f1, 0, 30)
    matching.match_case(case.pk)
    assert Exposure.objects.get(case=case).person == f1
    code = upload_code_issue(user=None, person=f1, case=None).code
    f1_phone = ProximityDevice.objects.get(person=f1)
    f2_phone = ProximityDevice.objects.create(person=f2)
    result = proximity_upload(
        device_id=f1_phone.device_id, upload_code=code, contacts=[contact(f2_phone.device_id, start=60, minutes=25)]
    )
    assert result.accepted == 1
    matching.match_case(case.pk)  # what the queued task does
    assert Exposure.objects.get(case=case, person=f2).level == 2


def test_a_follow_up_upload_queues_matching_of_the_cases_that_found_the_person(
    make_case: Callable[..., Case], people: Callable[[int], list[Person]], encounter: Any, monkeypatch: Any
) -> None:
    case, unrelated = make_case(), make_case()
    (f1,) = people(1)
    encounter(case.person, f1, 0, 30)
    matching.match_case(case.pk)
    queued: list[int] = []
    monkeypatch.setattr("contacts.services.proximity.queue_matching", queued.append)
    code = upload_code_issue(user=None, person=f1).code
    proximity_upload(device_id=ProximityDevice.objects.get(person=f1).device_id, upload_code=code, contacts=[])
    assert queued == [case.pk] and unrelated.pk not in queued


# One code, one upload


def test_two_uploads_with_one_code_one_after_the_other_give_one_success(traced: dict[str, Any]) -> None:
    kwargs = {"device_id": traced["device"].device_id, "upload_code": traced["code"]}
    proximity_upload(**kwargs, contacts=[contact(traced["other"].device_id)])
    with pytest.raises(DomainError) as error:
        proximity_upload(**kwargs, contacts=[contact(traced["other"].device_id, start=60)])
    assert error.value.code == "upload_code_used" and error.value.status == 409
    assert ProximityContact.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_an_upload_waits_for_one_in_progress_with_the_same_code_and_then_finds_it_used(
    geo_units: None, transactional_db: None
) -> None:
    person = PersonFactory()
    case = Case.objects.create(person=person, ward_id=person.ward_id, confirmed_at=T0, sample_date=T0.date())
    device = ProximityDevice.objects.create(person=person)
    other = ProximityDevice.objects.create(person=PersonFactory())
    code = upload_code_issue(user=None, person=person, case=case).code
    outcome: dict[str, Any] = {}

    def second_upload() -> None:
        try:
            outcome["result"] = proximity_upload(
                device_id=device.device_id, upload_code=code, contacts=[contact(other.device_id, start=60)]
            )
        except DomainError as error:
            outcome["error"] = error.code
        finally:
            connection.close()

    from django.db import transaction

    thread = threading.Thread(target=second_upload)
    with transaction.atomic():
        # The first upload has locked the code and is writing its rows...
        UploadCode.objects.select_for_update().get()
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the second upload did not wait for the lock"
        proximity_upload(device_id=device.device_id, upload_code=code, contacts=[contact(other.device_id)])
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert outcome == {"error": "upload_code_used"}
    assert list(ProximityContact.objects.values_list("first_seen", flat=True)) == [at(0)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_simultaneous_uploads_with_one_code_give_one_success_and_one_used(
    geo_units: None, transactional_db: None
) -> None:
    person = PersonFactory()
    device = ProximityDevice.objects.create(person=person)
    other = ProximityDevice.objects.create(person=PersonFactory())
    code = upload_code_issue(user=None, person=person).code
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(start: float) -> None:
        try:
            contacts = [contact(other.device_id, start=start + i * 0.1, minutes=1) for i in range(2000)]
            barrier.wait()
            proximity_upload(device_id=device.device_id, upload_code=code, contacts=contacts)
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(start,)) for start in (0, 600)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["ok", "upload_code_used"]
    assert ProximityContact.objects.count() == 2000


# Retention


def _old(device: ProximityDevice, other: ProximityDevice, days_ago: float) -> ProximityContact:
    last = timezone.now() - timedelta(days=days_ago)
    return ProximityContact.objects.create(
        device=device,
        other_device_id=other.device_id,
        first_seen=last - timedelta(minutes=20),
        last_seen=last,
        min_distance_m=1,
    )


def test_contacts_of_the_days_past_the_retention_are_removed_and_the_recent_ones_kept(
    phone: Callable[..., ProximityDevice],
) -> None:
    """Whole local days go, once the longest encounter of the day (TRACING_PROXIMITY_MAX_ENCOUNTER)
    ended more than the retention ago: 23 days back is always past it, 20 days never."""
    device, other = phone(), phone()
    days = django_settings.PROXIMITY_RETENTION_DAYS
    old = [_old(device, other, days + 2 + i) for i in range(5)]
    kept = [_old(device, other, days - 1), _old(device, other, 1)]
    assert proximity_contacts_purge(batch_size=2) == 5
    assert set(ProximityContact.objects.all()) == set(kept)
    assert not ProximityContact.objects.filter(pk__in=[c.pk for c in old]).exists()
    assert proximity_contacts_purge() == 0


def test_a_contact_is_kept_while_its_last_sighting_is_recent_even_if_the_first_is_old(
    traced: dict[str, Any],
) -> None:
    """A three-day encounter is stored in pieces; those that ended within the retention stay."""
    days = django_settings.PROXIMITY_RETENTION_DAYS
    now = timezone.now()
    first, last = now - timedelta(days=days + 2), now - timedelta(days=days - 1)
    log = [{**contact(traced["other"].device_id), "first_seen": first.isoformat(), "last_seen": last.isoformat()}]
    proximity_upload(device_id=traced["device"].device_id, upload_code=traced["code"], contacts=log)
    assert proximity_contacts_purge() == 0
    pieces = list(ProximityContact.objects.order_by("first_seen").values_list("first_seen", "last_seen"))
    assert pieces[-1][1] == last
    assert pieces[0][1] >= now - timedelta(days=days, minutes=5)  # the pieces before it were never stored
    assert all(end - start <= django_settings.TRACING_PROXIMITY_MAX_ENCOUNTER for start, end in pieces)


def test_as_time_moves_on_todays_contacts_are_purged_too(client: Client, traced: dict[str, Any], settings: Any) -> None:
    assert upload(client, traced).status_code == 201
    days = django_settings.PROXIMITY_RETENTION_DAYS
    assert proximity_contacts_purge(now=timezone.now() + timedelta(days=days - 1)) == 0
    later = timezone.now() + timedelta(days=days + 2) + django_settings.TRACING_PROXIMITY_MAX_ENCOUNTER
    assert proximity_contacts_purge(now=later) == 1
    assert not ProximityContact.objects.exists()


def test_the_scheduled_task_purges_with_the_configured_retention(
    phone: Callable[..., ProximityDevice], settings: Any
) -> None:
    settings.PROXIMITY_RETENTION_DAYS = 3
    device, other = phone(), phone()
    _old(device, other, 6)
    _old(device, other, 2)
    assert purge_old_proximity_contacts.delay().get() == 1
    assert ProximityContact.objects.count() == 1


# End to end


def test_two_phones_a_code_an_upload_and_matching_finds_the_other_person_as_an_f1(
    client: Client, insider_client: Client, make_case: Callable[..., Case]
) -> None:
    case_person, case_token = declare("012090000111", "Lò Văn Páo")
    other_person, other_token = declare("012090000222", "Vàng Thị Mỷ")
    case_phone = post(client, DEVICES, {"qr_token": case_token}).json()["device_id"]
    other_phone = post(client, DEVICES, {"qr_token": other_token}).json()["device_id"]
    case = make_case(case_person)
    code = code_on(insider_client.post(f"/contacts/cases/{case.pk}/upload-code/"))
    response = post(
        client,
        UPLOADS,
        {"device_id": case_phone, "upload_code": code, "contacts": [contact(other_phone, minutes=20, distance=1.5)]},
    )
    assert response.status_code == 201 and response.json()["accepted"] == 1
    result = matching.match_case(case.pk)
    assert result.new_by_level.get(1) == 1
    exposure = Exposure.objects.get(case=case)
    assert (exposure.person, exposure.source_person, exposure.level, exposure.via) == (
        other_person,
        case_person,
        1,
        Via.PROXIMITY,
    )
    assert (exposure.overlap_start, exposure.overlap_end) == (at(0), at(20))


# The contract


def test_the_schema_documents_both_endpoints_and_their_error_codes(client: Client, db: None) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    devices, uploads = schema["paths"][DEVICES]["post"], schema["paths"][UPLOADS]["post"]
    assert {"201", "400", "429"} <= set(devices["responses"])
    assert {"201", "400", "403", "409", "413"} <= set(uploads["responses"])
    assert "upload_code_used" in uploads["responses"]["409"]["description"]
    upload_schema = schema["components"]["schemas"]["ProximityUploadRequest"]
    assert set(upload_schema["properties"]) == {"device_id", "upload_code", "contacts"}
