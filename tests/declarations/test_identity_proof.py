"""Knowing somebody's id number gives no power over their record and no sight of their
health status: each path a declaration can take (anonymous, proven by an SMS code to the
phone on file, proven by the phone that declared before, health staff of the person's ward,
staff of another ward)."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.models import Case
from declarations.models import Declaration
from tests.factories import HealthUnitFactory, PersonFactory, UserFactory, VenueFactory, home_ward
from truyvet.accounts.models import HealthUnit, Role, User
from truyvet.credentials.models import QrCredential
from truyvet.lib import sms
from truyvet.lib.audit import AuditEvent
from truyvet.people import device
from truyvet.people.models import Person, PersonHistory

pytestmark = pytest.mark.django_db

API = "/api/v1/declarations/"
HIJACK_PHONE = "0987000111"


@pytest.fixture
def an(station: HealthUnit) -> Person:
    """Nguyễn Văn An, on the portal with his phone, living in the station's ward."""
    return PersonFactory(
        full_name="Nguyễn Văn An",
        id_number="012090123456",
        date_of_birth=date(1990, 5, 17),
        phone="+84912345678",
        ward=home_ward(0),
        address="Bản Nà Lại, nhà 12",
    )


def api_body(**person: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "daily",
        "person": {
            "full_name": "Nguyễn Văn An",
            "id_number": "012090123456",
            "date_of_birth": "1990-05-17",
            "gender": "male",
            "phone": "0912345678",
            "ward_code": home_ward(0).code,
            "address": "Bản Nà Lại, nhà 12",
        },
    }
    body["person"].update(person)
    return body


def post_api(client: Client, body: dict[str, Any]) -> Any:
    response = client.post(API, json.dumps(body), content_type="application/json")
    assert response.status_code in {200, 201}, response.content
    return response.json()


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "full_name": "Nguyễn Văn An",
        "id_number": "012090123456",
        "date_of_birth": "1990-05-17",
        "gender": "male",
        "phone": "0912345678",
        "province": str(settings.PROVINCE_CODE),
        "ward_code": str(home_ward(0).code),
        "address": "Bản Nà Lại, nhà 12",
    }
    data.update(overrides)
    return data


def declare(client: Client, **overrides: Any) -> Any:
    return client.post(reverse("declarations:declare", args=["daily"]), form(**overrides))


def take_over(**overrides: Any) -> dict[str, Any]:
    """What the outside probe sent: another name, birth date, phone, ward and address."""
    return {
        "full_name": "Kẻ Mạo Danh",
        "date_of_birth": "1990-01-01",
        "phone": HIJACK_PHONE,
        "ward_code": home_ward(1).code,
        "address": "Somewhere else",
        **overrides,
    }


class Cookies:
    """A client's cookies as a request carries them (for the device cookie's readers)."""

    def __init__(self, client: Client) -> None:
        self.COOKIES = {name: morsel.value for name, morsel in client.cookies.items()}


def remembered(client: Client) -> list[str]:
    return device.remembered_refs(Cookies(client))  # type: ignore[arg-type]


def proven(client: Client) -> frozenset[str]:
    return device.proven_refs(Cookies(client))  # type: ignore[arg-type]


def unchanged(person: Person) -> bool:
    before = (person.full_name, person.date_of_birth, person.phone, person.ward_id, person.address, person.household_id)
    person.refresh_from_db()
    after = (person.full_name, person.date_of_birth, person.phone, person.ward_id, person.address, person.household_id)
    return before == after


def make_case(person: Person) -> Case:
    return Case.objects.create(
        person=person, ward_id=person.ward_id, classification="confirmed", confirmed_at=timezone.now()
    )


def sign_in_by_sms(client: Client, phone: str) -> None:
    client.post(reverse("accounts:citizen_signin"), {"phone": phone})
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1]["text"])
    assert code
    client.post(reverse("accounts:citizen_code"), {"code": code.group(1)})


# --- anonymous --------------------------------------------------------------------------------


def test_an_anonymous_declaration_with_a_known_id_does_not_rewrite_the_person(client: Client, an: Person) -> None:
    body = post_api(client, api_body(**take_over()))
    assert body["person_id"] == an.pk
    assert unchanged(an)
    assert not PersonHistory.objects.exists()
    declaration = Declaration.objects.get(pk=body["id"])
    assert (declaration.full_name, declaration.date_of_birth, declaration.phone, declaration.address) == (
        "Kẻ Mạo Danh",
        date(1990, 1, 1),
        "+84987000111",
        "Somewhere else",
    )
    assert declaration.ward_id == home_ward(1).code and declaration.proof == ""


def test_an_anonymous_declaration_still_gets_the_qr_the_checkpoint_needs(client: Client, an: Person) -> None:
    make_case(an)
    body = post_api(client, api_body(**take_over()))
    assert body["qr_token"] and body["risk_level"] == "red"
    assert QrCredential.objects.get(person=an).risk_level == "red"


def test_an_anonymous_declarant_sees_the_colour_but_not_the_servers_reasons(client: Client, an: Person) -> None:
    make_case(an)
    body = post_api(client, {**api_body(), "symptoms": ["cough"]})
    assert body["risk_level"] == "red"
    assert "current_case" not in body["risk_reasons"] and body["risk_reasons"] == ["symptoms"]
    assert "health station" in body["message"] or "trạm y tế" in body["message"]
    assert "current_case" in Declaration.objects.get(pk=body["id"]).risk_reasons  # staff still see why


def test_a_name_that_differs_from_the_record_is_flagged_with_a_clear_message(client: Client, an: Person) -> None:
    body = post_api(client, api_body(full_name="Trần Thị Bích"))
    assert body["identity_mismatch"] is True
    assert "không khớp với hồ sơ" in body["message"] and "trạm y tế sẽ liên hệ" in body["message"]
    assert Declaration.objects.get(pk=body["id"]).identity_mismatch
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    again = client.post(
        API, json.dumps(api_body(full_name="Trần Thị Bích")), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert "do not match the record" in again["message"]


def test_the_same_name_without_accents_is_no_mismatch(client: Client, an: Person) -> None:
    body = post_api(client, api_body(full_name="NGUYEN VAN AN"))
    assert body["identity_mismatch"] is False and body["message"] is None


def test_the_phone_on_file_is_told_once_a_day_of_an_unproven_declaration(
    client: Client, an: Person, django_capture_on_commit_callbacks: Any
) -> None:
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_api(client, api_body(**take_over()))
        post_api(client, api_body(**take_over(address="Again")))
    to_an = [m for m in sms.outbox if m["to"] == "+84912345678"]
    assert len(to_an) == 1
    # In the language of the person on file (Vietnamese, the portal's, for one who never chose).
    assert "thiết bị khác" in to_an[0]["text"] and "another device" not in to_an[0]["text"]
    assert not [m for m in sms.outbox if m["to"] == "+84987000111"]


def test_the_phone_on_file_is_told_in_the_language_its_owner_declared_in(
    client: Client, an: Person, django_capture_on_commit_callbacks: Any
) -> None:
    an.language = "en"
    an.save(update_fields=["language"])
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_api(client, api_body(**take_over()))  # declared by somebody else, in Vietnamese
    (to_an,) = [m for m in sms.outbox if m["to"] == "+84912345678"]
    assert to_an["text"].startswith("New health declaration: Somebody has just made a health declaration")
    assert "thiết bị khác" not in to_an["text"]


def test_the_probes_take_over_no_longer_opens_the_persons_household(client: Client, an: Person) -> None:
    """The reproduction: declare with the victim's id and a new phone, then sign in by SMS
    with that phone and look at the household."""
    post_api(client, api_body(**take_over()))
    attacker = Client()
    sign_in_by_sms(attacker, HIJACK_PHONE)
    page = attacker.get(reverse("declarations:household")).content.decode()
    assert "Nguyễn Văn An" not in page and "012090123456" not in page


def test_an_unproven_web_declaration_shows_only_what_was_typed(client: Client, an: Person) -> None:
    make_case(an)
    response = declare(client, **take_over(ward_code=str(home_ward(1).code)), symptoms=["cough"])
    result = client.get(response["Location"]).content.decode()
    assert "Kẻ Mạo Danh" in result and "Nguyễn Văn An" not in result
    assert "(F0)" not in result  # the label of a current case (a bare F0 could be in a token)
    assert "trạm y tế" in result.lower()
    declaration = Declaration.objects.get()
    card = client.get(reverse("declarations:card", args=[declaration.pk, "pdf"]))
    assert card.status_code == 200
    assert unchanged(an)


def test_an_unproven_declaration_does_not_make_the_phone_proven(client: Client, an: Person) -> None:
    declare(client, **take_over())
    assert an.ref in remembered(client)
    assert an.ref not in proven(client)
    declare(client, **take_over(address="Second try"))
    assert unchanged(an)


def test_a_venue_check_in_with_somebodys_qr_shows_a_masked_name_and_proves_nothing(
    client: Client, an: Person, venue_owner: User
) -> None:
    venue = VenueFactory(name="Chợ Tân Phong", category="market", address="Chợ", owner=venue_owner)
    token = post_api(Client(), api_body())["qr_token"]
    client.post(reverse("venue_checkin", args=[venue.code]), {"action": "token", "qr_token": token})
    page = client.get(reverse("venue_checkin", args=[venue.code])).content.decode()
    assert "Nguyễn V. A." in page and "Nguyễn Văn An" not in page
    assert an.ref not in proven(client)


# --- proven by the phone that declared before --------------------------------------------------


def test_the_phone_that_created_the_record_may_change_it_and_the_change_is_in_the_history(client: Client) -> None:
    declare(client)
    person = Person.objects.get()
    assert person.ref in proven(client)
    declare(client, phone="0987654321", address="Bản mới", full_name="Nguyễn Văn Ân")
    person.refresh_from_db()
    assert person.phone == "+84987654321" and person.address == "Bản mới" and person.full_name == "Nguyễn Văn Ân"
    history = {(h.field, h.old_value, h.new_value, h.source) for h in PersonHistory.objects.all()}
    assert ("phone", "+84912345678", "+84987654321", "device") in history
    assert ("full_name", "Nguyễn Văn An", "Nguyễn Văn Ân", "device") in history
    assert Declaration.objects.order_by("-id").first().proof == "device"


def test_the_proven_phone_sees_the_servers_reasons(client: Client) -> None:
    declare(client)
    make_case(Person.objects.get())
    response = declare(client, symptoms=["cough"])
    page = client.get(response["Location"]).content.decode()
    assert "(F0)" in page


def test_a_proven_declarant_may_move_the_ward_and_it_is_recorded(client: Client) -> None:
    declare(client)
    declare(client, ward_code=str(home_ward(1).code))
    person = Person.objects.get()
    assert person.ward_id == home_ward(1).code
    assert PersonHistory.objects.filter(field="ward_id", source="device").exists()


# --- proven by an SMS code to the phone on file ----------------------------------------------


def test_a_citizen_signed_in_with_the_phone_on_file_may_change_the_record(client: Client, an: Person) -> None:
    sign_in_by_sms(client, "0912345678")
    declare(client, address="Nhà mới, bản Nà Lại", gender="male")
    an.refresh_from_db()
    assert an.address == "Nhà mới, bản Nà Lại"
    change = PersonHistory.objects.get(field="address")
    assert change.source == "sms" and change.changed_by == User.objects.get(phone="+84912345678")
    assert an.ref in proven(client)


def test_a_citizen_signed_in_with_another_phone_may_not_change_the_record(client: Client, an: Person) -> None:
    sign_in_by_sms(client, HIJACK_PHONE)
    declare(client, address="Nhà mới")
    assert unchanged(an)
    assert Declaration.objects.get().proof == ""


# --- health staff ------------------------------------------------------------------------------


def test_health_staff_of_the_persons_ward_may_change_the_record(insider: User, an: Person) -> None:
    client = Client()
    client.force_login(insider)
    declare(client, phone="0987654321")
    an.refresh_from_db()
    assert an.phone == "+84987654321"
    change = PersonHistory.objects.get(field="phone")
    assert change.source == "staff" and change.changed_by == insider


def test_health_staff_of_another_ward_may_not_change_the_record(outsider: User, an: Person) -> None:
    client = Client()
    client.force_login(outsider)
    declare(client, phone="0987654321")
    assert unchanged(an)


def test_checkpoint_staff_may_not_change_the_record(an: Person, guard: User) -> None:
    client = Client()
    client.force_login(guard)
    declare(client, phone="0987654321")
    assert unchanged(an)


# --- the review list ---------------------------------------------------------------------------


def test_the_station_of_the_records_ward_lists_declarations_that_differ(
    insider_client: Client, insider: User, an: Person
) -> None:
    post_api(Client(), api_body(full_name="Trần Thị Bích", ward_code=home_ward(1).code))
    page = insider_client.get(reverse("declarations:staff_mismatches")).content.decode()
    assert "Trần Thị Bích" in page and "Nguyễn Văn An" in page
    declaration = Declaration.objects.get()
    assert insider_client.get(reverse("declarations:staff_detail", args=[declaration.pk])).status_code == 200
    assert AuditEvent.objects.filter(action="declaration.mismatches", actor_id=insider.pk).exists()
    other = Client()
    other.force_login(UserFactory(role=Role.COMMUNE_STATION, health_unit=HealthUnitFactory(wards=[home_ward(2)])))
    assert "Trần Thị Bích" not in other.get(reverse("declarations:staff_mismatches")).content.decode()
    assert other.get(reverse("declarations:staff_detail", args=[declaration.pk])).status_code == 404


def test_the_review_list_needs_health_staff(client: Client, venue_owner: User) -> None:
    assert client.get(reverse("declarations:staff_mismatches")).status_code == 302
    client.force_login(venue_owner)
    assert client.get(reverse("declarations:staff_mismatches")).status_code == 403


# --- QR verification ---------------------------------------------------------------------------


@pytest.fixture
def an_as_f1_token(an: Person) -> str:
    token = post_api(Client(), api_body())["qr_token"]
    from contacts.models import FollowUp

    FollowUp.objects.create(
        person=an,
        ward=an.ward,
        level=1,
        last_exposure_at=timezone.now(),
        quarantine_until=timezone.localdate() + timedelta(7),
    )
    return token


def verify(user: User, token: str) -> dict[str, Any]:
    client = Client()
    client.force_login(user)
    return client.get("/api/v1/qr/verify/", {"token": token}).json()


def test_health_staff_of_the_persons_ward_see_the_f_level_and_reasons(insider: User, an_as_f1_token: str) -> None:
    body = verify(insider, an_as_f1_token)
    assert body["f_level"] == 1 and "risk_reasons" in body


@pytest.mark.parametrize(
    "role", [Role.VENUE_OWNER, Role.VACCINATION_STAFF, Role.CHECKPOINT_STAFF, Role.BUS_OPERATOR, Role.FACILITY_MANAGER]
)
def test_other_staff_get_validity_level_and_expiry_only(role: str, an_as_f1_token: str) -> None:
    body = verify(UserFactory(role=role), an_as_f1_token)
    assert body["valid"] is True and body["risk_level"] == "red" and body["expires_at"]
    assert body["f_level"] is None and "risk_reasons" not in body


def test_a_station_of_another_ward_gets_no_f_level(outsider: User, an_as_f1_token: str) -> None:
    body = verify(outsider, an_as_f1_token)
    assert body["f_level"] is None and "risk_reasons" not in body and body["risk_level"] == "red"


def test_a_proven_declaration_sends_no_notice(
    client: Client, an: Person, django_capture_on_commit_callbacks: Any
) -> None:
    sign_in_by_sms(client, "0912345678")
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        declare(client, address="Nhà mới")
    assert not sms.outbox


def test_staff_of_the_declared_ward_see_the_declaration_but_not_the_record_or_the_servers_reasons(
    insider_client: Client, an: Person, django_capture_on_commit_callbacks: Any
) -> None:
    """Somebody declares for An (a current case, whose record lies in ward A) and says they
    live in ward C: the station of ward C follows up what was declared, nothing more."""
    make_case(an)
    station_c = HealthUnitFactory(wards=[home_ward(2)])
    body = api_body(ward_code=home_ward(2).code, phone=HIJACK_PHONE, address="Somewhere else")
    post_api(Client(), {**body, "symptoms": ["cough"]})
    declaration = Declaration.objects.get()
    c_client = Client()
    c_client.force_login(UserFactory(role=Role.COMMUNE_STATION, health_unit=station_c))
    detail = c_client.get(reverse("declarations:staff_detail", args=[declaration.pk])).content.decode()
    listing = c_client.get(reverse("declarations:staff_list")).content.decode()
    export = b"".join(c_client.get(reverse("declarations:staff_export", args=["csv"])).streaming_content).decode()
    for page in (detail, listing):
        assert "(F0)" not in page and "+84912345678" not in page and "Bản Nà Lại, nhà 12" not in page
    assert "current_case" not in export and "symptoms" in export
    from truyvet.accounts.models import Alert

    alert = Alert.objects.get(unit=station_c)
    assert "(F0)" not in alert.body
    # The station of An's own ward sees it all.
    page = insider_client.get(reverse("declarations:staff_detail", args=[declaration.pk])).content.decode()
    assert "(F0)" in page and "+84912345678" in page
