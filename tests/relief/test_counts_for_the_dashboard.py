"""The counts the operations dashboard and the steering committee's daily report read:
help requests by status and type (for a day, for some wards), by ward, and volunteers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from relief.models import HelpKind, HelpRequest, HelpStatus
from relief.selectors import sos_counts, sos_counts_by_ward, volunteer_counts
from tests.factories import home_ward
from tests.relief.conftest import make_request, make_volunteer
from truyvet.accounts.jurisdiction import jurisdiction_wards
from truyvet.accounts.models import User

pytestmark = pytest.mark.django_db


def received(sos: HelpRequest, days_ago: int) -> None:
    HelpRequest.objects.filter(pk=sos.pk).update(created_at=timezone.now() - timedelta(days=days_ago))


@pytest.fixture
def requests(db: None) -> None:
    make_request(kind="food")
    make_request(kind="food", status=HelpStatus.DONE)
    make_request(kind="oxygen", status=HelpStatus.IN_PROGRESS, ward=home_ward(1))
    received(make_request(kind="rescue"), days_ago=3)


@pytest.mark.usefixtures("requests")
def test_requests_are_counted_by_status_and_type_with_every_key_present() -> None:
    counts = sos_counts()

    assert counts["total"] == 4 and counts["open"] == 3
    assert counts["by_status"] == {"new": 2, "assigned": 0, "in_progress": 1, "done": 1, "duplicate": 0}
    assert counts["by_type"] == dict.fromkeys(HelpKind.values, 0) | {"food": 2, "oxygen": 1, "rescue": 1}


@pytest.mark.usefixtures("requests")
def test_a_day_counts_the_requests_received_that_local_day() -> None:
    today = sos_counts(day=timezone.localdate())
    three_days_ago = sos_counts(day=timezone.localdate() - timedelta(days=3))

    assert (today["total"], three_days_ago["total"]) == (3, 1)
    assert three_days_ago["by_type"]["rescue"] == 1


@pytest.mark.usefixtures("requests")
def test_wards_limit_the_counts_as_codes_or_as_a_jurisdiction(insider: User) -> None:
    assert sos_counts(wards=[home_ward(1).code])["total"] == 1
    assert sos_counts(wards=jurisdiction_wards(insider))["total"] == 3
    assert sos_counts(wards=[])["total"] == 0


@pytest.mark.usefixtures("requests")
def test_counts_by_ward_list_each_ward_with_requests() -> None:
    rows = {row["ward_code"]: row for row in sos_counts_by_ward(timezone.localdate())}

    assert set(rows) == {home_ward(0).code, home_ward(1).code}
    a = rows[home_ward(0).code]
    assert (a["ward_name"], a["total"], a["open"]) == (home_ward(0).name, 2, 1)
    assert a["by_status"]["done"] == 1 and a["by_type"]["food"] == 2
    assert rows[home_ward(1).code]["by_status"]["in_progress"] == 1
    assert [r["ward_code"] for r in sos_counts_by_ward(None, wards=[home_ward(1).code])] == [home_ward(1).code]


def test_volunteers_are_counted_by_state_skill_and_availability() -> None:
    busy = make_volunteer("Giàng A Páo", phone="+84971000001", skills=["rescue", "motorbike"])
    make_volunteer(
        "Lò Thị Dung",
        phone="+84971000002",
        skills=["cooking"],
        availability="weekends",
        phone_confirmed_at=timezone.now(),
    )
    make_volunteer("Đặng Thị Mai", phone="+84971000003", skills=["cooking"], is_active=False)
    make_volunteer("Vàng A Chứ", phone="+84971000004", skills=["car"], wards=[home_ward(1)])
    make_request(status=HelpStatus.ASSIGNED, volunteer=busy)

    counts = volunteer_counts()
    assert (counts["active"], counts["withdrawn"], counts["phone_confirmed"], counts["on_assignment"]) == (3, 1, 1, 1)
    assert counts["by_skill"]["cooking"] == 1 and counts["by_skill"]["rescue"] == 1
    assert counts["by_availability"] == {"any_time": 2, "daytime": 0, "evenings": 0, "weekends": 1}
    assert volunteer_counts(wards=[home_ward(1).code])["active"] == 1
