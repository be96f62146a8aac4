"""Health staff's venue reports and the audited visitors list (venues/report_views.py)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import HealthUnitFactory, PersonFactory, UserFactory, VenueFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person
from truyvet.people.normalize import masked_phone
from venues.models import CheckIn, Venue

pytestmark = pytest.mark.django_db


def make_venue(
    ward_index: int, name: str, *, category: str = "market", age_days: int = 30, active: bool = True
) -> Venue:
    venue = VenueFactory(
        owned=True,
        name=name,
        category=category,
        address="Số 1",
        ward=home_ward(ward_index),
        is_active=active,
    )
    Venue.objects.filter(pk=venue.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    venue.refresh_from_db()
    return venue


def visit(venue: Venue, *times: datetime, person: Person | None = None) -> list[CheckIn]:
    """Check-ins at these times, each by a new person unless one is given (one INSERT)."""
    return CheckIn.objects.bulk_create(
        [
            CheckIn(
                venue=venue,
                person=person or PersonFactory(full_name=f"Khách {venue.name} {i}"),
                client_id=uuid.uuid4(),
                checked_in_at=at,
                ends_at=at + timedelta(hours=1),
            )
            for i, at in enumerate(times)
        ]
    )


def hours_ago(*hours: float) -> list[datetime]:
    now = timezone.now()
    return [now - timedelta(hours=h) for h in hours]


def earlier_today(count: int) -> list[datetime]:
    """``count`` distinct times between the local midnight and now, whatever the hour."""
    now = timezone.now()
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    return [now - (now - midnight) * i / count for i in range(count)]


@pytest.fixture
def venues() -> dict[str, Venue]:
    """Two venues in the insider's ward (one busy, one idle) and one in the outsider's."""
    busy = make_venue(0, "Chợ A")
    idle = make_venue(0, "Quán vắng", category="restaurant")
    other = make_venue(1, "Chợ B")
    visit(busy, *earlier_today(3))
    visit(other, *earlier_today(2))
    return {"busy": busy, "idle": idle, "other": other}


def report(client: Client, **params: str) -> Any:
    response = client.get(reverse("venues:reports"), params)
    assert response.status_code == 200
    return response.context


def csv_rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def export(client: Client, fmt: str, **params: str) -> Any:
    return client.get(reverse("venues:reports_export", args=[fmt]), params)


# The reports page


def test_an_insider_sees_the_counts_of_their_ward_and_not_of_the_others(
    insider_client: Client, venues: dict[str, Venue]
) -> None:
    context = report(insider_client)
    assert {r["venue__ward__code"] for r in context["checkins"]} == {home_ward(0).code}
    assert sum(r["checkins"] for r in context["checkins"]) == 3
    assert {(r["category"], r["total"]) for r in context["venues"]} == {("market", 1), ("restaurant", 1)}
    assert [v.name for v in context["idle"]] == ["Quán vắng"]
    page = insider_client.get(reverse("venues:reports")).content.decode()
    assert "Quán vắng" in page and "Chợ B" not in page


def test_an_outsider_sees_only_their_own_ward(outsider_client: Client, venues: dict[str, Venue]) -> None:
    context = report(outsider_client)
    assert sum(r["checkins"] for r in context["checkins"]) == 2
    assert [(r["ward__code"], r["total"]) for r in context["venues"]] == [(home_ward(1).code, 1)]
    assert context["idle"] == []


def test_the_province_cdc_sees_every_ward_of_the_province(cdc_client: Client, venues: dict[str, Venue]) -> None:
    context = report(cdc_client)
    assert sum(r["checkins"] for r in context["checkins"]) == 5
    assert sum(r["total"] for r in context["venues"]) == 3


def test_a_health_staff_user_without_a_unit_sees_nothing(client: Client, venues: dict[str, Venue]) -> None:
    client.force_login(UserFactory(role=Role.HEALTH_CENTRE))
    context = report(client)
    assert context["checkins"] == [] and context["venues"] == [] and context["idle"] == []


def test_venues_are_counted_per_ward_and_category_with_the_active_ones_apart(insider_client: Client) -> None:
    make_venue(0, "Chợ 1")
    make_venue(0, "Chợ 2")
    make_venue(0, "Chợ cũ", active=False)
    make_venue(0, "Trường", category="school")
    rows = {r["category"]: (r["total"], r["active"]) for r in report(insider_client)["venues"]}
    assert rows == {"market": (3, 2), "school": (1, 1)}


def test_check_ins_are_counted_per_local_day_not_per_utc_day(insider_client: Client) -> None:
    venue = make_venue(0, "Chợ đêm")
    day = timezone.localdate() - timedelta(days=2)
    late = timezone.make_aware(datetime.combine(day, time(23, 30)))
    after_midnight = late + timedelta(hours=1)
    assert late.astimezone(UTC).date() == after_midnight.astimezone(UTC).date()  # one UTC day
    visit(venue, late, after_midnight, after_midnight)
    rows = {r["day"]: (r["checkins"], r["venues"]) for r in report(insider_client)["checkins"]}
    assert rows == {day: (1, 1), day + timedelta(days=1): (2, 1)}


def test_the_daily_table_covers_the_last_14_days_unless_a_period_is_asked(insider_client: Client) -> None:
    venue = make_venue(0, "Chợ")
    visit(venue, *hours_ago(1, 24 * 15, 24 * 20))
    context = report(insider_client)
    assert (context["date_from"], context["date_to"]) == (
        timezone.localdate() - timedelta(days=13),
        timezone.localdate(),
    )
    assert sum(r["checkins"] for r in context["checkins"]) == 1
    start = timezone.localdate() - timedelta(days=21)
    context = report(insider_client, date_from=start.isoformat(), date_to=timezone.localdate().isoformat())
    assert sum(r["checkins"] for r in context["checkins"]) == 3


def test_an_idle_venue_is_active_old_enough_and_without_a_check_in_for_seven_days(insider_client: Client) -> None:
    visit(make_venue(0, "Vắng tám ngày"), *hours_ago(24 * 8))
    visit(make_venue(0, "Có khách hôm qua"), *hours_ago(24))
    make_venue(0, "Mới mở", age_days=2)
    make_venue(0, "Đã đóng", active=False)
    make_venue(1, "Vắng ở xã khác")
    assert [v.name for v in report(insider_client)["idle"]] == ["Vắng tám ngày"]


def test_the_report_page_takes_a_fixed_number_of_queries(client: Client, django_assert_max_num_queries: Any) -> None:
    unit = HealthUnitFactory(wards=[home_ward(i) for i in range(4)])
    client.force_login(UserFactory(role=Role.HEALTH_CENTRE, health_unit=unit))
    for i in range(4):
        for n in range(3):
            visit(make_venue(i, f"Chợ {i}-{n}", category=["market", "school", "office"][n]), *hours_ago(1, 30, 80))
            make_venue(i, f"Vắng {i}-{n}")
    # session, user, health unit, then one query per table
    with django_assert_max_num_queries(6):
        context = report(client)
    assert len(context["venues"]) == 4 * 3 and len(context["idle"]) == 12 and len(context["checkins"]) == 12


# Exports


def test_the_csv_export_streams_each_table_with_a_bom_and_holds_no_other_ward(
    insider_client: Client, venues: dict[str, Venue]
) -> None:
    response = export(insider_client, "csv")
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = csv_rows(response)  # checkins by default
    assert rows[0] == ["day", "ward_code", "ward", "checkins", "venues_with_checkins"]
    assert [(r[1], r[3], r[4]) for r in rows[1:]] == [(str(home_ward(0).code), "3", "1")]
    rows = csv_rows(export(insider_client, "csv", table="venues"))
    assert rows[0] == ["ward_code", "ward", "category", "category_name", "venues", "active"]
    assert sorted(r[2] for r in rows[1:]) == ["market", "restaurant"]
    assert {r[0] for r in rows[1:]} == {str(home_ward(0).code)}
    rows = csv_rows(export(insider_client, "csv", table="idle"))
    assert [(r[1], r[2], r[3]) for r in rows[1:]] == [(venues["idle"].code, "Quán vắng", "restaurant")]


def test_the_xlsx_export_has_one_sheet_per_table_and_no_other_ward(
    insider_client: Client, venues: dict[str, Venue]
) -> None:
    response = export(insider_client, "xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["venues", "checkins", "idle"]
    checkins = list(book["checkins"].values)
    assert checkins[0][:4] == ("day", "ward_code", "ward", "checkins") and [r[3] for r in checkins[1:]] == [3]
    assert {r[0] for r in list(book["venues"].values)[1:]} == {home_ward(0).code}
    assert [r[2] for r in list(book["idle"].values)[1:]] == ["Quán vắng"]
    assert "Chợ B" not in str([list(sheet.values) for sheet in book])


def test_the_export_follows_the_asked_period(insider_client: Client) -> None:
    visit(make_venue(0, "Chợ"), *hours_ago(1, 24 * 15))
    day = (timezone.localdate() - timedelta(days=20)).isoformat()
    assert len(csv_rows(export(insider_client, "csv"))) == 2
    assert sum(int(r[3]) for r in csv_rows(export(insider_client, "csv", date_from=day))[1:]) == 2


def test_an_unknown_format_or_table_is_a_404(insider_client: Client) -> None:
    assert export(insider_client, "pdf").status_code == 404
    assert export(insider_client, "csv", table="people").status_code == 404


def test_exports_take_a_fixed_number_of_queries(
    insider_client: Client, venues: dict[str, Venue], django_assert_max_num_queries: Any
) -> None:
    for n in range(10):
        make_venue(0, f"Vắng {n}")
    with django_assert_max_num_queries(4):  # session, user, health unit, the table
        rows = csv_rows(export(insider_client, "csv", table="idle"))
    assert len(rows) == 1 + 11
    with django_assert_max_num_queries(6):
        export(insider_client, "xlsx")


# The visitors list


def test_an_insider_sees_the_visitors_with_masked_phones(insider_client: Client) -> None:
    venue = make_venue(0, "Chợ")
    person = PersonFactory(full_name="Lò Văn Páo", phone="+84912345678")
    visit(venue, *hours_ago(2), person=person)
    page = insider_client.get(reverse("venues:visitors", args=[venue.pk])).content.decode()
    assert "Lò Văn Páo" in page and "0912***678" in page
    assert "912345678" not in page and "0912345678" not in page


def test_every_view_of_the_visitors_is_one_venue_event_and_one_event_per_person_shown(
    insider_client: Client, insider: User, venues: dict[str, Venue]
) -> None:
    venue = venues["busy"]
    insider_client.get(reverse("venues:visitors", args=[venue.pk]))
    event = AuditEvent.objects.get(object_type="venues.venue")
    assert (event.actor, event.action, event.object_id) == (insider, "venue.visitors", str(venue.pk))
    assert event.detail["rows"] == 3
    seen = AuditEvent.objects.filter(action="venue.visitors", object_type="venues.checkin", actor=insider)
    checkins = CheckIn.objects.filter(venue=venue)
    assert {(e.object_id, e.person_id) for e in seen} == {(str(c.pk), c.person_id) for c in checkins}
    # a person's trail says who saw their check-in
    person_id = checkins.first().person_id  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(person_id=person_id).values_list("actor__username", flat=True).get() == "insider"


def test_the_visitors_list_covers_21_days_of_this_venue_only(insider_client: Client, venues: dict[str, Venue]) -> None:
    venue = venues["busy"]
    visit(venue, *hours_ago(24 * 20), person=PersonFactory(full_name="Khách hai mươi ngày"))
    visit(venue, *hours_ago(24 * 22), person=PersonFactory(full_name="Khách hai mươi hai ngày"))
    response = insider_client.get(reverse("venues:visitors", args=[venue.pk]))
    names = [r.full_name for r in response.context["rows"]]
    assert "Khách hai mươi ngày" in names and "Khách hai mươi hai ngày" not in names and len(names) == 4
    assert not any(name.startswith("Khách Chợ B") for name in names)


def test_the_visitors_list_shows_100_per_page_and_audits_only_the_page_shown(
    insider_client: Client, django_assert_max_num_queries: Any
) -> None:
    venue = make_venue(0, "Siêu thị", category="supermarket")
    now = timezone.now()
    visit(venue, *(now - timedelta(minutes=m) for m in range(105)))
    url = reverse("venues:visitors", args=[venue.pk])
    # session, user, health unit, venue, count, page, the venue event, the people's events
    with django_assert_max_num_queries(8):
        first = insider_client.get(url)
    assert len(first.context["rows"]) == 100 and 'rel="next"' in first.content.decode()
    second = insider_client.get(url, {"page": 2})
    assert len(second.context["rows"]) == 5
    assert AuditEvent.objects.filter(object_type="venues.checkin").count() == 105
    assert sorted(e.detail["rows"] for e in AuditEvent.objects.filter(object_type="venues.venue")) == [5, 100]


def test_the_visitors_list_takes_the_same_queries_for_3_or_100_visitors(
    insider_client: Client, django_assert_num_queries: Any
) -> None:
    few, many = make_venue(0, "Quán nhỏ"), make_venue(0, "Chợ lớn")
    visit(few, *hours_ago(1, 2, 3))
    visit(many, *hours_ago(*range(1, 101)))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        insider_client.get(reverse("venues:visitors", args=[few.pk]))
    with django_assert_num_queries(len(small)):
        insider_client.get(reverse("venues:visitors", args=[many.pk]))


def test_an_outsider_gets_a_404_for_the_visitors_of_another_ward_and_nothing_is_logged(
    outsider_client: Client, venues: dict[str, Venue]
) -> None:
    assert outsider_client.get(reverse("venues:visitors", args=[venues["busy"].pk])).status_code == 404
    assert outsider_client.get(reverse("venues:visitors", args=[999_999])).status_code == 404
    assert not AuditEvent.objects.filter(action="venue.visitors").exists()


def test_an_administrator_sees_the_visitors_of_any_ward(client: Client, venues: dict[str, Venue]) -> None:
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))
    assert client.get(reverse("venues:visitors", args=[venues["other"].pk])).status_code == 200


# Who may open these pages


@pytest.mark.parametrize("role", [Role.VENUE_OWNER, Role.CHECKPOINT_STAFF, Role.CITIZEN])
def test_other_roles_get_a_403_even_the_venues_own_owner(client: Client, venues: dict[str, Venue], role: str) -> None:
    user = venues["busy"].owner if role == Role.VENUE_OWNER else UserFactory(role=role)
    client.force_login(user)
    assert client.get(reverse("venues:reports")).status_code == 403
    assert export(client, "csv").status_code == 403
    assert export(client, "xlsx").status_code == 403
    assert client.get(reverse("venues:visitors", args=[venues["busy"].pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="venue.visitors").exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client, venues: dict[str, Venue]) -> None:
    for url in (
        reverse("venues:reports"),
        reverse("venues:reports_export", args=["csv"]),
        reverse("venues:visitors", args=[venues["busy"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("+84912345678", "0912***678"), ("0387654321", "0387***321"), ("", ""), ("+8412", "***")],
)
def test_a_phone_is_masked_to_its_first_four_and_last_three_digits(phone: str, masked: str) -> None:
    assert masked_phone(phone) == masked


def test_unreadable_dates_fall_back_to_the_last_14_days(insider_client: Client) -> None:
    context = report(insider_client, date_from="hôm qua", date_to="2026-13-45")
    assert context["date_to"] == timezone.localdate()
    assert context["date_from"] == timezone.localdate() - timedelta(days=13)
    assert export(insider_client, "csv", date_from="x").status_code == 200


def test_a_page_number_past_the_end_shows_the_last_page(insider_client: Client, venues: dict[str, Venue]) -> None:
    response = insider_client.get(reverse("venues:visitors", args=[venues["busy"].pk]), {"page": "99"})
    assert response.status_code == 200 and len(response.context["rows"]) == 3
