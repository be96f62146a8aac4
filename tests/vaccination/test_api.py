"""The vaccination API of the contract (API.md, Vaccination), with who may call what."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import signed_in
from tests.factories import PersonFactory, UserFactory
from truyvet.accounts.models import Role, User
from truyvet.lib.audit import AuditEvent
from truyvet.people.models import Person
from vaccination.certificates import verify
from vaccination.models import Dose, Site

pytestmark = pytest.mark.django_db


def body(person: Person, site: Site, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "person_id": person.pk,
        "product": "EU/1/20/1528",
        "manufacturer": "ORG-100030215",
        "dose_number": 1,
        "total_doses": 2,
        "administered_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "lot": "FK1234",
        "site_id": site.pk,
    }
    values.update(changes)
    return values


def post_dose(client: Client, data: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/vaccination/doses/", data, content_type="application/json")


def test_a_vaccinator_lists_their_own_sites_only(vaccinator_client: Client, site: Site, other_site: Site) -> None:
    response = vaccinator_client.get("/api/v1/vaccination/sites/")
    assert response.status_code == 200
    assert response.json() == [{"id": site.pk, "name": site.name, "ward_code": site.ward_id}]


def test_the_site_list_refuses_anonymous_callers_and_other_staff(
    client: Client, outsider_client: Client, site: Site
) -> None:
    assert client.get("/api/v1/vaccination/sites/").status_code in (401, 403)
    assert outsider_client.get("/api/v1/vaccination/sites/").status_code == 403


def test_a_dose_is_recorded_and_a_retry_answers_the_same_id(
    vaccinator_client: Client, site: Site, person: Person
) -> None:
    data = body(person, site, client_id=str(uuid.uuid4()))
    first = post_dose(vaccinator_client, data)
    assert first.status_code == 201, first.json()
    again = post_dose(vaccinator_client, data)
    assert again.status_code == 201 and again.json() == first.json()
    assert Dose.objects.count() == 1


def test_bad_doses_get_the_envelope_with_a_code(vaccinator_client: Client, site: Site, person: Person) -> None:
    response = post_dose(vaccinator_client, body(person, site, product="X"))
    assert response.status_code == 400 and response.json()["code"] == "unknown_product"
    response = post_dose(vaccinator_client, body(person, site, administered_on="not a date"))
    assert response.status_code == 400 and "administered_on" in response.json()["errors"]
    response = post_dose(vaccinator_client, body(person, site, dose_number=0))
    assert response.status_code == 400 and "dose_number" in response.json()["errors"]
    assert post_dose(vaccinator_client, body(person, site)).status_code == 201
    response = post_dose(vaccinator_client, body(person, site))
    assert response.status_code == 409 and response.json()["code"] == "duplicate_dose"


def test_a_vaccinator_of_another_site_cannot_record_at_this_one(site: Site, person: Person) -> None:
    stranger = UserFactory(role=Role.VACCINATION_STAFF)
    Site.objects.create(name="Điểm khác", ward=site.ward).staff.add(stranger)
    response = post_dose(signed_in(stranger), body(person, site))
    assert response.status_code == 400 and response.json()["code"] == "unknown_site"


def test_anonymous_callers_and_health_staff_cannot_record_doses(
    client: Client, insider_client: Client, site: Site, person: Person
) -> None:
    assert post_dose(client, body(person, site)).status_code in (401, 403)
    assert post_dose(insider_client, body(person, site)).status_code == 403


def test_the_certificate_verifies_and_its_read_is_audited(
    vaccinator_client: Client, site: Site, person: Person
) -> None:
    assert post_dose(vaccinator_client, body(person, site)).status_code == 201
    response = vaccinator_client.get(f"/api/v1/vaccination/certificates/{person.pk}/")
    assert response.status_code == 200
    answer = response.json()
    assert answer["doses"] == 1 and answer["hc1"].startswith("HC1:")
    assert verify(answer["hc1"]).hcert["v"][0]["dn"] == 1
    assert AuditEvent.objects.filter(action="vaccination.doses_read", person_id=person.pk).exists()


def test_the_person_reads_their_own_certificate_and_nobody_elses(
    vaccinator_client: Client, site: Site, citizen: User
) -> None:
    mine = PersonFactory(phone=citizen.phone)
    theirs = PersonFactory()
    for somebody in (mine, theirs):
        assert post_dose(vaccinator_client, body(somebody, site)).status_code == 201
    client = signed_in(citizen)
    assert client.get(f"/api/v1/vaccination/certificates/{mine.pk}/").status_code == 200
    assert client.get(f"/api/v1/vaccination/certificates/{theirs.pk}/").status_code == 404


def test_health_staff_read_certificates_of_their_wards_only(
    vaccinator_client: Client, insider_client: Client, outsider_client: Client, site: Site, person: Person
) -> None:
    assert post_dose(vaccinator_client, body(person, site)).status_code == 201
    url = f"/api/v1/vaccination/certificates/{person.pk}/"
    assert insider_client.get(url).status_code == 200
    assert outsider_client.get(url).status_code == 404
    assert Client().get(url).status_code in (401, 403)


def test_a_person_without_doses_has_no_certificate(vaccinator_client: Client, site: Site, person: Person) -> None:
    response = vaccinator_client.get(f"/api/v1/vaccination/certificates/{person.pk}/")
    assert response.status_code == 404 and response.json()["code"] == "no_doses"


def test_the_dsc_and_the_trust_list_are_public_and_agree(client: Client) -> None:
    dsc = client.get("/api/v1/vaccination/dsc/").json()
    assert dsc["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
    trusted = client.get("/api/v1/vaccination/trustlist/").json()["certificates"]
    assert dsc["kid"] in {t["kid"] for t in trusted} and all(t["spki"] and t["alg"] == "ES256" for t in trusted)


def test_the_public_verifier_answers_what_a_certificate_says_or_why_not(
    client: Client, vaccinator_client: Client, site: Site, person: Person
) -> None:
    assert post_dose(vaccinator_client, body(person, site)).status_code == 201
    hc1 = vaccinator_client.get(f"/api/v1/vaccination/certificates/{person.pk}/").json()["hc1"]
    answer = client.post("/api/v1/vaccination/verify/", {"hc1": hc1}, content_type="application/json").json()
    assert answer["valid"] and answer["certificate"]["nam"]["gnt"] == "VAN<AN"
    refused = client.post("/api/v1/vaccination/verify/", {"hc1": "HC2:XX"}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "bad_prefix"
