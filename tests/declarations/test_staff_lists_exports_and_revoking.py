from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from declarations.models import Declaration
from declarations.services import Answers, PersonInput, declaration_submit
from tests.factories import PersonFactory, home_ward
from truyvet.accounts.models import User
from truyvet.credentials.models import QrCredential
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db


def declare(ward_index: int = 0, **person: Any) -> Declaration:
    defaults = {"full_name": "Nguyễn Văn Bình", "date_of_birth": None, "gender": "male", "id_number": "012090000001"}
    defaults.update(person)
    data = PersonInput(ward_code=home_ward(ward_index).code, **defaults)  # type: ignore[arg-type]
    return declaration_submit(kind="daily", person=data, answers=Answers(symptoms=["cough"])).declaration


@pytest.fixture
def mine() -> Declaration:
    return declare(0, full_name="Đặng Thị Hoa", id_number="012190000002", gender="female", phone="0912000002")


@pytest.fixture
def theirs() -> Declaration:
    return declare(1, full_name="Sùng A Chư", id_number="012090000003", phone="0912000003")


def test_an_insider_lists_the_declarations_of_their_ward_only(
    insider_client: Client, mine: Declaration, theirs: Declaration
) -> None:
    page = insider_client.get(reverse("declarations:staff_list")).content.decode()
    assert "Đặng Thị Hoa" in page and "Sùng A Chư" not in page
    assert AuditEvent.objects.filter(action="declaration.list").count() == 1


def test_an_outsider_gets_404_on_a_declaration_of_another_ward(outsider_client: Client, mine: Declaration) -> None:
    assert outsider_client.get(reverse("declarations:staff_detail", args=[mine.pk])).status_code == 404


def test_the_detail_page_shows_the_person_and_is_audited(
    insider_client: Client, insider: Any, mine: Declaration
) -> None:
    page = insider_client.get(reverse("declarations:staff_detail", args=[mine.pk])).content.decode()
    assert "012190000002" in page and "Ho" in page
    assert AuditEvent.objects.filter(action="declaration.view", actor=insider, person_id=mine.person_id).count() == 1


@pytest.mark.parametrize("name", ["declarations:staff_list", "declarations:staff_stats"])
def test_anonymous_visitors_are_sent_to_sign_in_and_other_roles_get_403(
    client: Client, name: str, venue_owner: User
) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(venue_owner)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [({"q": "012190000002"}, 1), ({"q": "0912 000 002"}, 1), ({"q": "dang thi"}, 1), ({"q": "khác"}, 0),
     ({"risk_level": "yellow"}, 1), ({"risk_level": "red"}, 0), ({"kind": "entry"}, 0)],
)  # fmt: skip
def test_filters_and_search_find_the_declaration(
    insider_client: Client, mine: Declaration, query: dict, expected: int
) -> None:
    page = insider_client.get(reverse("declarations:staff_list"), query).content.decode()
    assert page.count("Đặng Thị Hoa") == expected


def test_older_pages_follow_without_repeating_rows(insider_client: Client, insider: Any) -> None:
    people = [PersonFactory(ward=home_ward(0)) for _ in range(60)]
    now = timezone.now()
    Declaration.objects.bulk_create(
        [Declaration(kind="daily", person=p, ward=p.ward, risk_level="green") for p in people]
    )
    Declaration.objects.update(created_at=now)  # ties on time are broken by id
    first = insider_client.get(reverse("declarations:staff_list"))
    ids_first = [r.pk for r in first.context["rows"]]
    second = insider_client.get(reverse("declarations:staff_list"), {"before": first.context["cursor"]})
    ids_second = [r.pk for r in second.context["rows"]]
    assert len(ids_first) == 50 and len(ids_second) == 10 and not set(ids_first) & set(ids_second)
    assert second.context["cursor"] == ""


def test_the_list_takes_a_fixed_number_of_queries(insider_client: Client, django_assert_max_num_queries: Any) -> None:
    people = [PersonFactory(ward=home_ward(0)) for _ in range(30)]
    Declaration.objects.bulk_create(
        [
            Declaration(kind="daily", person=p, ward=p.ward, risk_level="yellow", risk_reasons=["symptoms"])
            for p in people
        ]
    )
    with django_assert_max_num_queries(10):
        insider_client.get(reverse("declarations:staff_list"))


def test_exports_hold_only_the_users_wards(insider_client: Client, mine: Declaration, theirs: Declaration) -> None:
    response = insider_client.get(reverse("declarations:staff_export", args=["csv"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["id", "declared_at", "kind"] and len(rows) == 2 and rows[1][5] == "Đặng Thị Hoa"
    workbook = openpyxl.load_workbook(
        io.BytesIO(insider_client.get(reverse("declarations:staff_export", args=["xlsx"])).content)
    )
    values = list(workbook.active.values)
    assert len(values) == 2 and values[1][5] == "Đặng Thị Hoa"
    assert insider_client.get("/declarations/staff/export.pdf").status_code == 404
    assert AuditEvent.objects.filter(action="declaration.export").count() == 2


def test_daily_statistics_count_by_ward_and_kind(
    insider_client: Client, mine: Declaration, theirs: Declaration
) -> None:
    response = insider_client.get(reverse("declarations:staff_stats"))
    rows = response.context["rows"]
    assert len(rows) == 1 and rows[0]["total"] == 1 and rows[0]["yellow"] == 1
    csv_text = b"".join(insider_client.get(reverse("declarations:staff_stats"), {"format": "csv"}).streaming_content)
    assert "Đặng" not in csv_text.decode("utf-8-sig")  # counts only, no names


def test_revoking_a_qr_is_for_insiders_only(insider_client: Client, outsider_client: Client, mine: Declaration) -> None:
    url = reverse("declarations:staff_qr_revoke", args=[mine.person_id])
    assert outsider_client.post(url).status_code == 404
    assert QrCredential.objects.get(person_id=mine.person_id).revoked_at is None
    assert insider_client.post(url).status_code == 302
    assert QrCredential.objects.get(person_id=mine.person_id).revoked_at is not None


def test_a_yesterday_declaration_is_outside_todays_filter(insider_client: Client, mine: Declaration) -> None:
    Declaration.objects.filter(pk=mine.pk).update(created_at=timezone.now() - timedelta(days=1))
    today = timezone.localdate().isoformat()
    page = insider_client.get(reverse("declarations:staff_list"), {"date_from": today}).content.decode()
    assert "Đặng Thị Hoa" not in page


def test_revoking_never_redirects_to_another_site(insider_client: Client, mine: Declaration) -> None:
    url = reverse("declarations:staff_qr_revoke", args=[mine.person_id])
    response = insider_client.post(url, {"next": "https://evil.example/phish"})
    assert response.status_code == 302 and response["Location"] == reverse("declarations:staff_list")
