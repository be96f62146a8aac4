"""Each role starts where its work is: ``accounts:home`` (the page after signing in, and the
portal's name in the menu) sends each role to the page ``STAFF_HOME_PAGES`` names."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.models import FollowUp
from declarations.models import Declaration, Kind
from tests.factories import CheckpointFactory, PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import HealthUnit, Role, User
from truyvet.accounts.services import alert_raise
from truyvet.lib.models import AuditEvent
from truyvet.views import coming_page

pytestmark = pytest.mark.django_db

HOMES = [
    ("venue_owner", "/venues/"),
    ("bus_operator", "/checkpoints/trips/"),
    ("guard", "/checkpoints/scan/mine/"),
    ("insider", "/operations/today/"),
    ("centre", "/operations/today/"),
    ("cdc", "/operations/province/"),
    ("administrator", "/home/admin/"),
    ("vaccinator", "/vaccination/sites/"),
    ("citizen", "/accounts/me/"),
]


@pytest.mark.parametrize(("who", "home"), HOMES)
def test_each_role_lands_on_the_page_of_its_work_and_it_opens(
    request: pytest.FixtureRequest, client: Client, who: str, home: str
) -> None:
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and response["Location"] == home
    assert client.get(home, follow=True).status_code == 200


def test_signing_in_with_a_password_lands_on_the_roles_home(client: Client, cdc: User) -> None:
    cdc.set_password("pw-for-tests-123")
    cdc.save()
    response = client.post(
        reverse("accounts:login"), {"username": cdc.username, "password": "pw-for-tests-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("operations:province")


def test_an_app_sets_a_roles_home_with_one_line_of_settings(vaccinator_client: Client, settings: object) -> None:
    settings.STAFF_HOME_PAGES = {**settings.STAFF_HOME_PAGES, "vaccination_staff": "venues:list"}  # type: ignore[attr-defined]
    assert vaccinator_client.get(reverse("accounts:home"))["Location"] == reverse("venues:list")


def test_a_home_that_names_no_page_stops_the_portal_at_start(settings: object) -> None:
    settings.STAFF_HOME_PAGES = {"vaccination_staff": "vaccination:nowhere"}  # type: ignore[attr-defined]
    with pytest.raises(SystemCheckError, match=r"accounts\.E003"):
        call_command("check")


def test_a_role_whose_app_is_not_built_sees_a_plain_page_naming_its_role(client: Client, settings: Any) -> None:
    settings.STAFF_HOME_PAGES = {**settings.STAFF_HOME_PAGES, Role.FACILITY_MANAGER: "coming"}
    client.force_login(UserFactory(role=Role.FACILITY_MANAGER))
    page = client.get(reverse("accounts:home"), follow=True).content.decode()
    assert "Quản lý cơ sở" in page and "chưa được xây dựng" in page


def test_an_app_not_built_yet_routes_the_plain_page_with_its_own_title(rf: Any) -> None:
    request = rf.get("/somewhere/")
    request.user = AnonymousUser()
    response = coming_page(request, title="Thiết bị và cảm biến")
    assert response.status_code == 200
    assert "Thiết bị và cảm biến" in response.content.decode()


def test_checkpoint_staff_on_a_shift_land_on_the_scanner_of_their_checkpoint(guard_client: Client, guard: User) -> None:
    checkpoint = CheckpointFactory()
    checkpoint.staff.add(guard)
    assert guard_client.get(reverse("checkpoints:my_scanner"))["Location"] == reverse("checkpoints:scanner_home")
    guard.duty_shifts.create(checkpoint=checkpoint, started_at=timezone.now())
    assert guard_client.get(reverse("checkpoints:my_scanner"))["Location"] == reverse(
        "checkpoints:scanner", args=[checkpoint.pk]
    )


# --- A station's day ---------------------------------------------------------------------


def today_in_ward_a() -> tuple[Declaration, FollowUp]:
    person = PersonFactory(ward=home_ward(0), full_name="Hoàng Thị Đỏ")
    red = Declaration.objects.create(
        kind=Kind.DAILY, person=person, full_name=person.full_name, ward=home_ward(0), risk_level="red"
    )
    Declaration.objects.create(
        kind=Kind.DAILY,
        person=PersonFactory(ward=home_ward(0), full_name="Xanh Lá"),
        ward=home_ward(0),
        risk_level="green",
    )
    watched = PersonFactory(ward=home_ward(0), full_name="Lý Văn Theo")
    follow_up = FollowUp.objects.create(
        person=watched,
        ward=home_ward(0),
        level=1,
        last_exposure_at=timezone.now(),
        quarantine_until=timezone.localdate() + timedelta(days=10),
    )
    alert_raise(ward_code=home_ward(0).code, kind="declaration", title="Tờ khai đỏ hôm nay", dedupe_key="d:1")
    return red, follow_up


def test_a_station_starts_its_day_with_its_alerts_follow_ups_due_and_red_declarations(
    insider_client: Client, station: HealthUnit, insider: User
) -> None:
    red, follow_up = today_in_ward_a()
    response = insider_client.get(reverse("operations:today"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Tờ khai đỏ hôm nay" in page
    assert reverse("contacts:follow_up_detail", args=[follow_up.pk]) in page
    assert reverse("declarations:staff_detail", args=[red.pk]) in page
    assert "Xanh Lá" not in page, "green declarations are not today's work"
    assert AuditEvent.objects.filter(action="home.today", actor=insider).exists()


def test_a_station_of_another_commune_sees_none_of_ward_as_work(outsider_client: Client, station: HealthUnit) -> None:
    today_in_ward_a()
    page = outsider_client.get(reverse("operations:today")).content.decode()
    assert "Hoàng Thị Đỏ" not in page and "Lý Văn Theo" not in page and "Tờ khai đỏ hôm nay" not in page


def test_todays_work_takes_a_fixed_number_of_queries(
    insider_client: Client, station: HealthUnit, django_assert_max_num_queries: object
) -> None:
    for _ in range(5):
        today_in_ward_a()
    with django_assert_max_num_queries(16):  # type: ignore[operator]
        assert insider_client.get(reverse("operations:today")).status_code == 200


def test_todays_work_asks_an_anonymous_visitor_to_sign_in_and_refuses_a_venue_owner(
    client: Client, venue_owner_client: Client
) -> None:
    assert client.get(reverse("operations:today"))["Location"].startswith(reverse("accounts:login"))
    assert venue_owner_client.get(reverse("operations:today")).status_code == 403


# --- The province dashboard --------------------------------------------------------------


def test_the_cdc_sees_the_provinces_figures_of_the_day_and_open_alerts_by_unit(
    cdc_client: Client, station: HealthUnit
) -> None:
    today_in_ward_a()
    board = cdc_client.get(reverse("operations:province")).context["board"]
    assert board.declarations == {"green": 1, "yellow": 0, "red": 1}
    assert (board.f1_active, board.f2_active) == (1, 0)
    assert [(row["unit"], row["count"]) for row in board.alerts_by_unit] == [(station.name, 1)]


def test_the_province_dashboard_takes_a_fixed_number_of_queries(
    cdc_client: Client, station: HealthUnit, django_assert_max_num_queries: object
) -> None:
    for _ in range(5):
        today_in_ward_a()
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        assert cdc_client.get(reverse("operations:province")).status_code == 200


def test_a_commune_station_and_anonymous_visitors_may_not_open_the_province_dashboard(
    insider_client: Client, client: Client
) -> None:
    assert insider_client.get(reverse("operations:province")).status_code == 403
    assert client.get(reverse("operations:province"))["Location"].startswith(reverse("accounts:login"))


# --- The administrator's home ------------------------------------------------------------


def test_the_administrator_sees_the_health_of_the_system_and_the_admin_lists(administrator_client: Client) -> None:
    response = administrator_client.get(reverse("admin_home"))
    page = response.content.decode()
    expected_tasks = "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "ok"  # a real worker under CI's PostgreSQL run
    health = response.context["health"]
    assert {key: health[key] for key in ("database", "cache", "tasks")} == {
        "database": "ok",
        "cache": "ok",
        "tasks": expected_tasks,
    }
    # The outbox's line: "ok" with a real broker, "eager" when tasks run inline.
    assert health.get("outbox", expected_tasks) == expected_tasks
    assert reverse("admin:accounts_user_changelist") in page and "Nhật ký truy cập" in page


def test_only_administrators_open_the_administrators_home(cdc_client: Client, client: Client) -> None:
    assert cdc_client.get(reverse("admin_home")).status_code == 403
    assert client.get(reverse("admin_home"))["Location"].startswith(reverse("accounts:login"))


def test_roles_without_a_unit_are_not_offered_an_alerts_page_that_stays_empty(
    venue_owner_client: Client, bus_operator_client: Client, insider_client: Client
) -> None:
    alerts = reverse("accounts:alerts")
    assert alerts in insider_client.get(reverse("operations:today")).content.decode()
    assert alerts not in venue_owner_client.get(reverse("venues:list")).content.decode()
    assert alerts not in bus_operator_client.get(reverse("checkpoints:trip_list")).content.decode()
