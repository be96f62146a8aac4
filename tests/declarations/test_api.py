from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
from django.test import Client

from declarations.models import Declaration
from tests.factories import HealthUnitFactory, home_ward
from truyvet.accounts.models import Alert, User
from truyvet.credentials.models import QrCredential
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person, PersonHistory

pytestmark = pytest.mark.django_db
URL = "/api/v1/declarations/"


def post(client: Client, body: Any) -> Any:
    return client.post(URL, json.dumps(body) if not isinstance(body, str) else body, content_type="application/json")


def test_a_daily_declaration_returns_the_contract_fields(client: Client, daily_body: dict) -> None:
    response = post(client, daily_body)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {"id", "person_id", "risk_level", "qr_token", "qr_expires_at"}
    assert body["risk_level"] == "green"
    person = Person.objects.get(pk=body["person_id"])
    assert person.full_name == "Nguyễn Văn AN" and person.phone == "+84912345678"  # capitals kept as typed
    assert QrCredential.objects.get(person=person).risk_level == "green"
    assert AuditEvent.objects.filter(action="declaration.submit", person_id=person.pk).count() == 1


def test_the_same_citizen_id_is_the_same_person(client: Client, daily_body: dict) -> None:
    first = post(client, daily_body).json()
    again = copy.deepcopy(daily_body)
    again["person"]["phone"] = "0987654321"
    again["person"]["address"] = "Bản mới"
    second = post(client, again).json()
    assert first["person_id"] == second["person_id"]
    assert Person.objects.count() == 1
    # An anonymous caller proves nothing: the record stays, the declaration keeps what was typed.
    person = Person.objects.get()
    assert person.phone == "+84912345678" and person.address == "Bản Nà Lại, nhà 12"
    assert not PersonHistory.objects.exists()
    latest = Declaration.objects.get(pk=second["id"])
    assert latest.phone == "+84987654321" and latest.address == "Bản mới"


def test_a_retry_with_the_same_client_id_writes_nothing_new(client: Client, daily_body: dict) -> None:
    daily_body["client_id"] = str(uuid.uuid4())
    first = post(client, daily_body)
    second = post(client, daily_body)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert Declaration.objects.count() == 1


def test_an_entry_declaration_by_a_foreigner_is_yellow(client: Client) -> None:
    body = {
        "kind": "entry",
        "person": {"full_name": "John Smith", "passport_number": "x1234567", "nationality": "gb",
                   "date_of_birth": "1985-02-03", "gender": "male", "email": "john@example.org"},
        "entry": {"port_of_entry": "Nội Bài", "flight_number": "vn 54", "seat": "12a",
                  "countries_visited": ["GB", "TH"], "quarantine_address": "Khách sạn Mường Thanh, Lai Châu"},
    }  # fmt: skip
    response = post(client, body)
    assert response.status_code == 201, response.json()
    assert response.json()["risk_level"] == "yellow"
    declaration = Declaration.objects.get()
    assert declaration.flight_number == "VN 54" and declaration.countries_visited == ["GB", "TH"]
    assert declaration.person.passport_number == "X1234567" and declaration.person.nationality == "GB"


def test_a_domestic_declaration_from_an_outbreak_zone_is_yellow_and_alerts_the_station(
    client: Client, daily_body: dict
) -> None:
    from django.utils import timezone

    from truyvet.geo.models import OutbreakZone, Ward

    hanoi = Ward.objects.filter(province_id=1).order_by("code").first()
    assert hanoi is not None
    zone = OutbreakZone.objects.create(name="Hà Nội", starts_at=timezone.now() - timezone.timedelta(days=2))
    zone.wards.set([hanoi])
    station = HealthUnitFactory(wards=[home_ward(0)])
    body = {**daily_body, "kind": "domestic",
            "domestic": {"origin_ward_code": hanoi.code, "destination_ward_code": home_ward(0).code,
                         "vehicle_plate": "25a-123.45", "vehicle_type": "car", "purpose": "về quê"}}  # fmt: skip
    response = post(client, body)
    assert response.status_code == 201, response.json()
    assert response.json()["risk_reasons"] == ["origin_in_outbreak_zone"]
    assert Alert.objects.filter(unit=station, kind="declaration").count() == 1


def test_a_red_declaration_raises_an_urgent_alert_for_the_ward_only(client: Client, daily_body: dict) -> None:
    mine = HealthUnitFactory(wards=[home_ward(0)])
    other = HealthUnitFactory(wards=[home_ward(1)])
    daily_body["symptoms"] = ["fever", "cough"]
    daily_body["exposures"]["case_contact"] = True
    assert post(client, daily_body).json()["risk_level"] == "red"
    assert Alert.objects.get(unit=mine).severity == "urgent"
    assert not Alert.objects.filter(unit=other).exists()


def test_a_green_declaration_raises_no_alert(client: Client, daily_body: dict) -> None:
    HealthUnitFactory(wards=[home_ward(0)])
    post(client, daily_body)
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (lambda b: b["person"].update(id_number="012190123456"), "person.id_number", "id_gender"),
        (lambda b: b["person"].update(id_number="12345"), "person.id_number", "id_format"),
        (lambda b: b["person"].update(phone="024 3825 1234"), "person.phone", "invalid_phone"),
        (lambda b: b["person"].update(ward_code=99999), "person.ward_code", "unknown_ward"),
        (lambda b: b["person"].update(date_of_birth="2999-01-01"), "person.date_of_birth", "dob_future"),
        (lambda b: b["person"].update(date_of_birth="17/05/1990"), "person.date_of_birth", "invalid"),
        (lambda b: b["person"].update(gender="x"), "person.gender", "invalid"),
        (lambda b: b.update(kind="weekly"), "kind", "invalid"),
        (lambda b: b.update(symptoms=["headache"]), "symptoms", "invalid"),
        (lambda b: b.update(symptoms="fever"), "symptoms", "invalid"),
        (lambda b: b["person"].pop("id_number"), "person.id_number", "invalid"),
        (lambda b: b.update(kind="entry"), "entry", "invalid"),
        (lambda b: b.update(kind="domestic"), "domestic", "invalid"),
        (lambda b: b["person"].update(full_name="x" * 500), "person.full_name", "invalid"),
    ],
)
def test_bad_input_gets_a_400_with_a_code_and_writes_nothing(
    client: Client, daily_body: dict, change: Any, field: str, code: str
) -> None:
    change(daily_body)
    response = post(client, daily_body)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code
    assert any(key == field or key.startswith(f"{field}.") for key in body["errors"]), body
    assert not Person.objects.exists() and not Declaration.objects.exists()


@pytest.mark.parametrize(
    "raw",
    ["{not json", "[]", "null", '"text"', '{"kind": "daily", "person": "me"}', "\x00\xff"],
)
def test_malformed_bodies_get_a_400_not_a_500(client: Client, raw: str) -> None:
    response = post(client, raw)
    assert response.status_code == 400
    assert response.json()["code"] in {"malformed_request", "invalid"}


def test_an_oversized_body_gets_413(client: Client, daily_body: dict, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    daily_body["person"]["address"] = "x" * 20_000
    response = post(client, daily_body)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_hostile_strings_are_stored_as_text_and_never_executed(client: Client, daily_body: dict) -> None:
    daily_body["person"]["full_name"] = "<script>alert(1)</script> Robert'); DROP TABLE people_person;--"
    assert post(client, daily_body).status_code == 201
    assert Person.objects.get().full_name.startswith("<script>")


def test_the_public_endpoint_is_rate_limited_per_address(client: Client, daily_body: dict, settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public": "2/min"}}
    codes = [post(client, daily_body).status_code for _ in range(3)]
    assert codes[:2] == [201, 201] and codes[2] == 429
    assert post(client, daily_body).json()["code"] == "rate_limited"
    settings.RATELIMIT_ENABLE = False
    assert post(client, daily_body).status_code == 201


class TestQrVerification:
    def token(self, client: Client, body: dict) -> str:
        return post(client, body).json()["qr_token"]

    def test_staff_get_the_masked_name_and_status(self, client: Client, guard: User, daily_body: dict) -> None:
        token = self.token(client, daily_body)
        client.force_login(guard)
        body = client.get("/api/v1/qr/verify/", {"token": token}).json()
        assert body["valid"] is True
        assert body["display_name"] == "Nguyễn V. A."
        assert body["risk_level"] == "green" and body["f_level"] is None and body["vaccine_doses"] == 0
        assert "012090123456" not in json.dumps(body)
        assert AuditEvent.objects.filter(action="qr.verify", actor=guard).count() == 1

    def test_a_staff_token_key_works_too(self, client: Client, guard: User, daily_body: dict) -> None:
        from rest_framework.authtoken.models import Token

        token = self.token(client, daily_body)
        key = Token.objects.create(user=guard).key
        response = Client().get("/api/v1/qr/verify/", {"token": token}, HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 200 and response.json()["valid"] is True

    def test_anonymous_callers_get_401(self, client: Client, daily_body: dict) -> None:
        token = self.token(client, daily_body)
        assert Client().get("/api/v1/qr/verify/", {"token": token}).status_code in {401, 403}

    def test_a_citizen_account_gets_403(self, client: Client, citizen_client: Client, daily_body: dict) -> None:
        token = self.token(client, daily_body)
        assert citizen_client.get("/api/v1/qr/verify/", {"token": token}).status_code == 403

    @pytest.mark.parametrize(("token", "reason"), [("abc", "malformed"), ("a.b.c", "malformed")])
    def test_a_token_that_is_garbage_is_malformed(self, client: Client, guard: User, token: str, reason: str) -> None:
        client.force_login(guard)
        assert client.get("/api/v1/qr/verify/", {"token": token}).json() == {"valid": False, "reason": reason}

    def test_a_tampered_token_has_a_bad_signature(self, client: Client, guard: User, daily_body: dict) -> None:
        token = self.token(client, daily_body)
        header, payload, signature = token.split(".")
        from truyvet.lib.signing import b64url_decode, b64url_encode

        claims = json.loads(b64url_decode(payload))
        claims["lvl"] = "green" if claims["lvl"] != "green" else "red"
        forged = ".".join([header, b64url_encode(json.dumps(claims).encode()), signature])
        client.force_login(guard)
        assert client.get("/api/v1/qr/verify/", {"token": forged}).json()["reason"] == "bad_signature"

    def test_a_revoked_token_says_so_and_a_new_declaration_works_again(
        self, client: Client, guard: User, daily_body: dict
    ) -> None:
        from truyvet.credentials.services import qr_revoke

        token = self.token(client, daily_body)
        qr_revoke(user=guard, person=Person.objects.get())
        client.force_login(guard)
        assert client.get("/api/v1/qr/verify/", {"token": token}).json() == {"valid": False, "reason": "revoked"}
        import time

        time.sleep(1.1)  # tokens carry whole seconds; the new one must be issued after the revocation
        fresh = self.token(client, daily_body)
        assert client.get("/api/v1/qr/verify/", {"token": fresh}).json()["valid"] is True

    def test_an_expired_token_says_so(self, client: Client, guard: User, daily_body: dict, settings: Any) -> None:
        from datetime import timedelta

        settings.QR_TOKEN_TTL = timedelta(seconds=-1)
        token = self.token(client, daily_body)
        client.force_login(guard)
        assert client.get("/api/v1/qr/verify/", {"token": token}).json() == {"valid": False, "reason": "expired"}

    def test_a_token_for_a_person_since_deleted_is_unknown(self, client: Client, guard: User, daily_body: dict) -> None:
        token = self.token(client, daily_body)
        Person.objects.all().delete()
        client.force_login(guard)
        assert client.get("/api/v1/qr/verify/", {"token": token}).json() == {"valid": False, "reason": "unknown"}

    def test_a_missing_token_parameter_is_a_400(self, client: Client, guard: User) -> None:
        client.force_login(guard)
        response = client.get("/api/v1/qr/verify/")
        assert response.status_code == 400 and response.json()["code"] == "token_required"


def test_the_wards_endpoint_lists_a_provinces_communes(client: Client) -> None:
    wards = client.get("/api/v1/wards/", {"province": 12}).json()
    assert len(wards) == 38
    assert client.get("/api/v1/wards/", {"province": "x"}).status_code == 400
