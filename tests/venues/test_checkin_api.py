from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token

from declarations.services import Answers, PersonInput, declaration_submit
from tests.factories import UserFactory, home_ward
from truyvet.accounts.models import Role
from truyvet.lib import signing
from truyvet.lib.qr import render_png
from venues.models import CheckIn, Venue
from venues.rotating import fresh_code
from venues.services import VenueInput, venue_create
from venues.tasks import purge_old_checkins

pytestmark = pytest.mark.django_db


def token_for(id_number: str = "012090000111", name: str = "Lò Văn Páo") -> str:
    person = PersonInput(
        full_name=name, id_number=id_number, date_of_birth=None, gender="male", ward_code=home_ward(0).code
    )
    return declaration_submit(kind="daily", person=person, answers=Answers()).qr_token


@pytest.fixture
def venue() -> Venue:
    owner = UserFactory(role=Role.VENUE_OWNER)
    return venue_create(
        owner=owner, data=VenueInput(name="Chợ", category="market", address="x", ward_code=home_ward(0).code)
    )


def checkin(client: Client, **body: Any) -> Any:
    return client.post("/api/v1/checkins/", json.dumps(body, default=str), content_type="application/json")


def test_a_check_in_returns_the_record_and_a_retry_returns_the_same(client: Client, venue: Venue) -> None:
    body = {"venue_code": venue.code, "qr_token": token_for(), "client_id": str(uuid.uuid4())}
    first = checkin(client, **body)
    assert first.status_code == 201
    assert (
        set(first.json()) >= {"id", "venue_code", "checked_in_at", "checked_out_at"}
        and first.json()["checked_out_at"] is None
    )
    again = checkin(client, **body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert CheckIn.objects.count() == 1


def test_the_same_client_id_at_another_venue_is_a_409(client: Client, venue: Venue) -> None:
    other = venue_create(
        owner=venue.owner, data=VenueInput(name="Quán", category="restaurant", address="y", ward_code=home_ward(0).code)
    )
    body = {"qr_token": token_for(), "client_id": str(uuid.uuid4())}
    checkin(client, venue_code=venue.code, **body)
    response = checkin(client, venue_code=other.code, **body)
    assert response.status_code == 409 and response.json()["code"] == "client_id_conflict"


def forged(token: str) -> str:
    header, _payload, signature = token.split(".")
    claims = json.loads(signing.b64url_decode(token.split(".")[1]))
    claims["sub"] = "someone-else"
    return f"{header}.{signing.b64url_encode(json.dumps(claims).encode())}.{signature}"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda b, v: b.update(venue_code="NOPE2345"), "unknown_venue"),
        (lambda b, v: Venue.objects.filter(pk=v.pk).update(is_active=False), "venue_inactive"),
        (lambda b, v: b.update(qr_token=forged(b["qr_token"])), "token_bad_signature"),
        (lambda b, v: b.update(qr_token="not-a-token"), "token_malformed"),
        (lambda b, v: b.update(checked_in_at=timezone.now() - timedelta(hours=25)), "time_too_old"),
        (lambda b, v: b.update(checked_in_at=timezone.now() + timedelta(minutes=10)), "time_in_future"),
        (lambda b, v: Venue.objects.filter(pk=v.pk).update(require_fresh_code=True), "venue_code_expired"),
        (lambda b, v: b.update(client_id="not-a-uuid"), "invalid"),
    ],
)
def test_bad_check_ins_get_a_400_with_a_code_and_write_nothing(
    client: Client, venue: Venue, change: Any, code: str
) -> None:
    body = {"venue_code": venue.code, "qr_token": token_for(), "client_id": str(uuid.uuid4())}
    change(body, venue)
    response = checkin(client, **body)
    assert response.status_code == 400 and response.json()["code"] == code
    assert not CheckIn.objects.exists()


def test_an_expired_personal_qr_is_refused(client: Client, venue: Venue, settings: Any) -> None:
    settings.QR_TOKEN_TTL = timedelta(seconds=-1)
    response = checkin(client, venue_code=venue.code, qr_token=token_for(), client_id=str(uuid.uuid4()))
    assert response.status_code == 400 and response.json()["code"] == "token_expired"


def test_a_phone_that_was_offline_may_send_a_check_in_two_hours_late(client: Client, venue: Venue) -> None:
    at = timezone.now() - timedelta(hours=2)
    response = checkin(
        client, venue_code=venue.code, qr_token=token_for(), client_id=str(uuid.uuid4()), checked_in_at=at.isoformat()
    )
    assert response.status_code == 201 and CheckIn.objects.get().checked_in_at == at


def test_display_mode_takes_the_fresh_code(client: Client, venue: Venue) -> None:
    Venue.objects.filter(pk=venue.pk).update(require_fresh_code=True)
    venue.refresh_from_db()
    body = {"venue_code": venue.code, "qr_token": token_for(), "client_id": str(uuid.uuid4())}
    assert checkin(client, **body, fresh_code=fresh_code(venue, timezone.now())).status_code == 201


def test_check_out_is_for_the_same_person_and_keeps_the_first_time(client: Client, venue: Venue) -> None:
    token = token_for()
    record = checkin(client, venue_code=venue.code, qr_token=token, client_id=str(uuid.uuid4()),
                     checked_in_at=(timezone.now() - timedelta(hours=1)).isoformat()).json()  # fmt: skip
    url = f"/api/v1/checkins/{record['id']}/checkout/"
    stranger = client.post(
        url, json.dumps({"qr_token": token_for("012090000222", "Người Khác")}), content_type="application/json"
    )
    assert stranger.status_code == 403 and stranger.json()["code"] == "not_your_checkin"
    early = (timezone.now() - timedelta(hours=2)).isoformat()
    assert (
        client.post(
            url, json.dumps({"qr_token": token, "checked_out_at": early}), content_type="application/json"
        ).status_code
        == 400
    )
    first = client.post(url, json.dumps({"qr_token": token}), content_type="application/json")
    second = client.post(url, json.dumps({"qr_token": token}), content_type="application/json")
    assert first.status_code == 200 and first.json()["checked_out_at"] == second.json()["checked_out_at"] is not None
    assert (
        client.post(
            "/api/v1/checkins/999999/checkout/", json.dumps({"qr_token": token}), content_type="application/json"
        ).status_code
        == 404
    )


def test_a_venue_owner_registers_a_venue_through_the_api(client: Client) -> None:
    key = Token.objects.create(user=UserFactory(role=Role.VENUE_OWNER)).key
    body = {"name": "Nhà nghỉ Hoa Ban", "category": "lodging", "address": "Số 3", "ward_code": home_ward(0).code,
            "latitude": "22.3960", "longitude": "103.4580"}  # fmt: skip
    response = client.post(
        "/api/v1/venues/", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 201
    data = response.json()
    assert data["checkin_url"].endswith(f"/v/{data['code']}") and data["poster_pdf_url"].endswith("poster.pdf")
    poster = client.get(data["poster_png_url"], HTTP_AUTHORIZATION=f"Token {key}")
    assert poster.status_code in {200, 302}  # the poster page uses the browser session; the API returns its URL


@pytest.mark.parametrize(("role", "status"), [(None, 403), (Role.CHECKPOINT_STAFF, 403)])
def test_only_owners_and_citizens_register_venues(client: Client, role: str | None, status: int) -> None:
    headers = {}
    if role:
        headers["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=UserFactory(role=role)).key}"
    body = {"name": "X", "category": "office", "address": "Y", "ward_code": home_ward(0).code}
    response = client.post("/api/v1/venues/", json.dumps(body), content_type="application/json", **headers)
    assert response.status_code in {401, status} and not Venue.objects.exists()


def test_a_location_outside_viet_nam_is_refused_by_the_api(client: Client) -> None:
    key = Token.objects.create(user=UserFactory(role=Role.VENUE_OWNER)).key
    body = {
        "name": "X",
        "category": "office",
        "address": "Y",
        "ward_code": home_ward(0).code,
        "latitude": 51.5,
        "longitude": -0.12,
    }
    response = client.post(
        "/api/v1/venues/", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 400 and response.json()["code"] == "location_outside_vietnam"
    assert not Venue.objects.exists()


def test_the_nightly_task_deletes_check_ins_after_21_days_with_time_moved_forward(client: Client, venue: Venue) -> None:
    checkin(client, venue_code=venue.code, qr_token=token_for(), client_id=str(uuid.uuid4()))
    purge_old_checkins.delay()
    assert CheckIn.objects.count() == 1
    with mock.patch("venues.services.timezone.now", return_value=timezone.now() + timedelta(days=22)):
        purge_old_checkins.delay()
    assert not CheckIn.objects.exists()


def test_the_check_in_page_reads_a_photo_of_a_personal_qr(client: Client, venue: Venue) -> None:
    png = render_png(token_for(), box_size=8)
    photo = io.BytesIO(png)
    photo.name = "qr.png"
    response = client.post(f"/v/{venue.code}", {"action": "token", "qr_photo": photo})
    assert response.status_code == 302 and CheckIn.objects.count() == 1
    blank = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(blank, format="PNG")
    blank.seek(0)
    blank.name = "blank.png"
    response = client.post(f"/v/{venue.code}", {"action": "token", "qr_photo": blank})
    assert response.status_code == 200 and "Không đọc được mã QR" in response.content.decode()
    assert CheckIn.objects.count() == 1


def test_the_check_in_page_is_light_and_vietnamese(client: Client, venue: Venue) -> None:
    import gzip
    import re
    from pathlib import Path

    from django.conf import settings

    page = client.get(f"/v/{venue.code}").content
    assert "Check-in bằng mã QR cá nhân" in page.decode()
    total = len(gzip.compress(page))
    for asset in re.findall(rb'(?:href|src)="/static/([^"]+)"', page):
        total += len(gzip.compress((Path(settings.BASE_DIR) / "static" / asset.decode()).read_bytes()))
    assert total < 100_000, total
