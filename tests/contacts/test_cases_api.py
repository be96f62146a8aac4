"""POST /api/v1/cases/ and GET /api/v1/cases/{id}/exposures/ as API.md says."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.models import Case, Exposure
from tests.contacts.conftest import T0
from tests.factories import PersonFactory, home_ward
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db


def body(person, **extra):
    return {"person_id": person.pk, "confirmed_at": (T0 + timedelta(hours=20)).isoformat(), **extra}


def test_confirming_a_case_matches_its_exposures_and_lists_them(
    cdc_api, venue, stay, people, django_capture_on_commit_callbacks
):
    case_person, visitor = people(2)
    stay(case_person, venue, 0, 60)
    stay(visitor, venue, 30, 90)
    with django_capture_on_commit_callbacks(execute=True):
        response = cdc_api.post(
            "/api/v1/cases/", body(case_person, sample_date=str(T0.date())), content_type="application/json"
        )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["matching"] == "queued"  # matching starts once the case is committed
    listed = cdc_api.get(f"/api/v1/cases/{created['id']}/exposures/").json()
    assert listed["status"] == "done" and listed["next_after"] is None
    (record,) = listed["results"]
    assert record["person_id"] == visitor.pk and record["level"] == 1 and record["via"] == "venue"
    assert record["source_person_id"] == case_person.pk and record["venue_code"] == venue.code
    assert record["overlap_start"].endswith("+07:00")
    assert AuditEvent.objects.filter(action="case.exposures.view", person_id=visitor.pk).count() == 1


def test_a_second_open_case_for_the_same_person_is_a_conflict(cdc_api):
    person = PersonFactory()
    assert cdc_api.post("/api/v1/cases/", body(person), content_type="application/json").status_code == 201
    response = cdc_api.post("/api/v1/cases/", body(person), content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "case_exists"
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"confirmed_at": "2026-11-20T10:00:00"}, "confirmed_at", "time_without_offset"),
        ({"confirmed_at": "not a time"}, "confirmed_at", "invalid"),
        ({"onset_date": "2999-01-01"}, "onset_date", "in_future"),
        ({"person_id": "abc"}, "person_id", "invalid"),
    ],
)
def test_bad_input_is_a_400_with_a_code_and_writes_nothing(cdc_api, change, field, code):
    person = PersonFactory()
    response = cdc_api.post("/api/v1/cases/", {**body(person), **change}, content_type="application/json")
    assert response.status_code == 400
    payload = response.json()
    assert field in payload["errors"] and payload["code"] == code
    assert not Case.objects.exists()


def test_a_confirmation_in_the_future_is_refused(cdc_api):
    person = PersonFactory()
    future = (timezone.now() + timedelta(days=1)).isoformat()
    response = cdc_api.post("/api/v1/cases/", body(person, confirmed_at=future), content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "in_future"


def test_malformed_json_is_a_400(cdc_api):
    response = cdc_api.post("/api/v1/cases/", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"]


def test_an_unknown_person_is_a_404(cdc_api):
    response = cdc_api.post(
        "/api/v1/cases/", {"person_id": 999999, "confirmed_at": T0.isoformat()}, content_type="application/json"
    )
    assert response.status_code == 404


def test_staff_cannot_open_a_case_for_someone_outside_their_wards(outsider_client, insider_client):
    person = PersonFactory(ward=home_ward(0))  # the insider's ward
    assert outsider_client.post("/api/v1/cases/", body(person), content_type="application/json").status_code == 404
    assert insider_client.post("/api/v1/cases/", body(person), content_type="application/json").status_code == 201


def test_an_outsider_gets_404_for_a_case_of_another_ward(outsider_client, insider_client, make_case):
    case = make_case(PersonFactory(ward=home_ward(0)))
    assert outsider_client.get(f"/api/v1/cases/{case.pk}/exposures/").status_code == 404
    assert insider_client.get(f"/api/v1/cases/{case.pk}/exposures/").status_code == 200


def test_commune_staff_see_only_the_exposures_of_their_wards_and_the_cdc_all(
    insider_client, cdc_api, make_case, venue, stay
):
    case = make_case(PersonFactory(ward=home_ward(0)))
    ours, theirs = PersonFactory(ward=home_ward(0)), PersonFactory(ward=home_ward(1))
    stay(case.person, venue, 0, 60)
    stay(ours, venue, 0, 60)
    stay(theirs, venue, 0, 60)
    from contacts.matching import match_case

    match_case(case.pk)
    seen = {r["person_id"] for r in insider_client.get(f"/api/v1/cases/{case.pk}/exposures/").json()["results"]}
    assert seen == {ours.pk}
    seen = {r["person_id"] for r in cdc_api.get(f"/api/v1/cases/{case.pk}/exposures/").json()["results"]}
    assert seen == {ours.pk, theirs.pk}


def test_citizens_and_anonymous_callers_cannot_use_the_cases_api(client, citizen_client):
    person = PersonFactory()
    assert client.post("/api/v1/cases/", body(person), content_type="application/json").status_code in {401, 403}
    assert citizen_client.post("/api/v1/cases/", body(person), content_type="application/json").status_code == 403


def test_the_exposure_list_pages_with_next_after(cdc_api, make_case, monkeypatch, people):
    monkeypatch.setattr("contacts.api.PAGE", 2)
    case = make_case()
    for person in people(3):
        Exposure.objects.create(
            case=case,
            person=person,
            source_person=case.person,
            level=1,
            via="manual",
            overlap_start=T0,
            overlap_end=T0,
            last_contact_at=T0,
            ward_id=person.ward_id,
            created_at=T0,
        )
    first = cdc_api.get(f"/api/v1/cases/{case.pk}/exposures/").json()
    assert len(first["results"]) == 2 and first["next_after"]
    second = cdc_api.get(f"/api/v1/cases/{case.pk}/exposures/", {"after": first["next_after"]}).json()
    assert len(second["results"]) == 1 and second["next_after"] is None
    assert cdc_api.get(f"/api/v1/cases/{case.pk}/exposures/", {"level": "x"}).status_code == 400


def test_a_cursor_of_digits_that_are_not_decimal_is_a_400_not_a_500(cdc_api, make_case):
    case = make_case()
    response = cdc_api.get(f"/api/v1/cases/{case.pk}/exposures/", {"after": "²"})
    assert response.status_code == 400 and response.json()["errors"]["after"]


def test_the_cdc_may_open_a_case_for_someone_with_no_known_ward_and_a_commune_may_not(cdc_api, insider_client):
    person = PersonFactory(ward=None)
    assert insider_client.post("/api/v1/cases/", body(person), content_type="application/json").status_code == 404
    assert cdc_api.post("/api/v1/cases/", body(person), content_type="application/json").status_code == 201
