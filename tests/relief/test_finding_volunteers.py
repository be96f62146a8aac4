"""Staff find volunteers by name (without accents), phone, skill, ward and availability, and
assign one from the search to a help request."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from relief.models import HelpStatus
from tests.factories import home_ward
from tests.relief.conftest import make_request, make_volunteer

pytestmark = pytest.mark.django_db

ROSTER = reverse("relief:roster")


def names(client: Client, query: str = "") -> list[str]:
    response = client.get(ROSTER + query)
    assert response.status_code == 200
    return [v.full_name for v in response.context["rows"]]


@pytest.fixture
def people(db: None) -> None:
    make_volunteer("Đặng Văn Hải", phone="+84971000001", skills=["car", "first_aid"], availability="evenings")
    make_volunteer("Lò Thị Dung", phone="+84971000002", skills=["cooking"], availability="weekends")
    make_volunteer("Giàng A Páo", phone="+84971000003", skills=["rescue"], wards=[home_ward(0), home_ward(1)])
    make_volunteer("Đặng Thị Mai", phone="+84971000004", skills=["cooking"], is_active=False)


@pytest.mark.usefixtures("people")
def test_names_are_found_without_accents_or_case(cdc_client: Client) -> None:
    assert names(cdc_client, "?q=dang") == ["Đặng Văn Hải"]  # the withdrawn one is not listed
    assert names(cdc_client, "?q=ĐẶNG VĂN") == ["Đặng Văn Hải"]
    assert names(cdc_client, "?q=pao") == ["Giàng A Páo"]


@pytest.mark.usefixtures("people")
def test_a_phone_number_finds_its_volunteer(cdc_client: Client) -> None:
    assert names(cdc_client, "?q=0971 000 002") == ["Lò Thị Dung"]


@pytest.mark.usefixtures("people")
def test_skill_ward_and_availability_narrow_the_search(cdc_client: Client) -> None:
    assert names(cdc_client, "?skill=cooking") == ["Lò Thị Dung"]
    assert names(cdc_client, f"?ward={home_ward(1).code}") == ["Giàng A Páo"]
    assert names(cdc_client, "?availability=evenings&skill=car") == ["Đặng Văn Hải"]
    assert names(cdc_client, "?availability=weekends&skill=car") == []


def test_a_volunteer_found_for_a_request_is_assigned_from_the_search(insider_client: Client) -> None:
    sos = make_request()
    hai = make_volunteer("Đặng Văn Hải", phone="+84971000001", skills=["car"])

    page = insider_client.get(ROSTER + f"?for={sos.pk}&skill=car")
    assert page.context["sos"] == sos
    assert f"Phân công cho yêu cầu số {sos.pk}" in page.content.decode()
    insider_client.post(reverse("relief:staff_assign", args=[sos.pk]), {"volunteer": hai.pk})

    sos.refresh_from_db()
    assert (sos.status, sos.volunteer) == (HelpStatus.ASSIGNED, hai)


def test_the_request_page_offers_the_volunteers_of_its_ward_first_and_marks_the_busy(insider_client: Client) -> None:
    sos = make_request()
    near = make_volunteer("Lò Thị Dung", phone="+84971000002", wards=[home_ward(0)])
    busy = make_volunteer("Giàng A Páo", phone="+84971000003", wards=[home_ward(0)])
    make_request(status=HelpStatus.ASSIGNED, volunteer=busy)

    form = insider_client.get(reverse("relief:staff_detail", args=[sos.pk])).context["assign_form"]

    (here_label, here), *_rest = [c for c in form.fields["volunteer"].widget.choices if isinstance(c[1], list)]
    assert here_label == "Ở xã, phường này"
    assert [pk for pk, _label in here] == [str(near.pk), str(busy.pk)]
    assert "đang bận" in here[1][1]
