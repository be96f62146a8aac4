"""Staff register and edit the facilities of their wards (the CDC everywhere), import them from
a file (all rows or none), edit checklists (the CDC, a new version each time), read a
facility's history and the statistics by ward and type."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from safetymap.models import Assessment, Checklist, Facility, FacilityType, SafetyStatus
from safetymap.selectors import statistics_by_ward_and_type
from tests.factories import home_ward
from tests.safetymap.conftest import assess, make_facility
from truyvet.accounts.models import User


def _form(ward_code: int, **extra: str) -> dict[str, str]:
    return {
        "name": "Trường Mầm non Hoa Sen",
        "type": "school",
        "ward_code": str(ward_code),
        "address": "5 Trần Phú",
        "latitude": "22,3912",
        "longitude": "103.4581",
        "capacity": "250",
        "managers": "thu",
        **extra,
    }


def test_the_station_registers_a_facility_of_its_ward_with_its_manager(insider_client: Client, manager: User) -> None:
    response = insider_client.post(reverse("safetymap:facility_new"), _form(home_ward(0).code))
    facility = Facility.objects.get()
    assert response.status_code == 302
    assert (facility.name_key, facility.capacity, str(facility.latitude)) == (
        "truong mam non hoa sen",
        250,
        "22.391200",
    )
    assert list(facility.managers.all()) == [manager]
    assert facility.status == SafetyStatus.NOT_ASSESSED


def test_a_station_cannot_register_a_facility_in_another_ward(insider_client: Client, manager: User) -> None:
    response = insider_client.post(reverse("safetymap:facility_new"), _form(home_ward(1).code))
    assert response.status_code == 400
    assert not Facility.objects.exists()


def test_the_cdc_registers_facilities_anywhere_in_the_province(cdc_client: Client, manager: User) -> None:
    assert cdc_client.post(reverse("safetymap:facility_new"), _form(home_ward(5).code)).status_code == 302


def test_an_unknown_manager_is_refused_on_its_field(insider_client: Client, db: None) -> None:
    response = insider_client.post(reverse("safetymap:facility_new"), _form(home_ward(0).code, managers="nobody"))
    assert response.status_code == 400
    assert "nobody" in response.content.decode()


def test_an_outsider_gets_404_on_a_facility_of_ward_a(outsider_client: Client, school: Facility) -> None:
    assert outsider_client.get(reverse("safetymap:history", args=[school.pk])).status_code == 404
    assert outsider_client.get(reverse("safetymap:facility_edit", args=[school.pk])).status_code == 404
    assert (
        outsider_client.post(reverse("safetymap:facility_edit", args=[school.pk]), _form(home_ward(1).code)).status_code
        == 404
    )
    assert school.name not in outsider_client.get(reverse("safetymap:facilities")).content.decode()


def test_the_station_edits_its_facility(insider_client: Client, school: Facility, manager: User) -> None:
    response = insider_client.post(
        reverse("safetymap:facility_edit", args=[school.pk]), _form(home_ward(0).code, name="Trường mới")
    )
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.name == "Trường mới"


@pytest.mark.parametrize(
    "url",
    [
        "safetymap:facilities",
        "safetymap:facility_new",
        "safetymap:facility_import",
        "safetymap:moderation",
        "safetymap:statistics",
        "safetymap:checklists",
        "safetymap:my_facilities",
    ],
)
def test_staff_pages_send_anonymous_visitors_to_sign_in(client: Client, url: str) -> None:
    response = client.get(reverse(url))
    assert response.status_code == 302 and "login" in response["Location"]


def test_staff_pages_are_closed_to_a_facility_manager_and_a_citizen(
    manager_client: Client, citizen_client: Client
) -> None:
    for c in (manager_client, citizen_client):
        assert c.get(reverse("safetymap:facilities")).status_code == 403
        assert c.get(reverse("safetymap:moderation")).status_code == 403
    assert citizen_client.get(reverse("safetymap:my_facilities")).status_code == 403


# --- Import ----------------------------------------------------------------------------------

HEADER = "Tên,Loại hình,Mã xã,Địa chỉ,Vĩ độ,Kinh độ,Sức chứa,Người quản lý\n"


def _upload(client: Client, content: bytes, name: str = "co-so.csv") -> object:
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("safetymap:facility_import"), {"file": file})


def test_a_valid_csv_registers_every_row(insider_client: Client, manager: User) -> None:
    ward = home_ward(0).code
    rows = (
        HEADER
        + f"Chợ Trung tâm,Chợ,{ward},1 Lê Lợi,22.39,103.46,300,thu\nTHCS Lê Quý Đôn,school,{ward},,22.4,103.5,,\n"
    )
    response = _upload(insider_client, rows.encode())
    assert response.status_code == 302
    assert sorted(Facility.objects.values_list("type", flat=True)) == ["market", "school"]
    assert list(Facility.objects.get(type="market").managers.all()) == [manager]


def test_a_csv_with_one_bad_row_imports_nothing_and_lists_each_refused_row(
    insider_client: Client, manager: User
) -> None:
    ward, other = home_ward(0).code, home_ward(1).code
    rows = (
        HEADER
        + f"Chợ Trung tâm,market,{ward},,22.39,103.46,,\n"
        + f"Nhà máy,factory,{other},,22.39,103.46,,\n"  # line 3: not the station's ward
        + f"Quán,bánh mì,{ward},,95,103.46,,\n"  # line 4: unknown type, latitude off
        + f",school,{ward},,22.39,103.46,,ghost\n"  # line 5: no name, unknown manager
    )
    response = _upload(insider_client, rows.encode())
    page = response.content.decode()
    assert response.status_code == 400
    assert not Facility.objects.exists()
    table = page[page.index('id="import-errors"') :]
    for line, field in [(3, "ward_code"), (4, "type"), (4, "latitude"), (5, "name"), (5, "managers")]:
        assert f"<td>{line}</td><td><code>{field}</code>" in table
    assert "<td>2</td>" not in table


def test_an_xlsx_file_is_read_as_well(insider_client: Client, db: None) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Danh sách cơ sở"])
    sheet.append(["name", "type", "ward_code", "latitude", "longitude"])
    sheet.append(["Bến xe Lai Châu", "transport", home_ward(0).code, 22.39, 103.46])
    out = io.BytesIO()
    book.save(out)
    assert _upload(insider_client, out.getvalue(), "co-so.xlsx").status_code == 302
    assert Facility.objects.get().type == FacilityType.TRANSPORT


def test_a_file_without_headings_or_of_another_kind_is_refused(insider_client: Client, db: None) -> None:
    assert _upload(insider_client, b"a,b,c\n1,2,3\n").status_code == 400
    assert _upload(insider_client, b"GIF89a", "x.gif").status_code == 400
    assert _upload(insider_client, b"PK\x03\x04broken", "x.xlsx").status_code == 400
    assert not Facility.objects.exists()


def test_the_import_template_downloads_as_csv_and_xlsx(insider_client: Client) -> None:
    assert insider_client.get(reverse("safetymap:import_template", args=["csv"])).status_code == 200
    response = insider_client.get(reverse("safetymap:import_template", args=["xlsx"]))
    assert load_workbook(io.BytesIO(response.content)).active is not None


# --- Checklists ------------------------------------------------------------------------------


def test_the_cdc_edits_a_checklist_as_a_new_version_and_old_assessments_keep_theirs(
    cdc_client: Client, school: Facility, manager: User
) -> None:
    assess(school, manager)
    first = Assessment.objects.get()
    data = {"text_0": "Đeo khẩu trang", "points_0": "50", "critical_0": "on", "text_1": "Rửa tay", "points_1": "50"}
    assert cdc_client.post(reverse("safetymap:checklist_edit", args=["school"]), data).status_code == 302
    versions = list(Checklist.objects.filter(type="school").order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert [c.text for c in versions[1].criteria.all()] == ["Đeo khẩu trang", "Rửa tay"]
    first.refresh_from_db()
    assert first.checklist_id == versions[0].pk
    assert len(versions[0].criteria.all()) == 10
    assess(school, manager, failing=["Rửa tay"])
    assert Assessment.objects.order_by("-pk").first().checklist_id == versions[1].pk  # type: ignore[union-attr]


def test_only_the_cdc_edits_checklists(insider_client: Client, cdc_client: Client) -> None:
    page = insider_client.get(reverse("safetymap:checklists"))
    assert page.status_code == 200, "a station reads the checklists it moderates against"
    edit = reverse("safetymap:checklist_edit", args=["school"])
    assert edit not in page.content.decode()
    assert edit in cdc_client.get(reverse("safetymap:checklists")).content.decode()
    assert insider_client.get(edit).status_code == 403
    assert insider_client.post(reverse("safetymap:checklist_edit", args=["school"]), {"text_0": "x"}).status_code == 403


# --- History and statistics -------------------------------------------------------------------


def test_a_facility_s_history_lists_its_assessments_with_the_criteria_not_met(
    insider_client: Client, manager_client: Client, school: Facility, manager: User
) -> None:
    assess(school, manager, failing=["Đo thân nhiệt"])
    page = insider_client.get(reverse("safetymap:history", args=[school.pk])).content.decode()
    assert "Đo thân nhiệt người ra vào" in page
    assert manager_client.get(reverse("safetymap:history", args=[school.pk])).status_code == 200


def test_statistics_count_safe_not_assessed_and_open_reports_by_ward_and_type(
    insider_client: Client, school: Facility, manager: User, market: Facility
) -> None:
    from safetymap.services import report_submit

    make_facility("Trường thứ hai", managers=[manager])
    assess(school, manager)
    report_submit(facility=school, text="x")
    page = insider_client.get(reverse("safetymap:statistics")).content.decode()
    assert "1 (50,0%)" in page or "1 (50.0%)" in page
    assert "Chợ Thử" not in page  # the market is in ward B
    (row,) = statistics_by_ward_and_type(User.objects.get(username="insider"))
    assert (row["total"], row["safe"], row["not_assessed"], row["reports_open"]) == (2, 1, 1, 1)
    csv = b"".join(insider_client.get(reverse("safetymap:statistics_export", args=["csv"])).streaming_content)
    assert b"school,2,1,50.0,1,50.0,1" in csv
    xlsx = insider_client.get(reverse("safetymap:statistics_export", args=["xlsx"]))
    assert xlsx.status_code == 200


def test_the_facility_list_pages_by_name_and_the_next_page_starts_after_the_last_row(
    insider_client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safetymap import staff_views

    monkeypatch.setattr(staff_views, "PAGE_SIZE", 2)
    # Two facilities share a name: the id breaks the tie, so neither is skipped nor shown twice.
    for name in ("Chợ An", "Chợ Bình", "Chợ Bình", "Chợ Cầu", "Chợ Đông"):
        make_facility(name)
    seen: list[str] = []
    url = reverse("safetymap:facilities")
    for _page in range(5):
        response = insider_client.get(url)
        assert response.status_code == 200
        seen += [f.name for f, _status in response.context["rows"]]
        assert response.context["total"] == 5
        if not response.context["cursor"]:
            break
        url = reverse("safetymap:facilities") + "?after=" + response.context["cursor"]
    assert seen == ["Chợ An", "Chợ Bình", "Chợ Bình", "Chợ Cầu", "Chợ Đông"]


def test_a_cursor_that_does_not_parse_shows_the_first_page(insider_client: Client, db: None) -> None:
    make_facility("Chợ An")
    response = insider_client.get(reverse("safetymap:facilities") + "?after=nonsense")
    assert response.status_code == 200
    assert [f.name for f, _status in response.context["rows"]] == ["Chợ An"]
