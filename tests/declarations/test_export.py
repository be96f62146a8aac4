"""CSV and XLSX exports of the staff declaration list: same scope and filters as the list,
files that Excel and the csv module read back, a row cap, and one audit event each."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import openpyxl
import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from declarations.models import Declaration
from tests.factories import PersonFactory, home_ward
from truyvet.accounts.models import User
from truyvet.lib import export
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db

HEADER = ["id", "declared_at", "kind", "risk_level", "reasons", "full_name", "id_number", "passport", "phone", "ward"]


def declare(person: Person, **fields: Any) -> Declaration:
    values: dict[str, Any] = {"kind": "daily", "risk_level": "green", "risk_reasons": []}
    values.update(fields)
    return Declaration.objects.create(person=person, ward=person.ward, **values)


def csv_rows(client: Client, **query: Any) -> list[list[str]]:
    response = client.get(reverse("declarations:staff_export", args=["csv"]), query)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(client: Client, **query: Any) -> list[tuple[Any, ...]]:
    response = client.get(reverse("declarations:staff_export", args=["xlsx"]), query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return [tuple(row) for row in workbook.active.iter_rows(values_only=True)]


@pytest.fixture
def hoa() -> Person:
    return PersonFactory(full_name="Đặng Thị Hoa", id_number="012190000002", phone="+84912000002", ward=home_ward(0))


@pytest.fixture
def mine(hoa: Person) -> Declaration:
    return declare(hoa, risk_level="yellow", risk_reasons=["case_contact", "symptoms"], symptoms=["cough"])


@pytest.fixture
def foreigner() -> Declaration:
    john = PersonFactory(full_name="John Smith", id_number=None, passport_number="C1234567", nationality="US", phone="")
    return declare(john, kind="entry", risk_level="green")


@pytest.fixture
def theirs() -> Declaration:
    chu = PersonFactory(full_name="Sùng A Chư", id_number="012090000003", ward=home_ward(1))
    return declare(chu, risk_level="red", risk_reasons=["current_case"])


def test_the_csv_holds_every_column_in_vietnamese_and_local_time(
    insider_client: Client, mine: Declaration, foreigner: Declaration
) -> None:
    rows = csv_rows(insider_client)
    assert rows[0] == HEADER
    by_name = {row[5]: row for row in rows[1:]}
    assert set(by_name) == {"Đặng Thị Hoa", "John Smith"}
    hoa = by_name["Đặng Thị Hoa"]
    assert hoa[0] == str(mine.pk)
    declared_at = datetime.fromisoformat(hoa[1])
    assert declared_at.utcoffset() == timedelta(hours=7)  # Asia/Ho_Chi_Minh, not UTC
    assert abs(declared_at - mine.created_at) < timedelta(seconds=1)
    assert hoa[2:] == ["daily", "yellow", "case_contact symptoms", "Đặng Thị Hoa", "012190000002", "", "+84912000002",
                       home_ward(0).name]  # fmt: skip
    assert by_name["John Smith"][2] == "entry" and by_name["John Smith"][6:9] == ["", "C1234567", ""]


def test_the_csv_is_newest_first(insider_client: Client, hoa: Person) -> None:
    older = declare(hoa)
    Declaration.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=2))
    newer = declare(hoa)
    assert [row[0] for row in csv_rows(insider_client)[1:]] == [str(newer.pk), str(older.pk)]


def test_the_xlsx_holds_the_same_rows_as_the_csv(
    insider_client: Client, mine: Declaration, foreigner: Declaration
) -> None:
    rows = xlsx_rows(insider_client)
    assert list(rows[0]) == HEADER
    as_text = [[("" if v is None else str(v)) for v in row] for row in rows[1:]]
    assert as_text == csv_rows(insider_client)[1:]


def test_exports_leave_out_the_rows_of_other_wards(
    insider_client: Client, outsider_client: Client, mine: Declaration, theirs: Declaration
) -> None:
    assert [row[5] for row in csv_rows(insider_client)[1:]] == ["Đặng Thị Hoa"]
    assert [row[5] for row in xlsx_rows(insider_client)[1:]] == ["Đặng Thị Hoa"]
    assert [row[5] for row in csv_rows(outsider_client)[1:]] == ["Sùng A Chư"]
    assert [row[5] for row in xlsx_rows(outsider_client)[1:]] == ["Sùng A Chư"]


def test_asking_for_another_wards_rows_exports_nothing(outsider_client: Client, mine: Declaration) -> None:
    assert csv_rows(outsider_client, ward=home_ward(0).code)[1:] == []
    assert csv_rows(outsider_client, q="012190000002")[1:] == []


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"risk_level": "yellow"}, ["Đặng Thị Hoa"]),
        ({"kind": "entry"}, ["John Smith"]),
        ({"q": "dang thi"}, ["Đặng Thị Hoa"]),
        ({"q": "012190000002"}, ["Đặng Thị Hoa"]),
        ({"q": "0912 000 002"}, ["Đặng Thị Hoa"]),
        ({"q": "C1234567"}, ["John Smith"]),
        ({"date_to": "2000-01-01"}, []),
    ],
)
def test_exports_apply_the_same_filters_as_the_list(
    insider_client: Client, mine: Declaration, foreigner: Declaration, query: dict[str, str], names: list[str]
) -> None:
    assert [row[5] for row in csv_rows(insider_client, **query)[1:]] == names
    assert [row[5] for row in xlsx_rows(insider_client, **query)[1:]] == names
    listed = insider_client.get(reverse("declarations:staff_list"), query).context["rows"]
    assert [d.person.full_name for d in listed] == names


def test_the_list_links_to_exports_that_keep_its_filters(insider_client: Client, mine: Declaration) -> None:
    page = insider_client.get(reverse("declarations:staff_list"), {"risk_level": "yellow"}).content.decode()
    assert reverse("declarations:staff_export", args=["csv"]) + "?" in page
    assert "risk_level=yellow" in page.split(reverse("declarations:staff_export", args=["xlsx"]))[1][:200]


def test_exports_are_named_attachments(insider_client: Client, mine: Declaration) -> None:
    for fmt in ("csv", "xlsx"):
        response = insider_client.get(reverse("declarations:staff_export", args=[fmt]))
        disposition = response["Content-Disposition"]
        assert disposition.startswith('attachment; filename="to-khai-') and disposition.endswith(f'.{fmt}"')


@pytest.mark.parametrize("fmt", ["pdf", "CSV", "xls", "json"])
def test_an_unknown_format_is_404_and_not_audited(insider_client: Client, fmt: str) -> None:
    assert insider_client.get(reverse("declarations:staff_export", args=[fmt])).status_code == 404
    assert not AuditEvent.objects.filter(action="declaration.export").exists()


def test_each_export_writes_one_audit_event_with_the_filters_and_format(
    insider_client: Client, insider: User, mine: Declaration
) -> None:
    for _ in range(3):
        declare(PersonFactory())
    csv_rows(insider_client, risk_level="yellow", q="dang")
    xlsx_rows(insider_client)
    events = list(AuditEvent.objects.filter(action="declaration.export").order_by("pk"))
    assert [(e.actor, e.detail["format"]) for e in events] == [(insider, "csv"), (insider, "xlsx")]
    assert events[0].detail["filters"] == {"risk_level": "yellow", "search": "dang"}
    assert events[1].detail["filters"] == {}
    assert AuditEvent.objects.count() == 2  # one per export, not one per row


def test_anonymous_visitors_are_sent_to_sign_in_and_other_roles_get_403(
    client: Client, mine: Declaration, venue_owner: User
) -> None:
    url = reverse("declarations:staff_export", args=["csv"])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    client.force_login(venue_owner)
    assert client.get(url).status_code == 403
    assert client.get(reverse("declarations:staff_export", args=["xlsx"])).status_code == 403
    assert not AuditEvent.objects.exists()


def test_exports_stop_at_the_row_cap(insider_client: Client, hoa: Person, monkeypatch: pytest.MonkeyPatch) -> None:
    Declaration.objects.bulk_create(
        [Declaration(kind="daily", person=hoa, ward=hoa.ward, risk_level="green") for _ in range(7)]
    )
    monkeypatch.setattr(export, "MAX_ROWS", 5)
    assert len(csv_rows(insider_client)) == 1 + 5
    assert len(xlsx_rows(insider_client)) == 1 + 5


def test_the_real_cap_is_200_000_rows() -> None:
    assert export.MAX_ROWS == 200_000


def test_an_export_takes_a_fixed_number_of_queries(insider_client: Client, django_assert_max_num_queries: Any) -> None:
    people = [PersonFactory(ward=home_ward(0)) for _ in range(40)]
    Declaration.objects.bulk_create(
        [Declaration(kind="daily", person=p, ward=p.ward, risk_level="green") for p in people]
    )
    # session, user, unit, wards of the filter form, audit insert, then the rows in one query
    with django_assert_max_num_queries(7):
        assert len(csv_rows(insider_client)) == 41
    with django_assert_max_num_queries(7):
        assert len(xlsx_rows(insider_client)) == 41


# Citizens type their own names, so an export must survive whatever they typed.


def test_a_control_character_in_a_name_does_not_break_the_xlsx() -> None:
    # Called on the helper with a plain list: through the view, the failing export would
    # leave a PostgreSQL server-side cursor open past the end of the test's transaction.
    row = [1, "2026-11-23T08:00:00+07:00", "daily", "green", "", "Nguyễn\x07 Văn An", "", "", "", ""]
    response = export.xlsx_response("x", [("declarations", HEADER, [row])])
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert list(workbook.active.iter_rows(values_only=True))[1][5] == "Nguyễn Văn An"


def test_a_name_that_looks_like_a_formula_is_exported_as_text(insider_client: Client) -> None:
    declare(PersonFactory(full_name='=hyperlink("http://example.com","bấm")'))
    assert not csv_rows(insider_client)[1][5].startswith("=")
    response = insider_client.get(reverse("declarations:staff_export", args=["xlsx"]))
    cell = openpyxl.load_workbook(io.BytesIO(response.content)).active.cell(row=2, column=6)
    assert cell.data_type == "s"
