"""The public operations page and the directives: open to anyone, aggregate only (nobody
named), each figure with its date and source; the directives searched without accents and
downloaded as PDFs."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.models import Source
from operations.models import Agency, LabDailyCount, WardProfile
from operations.services import directive_save
from tests.factories import CaseFactory, PersonFactory, home_ward
from tests.operations.conftest import pdf_upload
from truyvet.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def directives(clerk: User, steering: Agency) -> None:
    for number, title, summary in [
        ("15/CT-UBND", "Chỉ thị về tăng cường phòng, chống dịch COVID-19", "Khai báo y tế bắt buộc."),
        ("2150/KH-BCĐ", "Kế hoạch xét nghiệm diện rộng", "Xét nghiệm nhanh tại các xã cấp độ 3 và 4."),
    ]:
        directive_save(user=clerk, agency=steering, number=number, issued_on=date(2026, 11, 2), issuer="UBND tỉnh",
                       title=title, summary=summary, pdf=pdf_upload())  # fmt: skip


def test_anyone_sees_the_page_with_dated_sourced_figures_and_no_name(client: Client) -> None:
    person = PersonFactory(full_name="Nguyễn Thị Bí Mật", ward=home_ward(0))
    CaseFactory(person=person, source=Source.LOCAL)
    WardProfile.objects.create(ward=home_ward(0), population=5_000)
    page = client.get(reverse("operations:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bí Mật" not in html
    assert "Nguồn: dữ liệu truy vết của tỉnh" in html
    assert timezone.localdate().strftime("%d/%m/%Y") in html
    rows = {r.ward.code: r for r in page.context["rows"]}
    assert rows[home_ward(0).code].today.new_community == 1
    assert rows[home_ward(0).code].today.level == 2  # 1 case among 5,000: 20 per 100,000
    embedded = html.split('id="chart-data" type="application/json">')[1].split("</script>")[0]
    chart = json.loads(embedded)
    assert chart["days"][-1] == timezone.localdate().isoformat() and chart["community"][-1] == 1


def test_the_vaccination_panel_says_so_when_nothing_is_recorded(client: Client) -> None:
    html = client.get(reverse("operations:index")).content.decode()
    assert "Chưa có mũi tiêm và dân số mục tiêu nào được ghi nhận" in html


def test_the_testing_panel_shows_the_laboratories_counts(client: Client, laboratory: Agency) -> None:
    LabDailyCount.objects.create(agency=laboratory, day=timezone.localdate(), tests=612, positives=9)
    html = client.get(reverse("operations:index")).content.decode()
    assert "Khoa Xét nghiệm CDC" in html and "612" in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("chi thi 15", ["15/CT-UBND"]),
        ("PHONG CHONG DICH", ["15/CT-UBND"]),
        ("xét nghiệm", ["2150/KH-BCĐ"]),
        ("khai bao", ["15/CT-UBND"]),
        ("2150", ["2150/KH-BCĐ"]),
        ("", ["15/CT-UBND", "2150/KH-BCĐ"]),
        ("vaccine", []),
    ],
)
def test_directives_are_found_by_number_title_or_summary_without_accents(
    client: Client, directives: None, query: str, found: list[str]
) -> None:
    page = client.get(reverse("operations:directives"), {"q": query})
    assert sorted(d.number for d in page.context["page"]) == sorted(found)


def test_a_directive_downloads_as_its_pdf(client: Client, directives: None) -> None:
    first = client.get(reverse("operations:directives")).context["page"][0]
    answer = client.get(reverse("operations:directive_pdf", args=[first.pk]))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert b"".join(answer.streaming_content).startswith(b"%PDF-")
    assert client.get(reverse("operations:directive_pdf", args=[99999])).status_code == 404


def test_the_directive_list_and_download_are_public(client: Client, directives: None) -> None:
    assert client.get(reverse("operations:directives")).status_code == 200
    assert client.post(reverse("operations:index")).status_code == 405


def test_the_page_takes_f1_f2_and_tests_from_todays_stored_rows_and_counts_cases_live(client: Client) -> None:
    from operations.models import WardDay
    from operations.tasks import compute_ward_days

    WardProfile.objects.create(ward=home_ward(0), population=5_000)
    compute_ward_days()
    WardDay.objects.filter(day=timezone.localdate(), ward=home_ward(0)).update(f1_active=41, f2_active=97)
    CaseFactory(person=PersonFactory(ward=home_ward(0)), source=Source.LOCAL)  # after the stored run
    page = client.get(reverse("operations:index"))
    row = {r.ward.code: r for r in page.context["rows"]}[home_ward(0).code].today
    assert (row.f1_active, row.f2_active) == (41, 97)  # as stored at the last run
    assert row.new_community == 1 and row.level == 2  # the case counted live
    assert "F1/F2 và xét nghiệm tính đến" in page.content.decode()
