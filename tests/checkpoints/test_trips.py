"""Bus trips: operators register trips and passengers; checkpoint staff record a whole bus."""

from __future__ import annotations

import io
import json
import re
import unicodedata
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from PIL import Image

from checkpoints.models import BusTrip, Checkpoint, Passage, TripPassenger
from checkpoints.passenger_files import template_header
from checkpoints.services.trips import PassengerInput, TripInput, trip_create, trip_passenger_add
from tests.factories import PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.credentials.models import QrCredential
from truyvet.geo.models import Ward
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db

Traveller = Callable[..., tuple[Person, str]]


@pytest.fixture
def other_operator_client() -> Client:
    """Another bus company's bus_operator, signed in."""
    client = Client()
    client.force_login(UserFactory(username="nhaxe2", role=Role.BUS_OPERATOR))
    return client


@pytest.fixture
def trip(bus_operator: User) -> BusTrip:
    return trip_create(
        operator=bus_operator,
        data=TripInput(
            route="Hà Nội – Lai Châu",
            vehicle_plate="29b-123.45",
            departure_at=timezone.now() - timedelta(hours=3),
            origin_ward_code=home_ward(3).code,
            destination_ward_code=home_ward(0).code,
            operator_name="Nhà xe Thắng Lợi",
        ),
    )


def add(trip: BusTrip, bus_operator: User, name: str, id_number: str, **fields: str) -> TripPassenger:
    return trip_passenger_add(
        trip=trip, user=bus_operator, data=PassengerInput(full_name=name, id_number=id_number, **fields)
    )


def url(name: str, *args: Any) -> str:
    return reverse(f"checkpoints:{name}", args=args)


def upload(client: Client, trip: BusTrip, name: str, content: bytes) -> Any:
    return client.post(url("trip_passenger_upload", trip.code), {"file": SimpleUploadedFile(name, content)})


# --- Operators: trips -----------------------------------------------------------------------------


def test_an_operator_registers_a_trip_and_its_page_shows_the_code_as_text_and_as_a_qr(
    bus_operator_client: Client, bus_operator: User
) -> None:
    hanoi = Ward.objects.filter(province_id=1).order_by("code").first()
    response = bus_operator_client.post(
        url("trip_new"),
        {
            "operator_name": "Nhà xe Thắng Lợi",
            "route": "Hà Nội – Lai Châu",
            "vehicle_plate": "29b-123.45",
            "departure_at": "2026-11-24T06:30",
            "origin_province": "1",
            "origin_ward": str(hanoi.code),
            "destination_province": str(home_ward(0).province_id),
            "destination_ward": str(home_ward(1).code),
        },
    )
    trip = BusTrip.objects.get()
    assert response.status_code == 302 and response["Location"] == url("trip_detail", trip.code)
    assert (trip.operator, trip.vehicle_plate, trip.origin_ward, trip.destination_ward) == (
        bus_operator,
        "29B-123.45",
        hanoi,
        home_ward(1),
    )
    assert trip.code.startswith("TRIP-") and len(trip.code) == 13
    page = bus_operator_client.get(url("trip_detail", trip.code)).content.decode()
    assert trip.code in page and url("trip_qr", trip.code) in page and url("trip_print", trip.code) in page
    png = bus_operator_client.get(url("trip_qr", trip.code))
    assert png["Content-Type"] == "image/png"
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert barcode.text == trip.code
    printable = bus_operator_client.get(url("trip_print", trip.code)).content.decode()
    assert trip.code in printable and "<script>" not in printable and "onclick" not in printable


def test_a_missing_ward_is_shown_on_the_form_and_no_trip_is_saved(bus_operator_client: Client) -> None:
    response = bus_operator_client.post(
        url("trip_new"), {"route": "Sa Pa – Lai Châu", "vehicle_plate": "24B-1", "departure_at": "2026-11-24T06:30"}
    )
    assert response.status_code == 200 and response.context["form"].errors["origin_ward"]
    assert not BusTrip.objects.exists()


def test_choosing_another_province_without_javascript_shows_its_communes_and_saves_nothing(
    bus_operator_client: Client,
) -> None:
    response = bus_operator_client.post(url("trip_new"), {"origin_province": "1", "change_province": "1"})
    choices = dict(response.context["form"].fields["origin_ward"].choices)
    assert response.status_code == 200 and len(choices) > 10 and not response.context["form"].errors
    assert not BusTrip.objects.exists()


def test_the_trip_list_shows_the_operators_own_trips_only(
    bus_operator_client: Client, other_operator_client: Client, trip: BusTrip, bus_operator: User
) -> None:
    add(trip, bus_operator, "Lò Văn Páo", "001090012345")
    listing = bus_operator_client.get(url("trip_list"))
    assert [(t.code, t.passenger_count) for t in listing.context["trips"]] == [(trip.code, 1)]
    assert trip.code not in other_operator_client.get(url("trip_list")).content.decode()


# --- Operators: passengers ------------------------------------------------------------------------


def test_scanning_a_personal_qr_adds_its_holder_once(
    bus_operator_client: Client, trip: BusTrip, traveller: Traveller
) -> None:
    person, token = traveller("green", full_name="Giàng Thị Mai")
    scan_url = url("trip_passenger_scan", trip.code)
    first = bus_operator_client.post(
        scan_url, json.dumps({"qr_token": token, "seat": "a3"}), content_type="application/json"
    )
    again = bus_operator_client.post(scan_url, json.dumps({"qr_token": token}), content_type="application/json")
    assert first.json()["ok"] and first.json()["created"] and first.json()["name"] == "Giàng Thị Mai"
    assert again.json()["ok"] and not again.json()["created"]
    (passenger,) = trip.passengers.all()
    assert (passenger.person, passenger.id_number, passenger.seat) == (person, person.id_number, "A3")


def test_a_pasted_code_works_without_javascript(
    bus_operator_client: Client, trip: BusTrip, traveller: Traveller
) -> None:
    person, token = traveller("green")
    response = bus_operator_client.post(url("trip_passenger_scan", trip.code), {"qr_token": token, "seat": "B1"})
    assert response.status_code == 302 and trip.passengers.get().person == person
    page = bus_operator_client.get(url("trip_passenger_scan", trip.code)).content.decode()
    assert 'id="trip-scan"' in page and "qrscan.js" in page and "<script>" not in page


def test_a_code_that_is_not_a_personal_qr_is_refused_with_its_reason(
    bus_operator_client: Client, trip: BusTrip, traveller: Traveller
) -> None:
    person, token = traveller("green")
    QrCredential.objects.filter(person=person).update(revoked_at=timezone.now() + timedelta(minutes=1))
    garbled = bus_operator_client.post(
        url("trip_passenger_scan", trip.code), json.dumps({"qr_token": "xyz"}), content_type="application/json"
    )
    revoked = bus_operator_client.post(
        url("trip_passenger_scan", trip.code), json.dumps({"qr_token": token}), content_type="application/json"
    )
    assert (garbled.status_code, garbled.json()["code"]) == (400, "token_malformed")
    assert revoked.json()["code"] == "token_revoked"
    assert not trip.passengers.exists()


def test_a_typed_passenger_is_linked_to_the_known_person_with_that_id_number_and_name(
    bus_operator_client: Client, trip: BusTrip, traveller: Traveller
) -> None:
    person, _token = traveller("green", full_name="Lò Văn Páo")
    response = bus_operator_client.post(
        url("trip_passenger_new", trip.code),
        {
            "full_name": "lò văn  páo",
            "id_number": person.id_number,
            "phone": "0912 345 678",
            "seat": "12",
            "destination_province": str(home_ward(0).province_id),
            "destination_ward": str(home_ward(2).code),
        },
    )
    passenger = trip.passengers.get()
    assert response.status_code == 302
    assert (passenger.person, passenger.full_name, passenger.phone) == (person, "Lò Văn Páo", "+84912345678")
    assert passenger.destination_ward == home_ward(2)


def test_a_typed_passenger_unknown_to_the_system_is_kept_unlinked(bus_operator_client: Client, trip: BusTrip) -> None:
    bus_operator_client.post(
        url("trip_passenger_new", trip.code), {"full_name": "Tòng Văn Sơn", "id_number": "C1234567", "another": "1"}
    )
    passenger = trip.passengers.get()
    assert (passenger.person, passenger.id_number) == (None, "C1234567")


def test_an_id_number_of_somebody_with_another_name_is_not_linked(
    bus_operator_client: Client, trip: BusTrip, traveller: Traveller
) -> None:
    person, _token = traveller("green", full_name="Lò Văn Páo")
    bus_operator_client.post(
        url("trip_passenger_new", trip.code), {"full_name": "Hà Thị Lan", "id_number": person.id_number}
    )
    assert trip.passengers.get().person is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"id_number": "123456789012"}, "id_number"),  # 123 is no province code
        ({"id_number": "0010900123"}, "id_number"),  # ten digits
        ({"id_number": "AB-12"}, "id_number"),
        ({"phone": "12345"}, "phone"),
    ],
)
def test_a_typed_passenger_with_a_bad_detail_is_shown_the_error_and_nothing_is_saved(
    bus_operator_client: Client, trip: BusTrip, fields: dict[str, str], field: str
) -> None:
    data = {"full_name": "Tòng Văn Sơn", "id_number": "001090012345", **fields}
    response = bus_operator_client.post(url("trip_passenger_new", trip.code), data)
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert not trip.passengers.exists()


def test_the_same_id_number_cannot_be_typed_twice(
    bus_operator_client: Client, trip: BusTrip, bus_operator: User
) -> None:
    add(trip, bus_operator, "Tòng Văn Sơn", "001090012345")
    response = bus_operator_client.post(
        url("trip_passenger_new", trip.code), {"full_name": "Tòng Văn Sơn", "id_number": "0010 9001 2345"}
    )
    assert response.context["form"].errors["id_number"] and trip.passengers.count() == 1


CSV = (
    "Full name,Citizen id or passport number,Mobile number,Seat,Destination commune or ward\n"
    "Lò Văn Páo,001090012345,0912345678,A1,{ward_name}\n"  # line 2: good, ward by name
    "Giàng Thị Mai,12345,,A2,\n"  # line 3: bad id number
    "Tòng Văn Sơn,C1234567,09123,A3,\n"  # line 4: bad phone
    "Hà Thị Lan,001190012346,,A4,Nowhere At All\n"  # line 5: unknown ward
    "Lò Văn Páo B,001090012345,,A5,\n"  # line 6: the id of line 2
    "Vàng A Dơ,B7654321,+84987654321,A6,{ward_code}\n"  # line 7: good, ward by code
    ",,,,\n"  # a blank row is skipped
    ",001090099999,,A8,\n"  # line 9: no name
)


def csv_bytes() -> bytes:
    ward = home_ward(1)
    return CSV.format(ward_name=ward.name.removeprefix("Xã ").lower(), ward_code=home_ward(2).code).encode()


def test_an_upload_keeps_the_good_rows_and_reports_each_bad_one_by_line(
    bus_operator_client: Client, trip: BusTrip
) -> None:
    response = upload(bus_operator_client, trip, "hanh-khach.csv", csv_bytes())
    report = response.context["report"]
    assert response.status_code == 200 and report.added == 2
    assert [(p.line, p.code) for p in report.errors] == [
        (3, "id_format"),
        (4, "invalid_phone"),
        (5, "unknown_ward"),
        (6, "duplicate_in_file"),
        (9, "name_required"),
    ]
    assert all(p.reason for p in report.errors) and 'id="upload-errors"' in response.content.decode()
    rows = {p.id_number: (p.full_name, p.seat, p.destination_ward_id) for p in trip.passengers.all()}
    assert rows == {
        "001090012345": ("Lò Văn Páo", "A1", home_ward(1).code),
        "B7654321": ("Vàng A Dơ", "A6", home_ward(2).code),
    }


def test_uploading_the_same_file_again_adds_nothing(bus_operator_client: Client, trip: BusTrip) -> None:
    upload(bus_operator_client, trip, "hanh-khach.csv", csv_bytes())
    again = upload(bus_operator_client, trip, "hanh-khach.csv", csv_bytes()).context["report"]
    assert again.added == 0 and [p.line for p in again.already] == [2, 7] and len(again.errors) == 5
    assert trip.passengers.count() == 2


def windows_1258(text: str) -> bytes:
    """Text as Excel on a Vietnamese Windows saves it: the tone marks apart from the letters."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def test_a_semicolon_csv_from_excel_in_windows_1258_is_read(bus_operator_client: Client, trip: BusTrip) -> None:
    content = windows_1258("Họ và tên;Số CCCD;SĐT;Ghế\nLò Văn Páo;001090012345;0912345678;A1\n")
    report = upload(bus_operator_client, trip, "ds.csv", content).context["report"]
    assert report.added == 1 and trip.passengers.get().full_name == "Lò Văn Páo"


def test_the_xlsx_template_filled_in_is_read_with_the_leading_zeros_a_spreadsheet_drops(
    bus_operator_client: Client, trip: BusTrip
) -> None:
    template = bus_operator_client.get(url("trip_template", "xlsx"))
    book = load_workbook(io.BytesIO(template.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == template_header()
    sheet.append(["Lò Văn Páo", 1090012345, 912345678, "A1", home_ward(1).code])  # typed as numbers
    sheet.append(["Giàng Thị Mai", "not an id!", None, "A2", None])
    buffer = io.BytesIO()
    book.save(buffer)
    report = upload(bus_operator_client, trip, "ds.xlsx", buffer.getvalue()).context["report"]
    assert report.added == 1 and [(p.line, p.code) for p in report.errors] == [(3, "id_format")]
    passenger = trip.passengers.get()
    assert (passenger.id_number, passenger.phone, passenger.destination_ward_id) == (
        "001090012345",
        "+84912345678",
        home_ward(1).code,
    )


def test_the_csv_template_has_the_headings_the_upload_reads(bus_operator_client: Client, trip: BusTrip) -> None:
    template = b"".join(bus_operator_client.get(url("trip_template", "csv")).streaming_content)  # type: ignore[attr-defined]
    content = template + "Lò Văn Páo,001090012345,,,\n".encode()
    assert upload(bus_operator_client, trip, "ds.csv", content).context["report"].added == 1
    assert bus_operator_client.get("/checkpoints/trips/template.pdf").status_code == 404


def test_a_file_that_is_not_a_passenger_list_is_refused_with_a_message(
    bus_operator_client: Client, trip: BusTrip
) -> None:
    for name, content in [("ds.csv", b"a,b,c\n1,2,3\n"), ("ds.xlsx", b"PK\x03\x04 broken"), ("ds.pdf", b"%PDF")]:
        response = upload(bus_operator_client, trip, name, content)
        assert response.status_code == 200 and response.context["form"].errors["file"]
        assert response.context["report"] is None
    assert not trip.passengers.exists()


def test_an_xlsx_list_made_by_hand_with_a_title_above_its_headings_is_read(
    bus_operator_client: Client, trip: BusTrip
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH HÀNH KHÁCH XE 29B-123.45"])
    sheet.append([])
    sheet.append(["STT", "Họ và tên", "CCCD/Hộ chiếu", "Số ghế"])
    sheet.append([1, "Lò Văn Páo", "001090012345", "A1"])
    sheet.append([2, "Giàng Thị Mai", "0010900123", "A2"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = upload(bus_operator_client, trip, "ds.xlsx", buffer.getvalue()).context["report"]
    assert report.added == 1 and [(p.line, p.code) for p in report.errors] == [(5, "id_format")]


def test_a_list_longer_than_a_bus_can_carry_is_refused_whole(bus_operator_client: Client, trip: BusTrip) -> None:
    lines = ["Họ và tên,CCCD"] + [f"Khách {i},P{i:07d}" for i in range(501)]
    response = upload(bus_operator_client, trip, "ds.csv", "\n".join(lines).encode())
    assert response.context["form"].errors["file"] and not trip.passengers.exists()


def test_a_passenger_is_removed(bus_operator_client: Client, trip: BusTrip, bus_operator: User) -> None:
    passenger = add(trip, bus_operator, "Lò Văn Páo", "001090012345")
    response = bus_operator_client.post(url("trip_passenger_remove", trip.code, passenger.pk))
    assert response.status_code == 302 and not trip.passengers.exists()
    assert bus_operator_client.get(url("trip_passenger_remove", trip.code, passenger.pk)).status_code == 405
    assert bus_operator_client.post(url("trip_passenger_remove", trip.code, passenger.pk)).status_code == 404


def test_the_trip_page_makes_passengers_without_a_valid_declaration_stand_out(
    bus_operator_client: Client, trip: BusTrip, bus_operator: User, traveller: Traveller
) -> None:
    declared, token = traveller("green", full_name="Giàng Thị Mai")
    bus_operator_client.post(url("trip_passenger_scan", trip.code), {"qr_token": token})
    add(trip, bus_operator, "Tòng Văn Sơn", "C1234567")
    response = bus_operator_client.get(url("trip_detail", trip.code))
    rows = {row.passenger.full_name: (row.verdict, row.has_declaration) for row, _badge in response.context["rows"]}
    assert rows == {"Giàng Thị Mai": ("allow", True), "Tòng Văn Sơn": ("declare", False)}
    page = response.content.decode()
    assert response.context["missing"] == 1 and "table-warning" in page
    assert url("trip_declare_qr") in page and reverse("declarations:declare", args=["domestic"]) in page
    assert bus_operator_client.get(url("trip_declare_qr"))["Content-Type"] == "image/png"
    assert AuditEvent.objects.filter(action="checkpoints.trip.passengers", person_id=declared.pk).exists()


def test_a_passenger_typed_in_before_declaring_is_recognised_once_they_declare(
    bus_operator_client: Client, trip: BusTrip, bus_operator: User, traveller: Traveller
) -> None:
    add(trip, bus_operator, "Lò Văn Páo", "001090012345")
    person, _token = traveller("green", full_name="Lò Văn Páo", id_number="001090012345")
    (row, _badge) = bus_operator_client.get(url("trip_detail", trip.code)).context["rows"][0]
    assert (row.passenger.person, row.verdict) == (person, "allow")


def test_the_passenger_list_costs_the_same_queries_for_2_and_50_passengers(
    bus_operator_client: Client,
    trip: BusTrip,
    bus_operator: User,
    traveller: Traveller,
    django_assert_max_num_queries: Any,
) -> None:
    person, _token = traveller("green")
    add(trip, bus_operator, person.full_name, person.id_number)
    add(trip, bus_operator, "Khách Chưa Khai", "P7654321")
    with django_assert_max_num_queries(20) as one:
        bus_operator_client.get(url("trip_detail", trip.code))
    budget = len(one.captured_queries)  # read now: the next request clears the query log
    for _ in range(24):
        person, _token = traveller("yellow")
        add(trip, bus_operator, person.full_name, person.id_number)
    for i in range(24):
        add(trip, bus_operator, f"Khách Số {i}", f"P{i:07d}")
    assert trip.passengers.count() == 50
    with django_assert_max_num_queries(budget):
        response = bus_operator_client.get(url("trip_detail", trip.code))
    assert len(response.context["rows"]) == 50
    with django_assert_max_num_queries(budget):
        bus_operator_client.get(url("trip_print", trip.code))


# --- Who may ---------------------------------------------------------------------------------------


def test_another_operator_gets_404_on_every_page_of_the_trip(
    other_operator_client: Client, trip: BusTrip, bus_operator: User, traveller: Traveller
) -> None:
    passenger = add(trip, bus_operator, "Lò Văn Páo", "001090012345")
    _person, token = traveller("green")
    for name in ("trip_detail", "trip_qr", "trip_print", "trip_passenger_new", "trip_passenger_upload",
                 "trip_passenger_scan"):  # fmt: skip
        assert other_operator_client.get(url(name, trip.code)).status_code == 404, name
    assert other_operator_client.post(url("trip_passenger_scan", trip.code), {"qr_token": token}).status_code == 404
    assert other_operator_client.post(url("trip_passenger_remove", trip.code, passenger.pk)).status_code == 404
    assert upload(other_operator_client, trip, "ds.csv", csv_bytes()).status_code == 404
    assert trip.passengers.count() == 1


def test_administrators_may_open_any_trip_and_other_staff_are_refused(
    client: Client, trip: BusTrip, guard: User
) -> None:
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))
    assert client.get(url("trip_detail", trip.code)).status_code == 200
    client.force_login(guard)
    assert client.get(url("trip_list")).status_code == 403
    assert client.get(url("trip_detail", trip.code)).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, trip: BusTrip, checkpoint: Checkpoint) -> None:
    for path in (
        url("trip_list"),
        url("trip_new"),
        url("trip_detail", trip.code),
        url("trip_qr", trip.code),
        url("trip_lookup", checkpoint.pk),
        url("trip_at_checkpoint", checkpoint.pk, trip.code),
    ):
        response = client.get(path)
        assert response.status_code == 302 and "login" in response["Location"], path
    assert client.post(url("trip_at_checkpoint", checkpoint.pk, trip.code)).status_code == 302
    assert not Passage.objects.exists()


# --- At the checkpoint ----------------------------------------------------------------------------


@pytest.fixture
def full_bus(trip: BusTrip, bus_operator: User, traveller: Traveller) -> dict[str, TripPassenger]:
    """Three passengers: one declared (green), one at risk (yellow), one never declared."""
    green, _token = traveller("green", full_name="Giàng Thị Mai")
    yellow, _token = traveller("yellow", full_name="Lò Văn Páo")
    return {
        "green": add(trip, bus_operator, green.full_name, green.id_number, seat="A1"),
        "yellow": add(trip, bus_operator, yellow.full_name, yellow.id_number, seat="A2"),
        "unknown": add(trip, bus_operator, "Tòng Văn Sơn", "C1234567", seat="A3"),
    }


def test_a_guard_sees_every_passenger_with_their_status_all_ticked(
    guard_client: Client, checkpoint: Checkpoint, trip: BusTrip, full_bus: dict[str, TripPassenger]
) -> None:
    response = guard_client.get(url("trip_at_checkpoint", checkpoint.pk, trip.code))
    rows = {r["passenger_id"]: (r["display_name"], r["verdict"], r["ticked"]) for r in response.context["rows"]}
    assert rows == {
        full_bus["green"].pk: ("Giàng T. M.", "allow", True),
        full_bus["yellow"].pk: ("Lò V. P.", "refer", True),
        full_bus["unknown"].pk: ("Tòng V. S.", "declare", True),
    }
    page = response.content.decode()
    assert len(re.findall(r'name="passengers" value="\d+" id="p\d+" checked', page)) == 3
    assert "Giàng Thị Mai" not in page, "staff see shortened names"
    assert AuditEvent.objects.filter(action="checkpoint.check", person_id=full_bus["yellow"].person_id).exists()


def form_of(client: Client, checkpoint: Checkpoint, trip: BusTrip) -> dict[str, Any]:
    form = client.get(url("trip_at_checkpoint", checkpoint.pk, trip.code)).context["form"]
    return {"client_id": str(form.initial["client_id"]), "direction": "in"}


def test_a_guard_records_the_ticked_passengers_and_sending_the_form_again_records_nothing_new(
    guard_client: Client, guard: User, checkpoint: Checkpoint, trip: BusTrip, full_bus: dict[str, TripPassenger]
) -> None:
    data = {**form_of(guard_client, checkpoint, trip), "passengers": [full_bus["green"].pk, full_bus["unknown"].pk]}
    response = guard_client.post(url("trip_at_checkpoint", checkpoint.pk, trip.code), data)
    assert response.status_code == 200 and response.context["recording"].created
    passages = Passage.objects.filter(trip=trip).order_by("seq")
    assert [(p.person_id, p.identifier, p.verdict) for p in passages] == [
        (full_bus["green"].person_id, "", "allow"),
        (None, "C1234567", "declare"),
    ]
    assert {(p.checkpoint, p.direction, p.recorded_by, p.vehicle_plate) for p in passages} == {
        (checkpoint, "in", guard, "29B-123.45")
    }
    assert [(p.seat, p.verdict) for p in response.context["recording"].passages] == [("A1", "allow"), ("A3", "declare")]
    again = guard_client.post(url("trip_at_checkpoint", checkpoint.pk, trip.code), data)
    assert again.status_code == 200 and not again.context["recording"].created
    assert Passage.objects.count() == 2
    assert len(again.context["recording"].passages) == 2


def test_the_same_form_sent_with_other_ticks_records_nothing_and_offers_a_fresh_form(
    guard_client: Client, checkpoint: Checkpoint, trip: BusTrip, full_bus: dict[str, TripPassenger]
) -> None:
    data = {**form_of(guard_client, checkpoint, trip), "passengers": [full_bus["green"].pk]}
    guard_client.post(url("trip_at_checkpoint", checkpoint.pk, trip.code), data)
    other = guard_client.post(
        url("trip_at_checkpoint", checkpoint.pk, trip.code), {**data, "passengers": [full_bus["yellow"].pk]}
    )
    assert other.status_code == 409 and str(other.context["form"].initial["client_id"]) != data["client_id"]
    assert Passage.objects.count() == 1


def test_ticking_nobody_records_nothing_and_says_so(
    guard_client: Client, checkpoint: Checkpoint, trip: BusTrip, full_bus: dict[str, TripPassenger]
) -> None:
    response = guard_client.post(
        url("trip_at_checkpoint", checkpoint.pk, trip.code), form_of(guard_client, checkpoint, trip)
    )
    assert response.status_code == 400 and response.context["form"].errors["passengers"]
    assert not re.findall(r'name="passengers"[^>]* checked', response.content.decode())
    assert not Passage.objects.exists()


def test_a_passenger_removed_meanwhile_is_reported_and_nothing_is_recorded(
    guard_client: Client, checkpoint: Checkpoint, trip: BusTrip, full_bus: dict[str, TripPassenger]
) -> None:
    data = {**form_of(guard_client, checkpoint, trip), "passengers": [p.pk for p in full_bus.values()]}
    full_bus["unknown"].delete()
    response = guard_client.post(url("trip_at_checkpoint", checkpoint.pk, trip.code), data)
    assert response.status_code == 400 and not Passage.objects.exists()


def test_the_guard_types_a_trip_code_to_open_the_trip(
    guard_client: Client, checkpoint: Checkpoint, trip: BusTrip
) -> None:
    short = trip.code.removeprefix("TRIP-").lower()
    response = guard_client.get(url("trip_lookup", checkpoint.pk), {"code": f" {short} "})
    assert response.status_code == 302 and response["Location"] == url("trip_at_checkpoint", checkpoint.pk, trip.code)
    page = guard_client.get(url("trip_lookup", checkpoint.pk)).content.decode()
    assert 'name="code"' in page and "<script>" not in page


def test_an_unknown_trip_code_is_a_clear_message_not_an_error(guard_client: Client, checkpoint: Checkpoint) -> None:
    typed = guard_client.get(url("trip_lookup", checkpoint.pk), {"code": "TRIP-ZZZZZZZZ"})
    assert typed.status_code == 200 and typed.context["form"].errors["code"]
    opened = guard_client.get(url("trip_at_checkpoint", checkpoint.pk, "TRIP-ZZZZZZZZ"))
    assert opened.status_code == 404 and opened.context["form"].errors["code"]
    sent = guard_client.post(
        url("trip_at_checkpoint", checkpoint.pk, "TRIP-ZZZZZZZZ"),
        {"client_id": str(uuid.uuid4()), "direction": "in", "passengers": ["1"]},
    )
    assert sent.status_code == 404 and not Passage.objects.exists()


def test_a_guard_of_another_checkpoint_gets_404(
    outsider_guard: User, checkpoint: Checkpoint, trip: BusTrip, full_bus: dict[str, TripPassenger]
) -> None:
    client = Client()
    client.force_login(outsider_guard)
    assert client.get(url("trip_lookup", checkpoint.pk)).status_code == 404
    assert client.get(url("trip_at_checkpoint", checkpoint.pk, trip.code)).status_code == 404
    data = {
        "client_id": "6f1c1c1e-7a53-4c1a-9f0e-1d2b3c4d5e6f",
        "direction": "in",
        "passengers": [full_bus["green"].pk],
    }
    assert client.post(url("trip_at_checkpoint", checkpoint.pk, trip.code), data).status_code == 404
    assert not Passage.objects.exists()


def test_the_checkpoint_trip_page_costs_the_same_queries_for_3_and_50_passengers(
    guard_client: Client,
    checkpoint: Checkpoint,
    trip: BusTrip,
    bus_operator: User,
    full_bus: dict[str, TripPassenger],
    traveller: Traveller,
    django_assert_max_num_queries: Any,
) -> None:
    page = url("trip_at_checkpoint", checkpoint.pk, trip.code)
    with django_assert_max_num_queries(25) as few:
        guard_client.get(page)
    budget = len(few.captured_queries)
    for _ in range(30):
        person, _token = traveller("green")
        add(trip, bus_operator, person.full_name, person.id_number)
    for i in range(17):
        add(trip, bus_operator, f"Khách Số {i}", f"P{i:07d}")
    with django_assert_max_num_queries(budget):
        response = guard_client.get(page)
    assert len(response.context["rows"]) == 50
    data = {
        **form_of(guard_client, checkpoint, trip),
        "passengers": [r["passenger_id"] for r in response.context["rows"]],
    }
    with django_assert_max_num_queries(budget + 10):
        recorded = guard_client.post(page, data)
    assert len(recorded.context["recording"].passages) == 50 and Passage.objects.count() == 50


def test_merging_two_records_of_one_passenger_keeps_one_seat_and_moves_their_passages(
    bus_operator: User, trip: BusTrip, checkpoint: Checkpoint
) -> None:
    from truyvet.people.services import person_merge

    survivor, duplicate = PersonFactory(), PersonFactory()
    TripPassenger.objects.create(trip=trip, person=survivor, full_name=survivor.full_name, id_number="C0000001")
    TripPassenger.objects.create(trip=trip, person=duplicate, full_name=duplicate.full_name, id_number="C0000002")
    passage = Passage.objects.create(
        client_id=uuid.uuid4(),
        checkpoint=checkpoint,
        person=duplicate,
        direction="in",
        verdict="allow",
        scanned_at=timezone.now(),
    )
    person_merge(user=bus_operator, survivor=survivor, duplicate=duplicate)
    assert list(trip.passengers.values_list("person_id", flat=True)) == [survivor.pk]
    passage.refresh_from_db()
    assert passage.person_id == survivor.pk
