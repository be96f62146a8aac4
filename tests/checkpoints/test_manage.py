"""Managing checkpoints (checkpoints/services/manage.py, checkpoints/selectors/manage.py and
their pages): creating and editing them, assigning their staff; the admin; the demo data."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from checkpoints.models import Checkpoint, DutyShift, Passage, Tablet, TripPassenger
from checkpoints.selectors.manage import assignable_staff
from checkpoints.services.manage import CheckpointInput, checkpoint_create, checkpoint_staff_set
from tests.factories import CheckpointFactory, HealthUnitFactory, UserFactory, home_ward
from truyvet.accounts.models import Role, UnitKind, User
from truyvet.lib.errors import DomainError
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def teammate(guard: User) -> User:
    """Another checkpoint staff member of the guard's team, not yet assigned."""
    return UserFactory(username="teammate", role=Role.CHECKPOINT_STAFF, health_unit=guard.health_unit)


def form_data(**fields: Any) -> dict[str, Any]:
    data = {
        "name": "Chốt cầu Hang Tôm",
        "road": "QL12",
        "border": "Ranh giới tỉnh Điện Biên",
        "ward": str(home_ward(0).code),
        "latitude": "22.047000",
        "longitude": "103.160000",
        "is_active": "on",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


# --- Who may ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, checkpoint: Checkpoint) -> None:
    for url in [
        reverse("checkpoints:manage"),
        reverse("checkpoints:checkpoint_new"),
        reverse("checkpoints:checkpoint_edit", args=[checkpoint.pk]),
        reverse("checkpoints:checkpoint_staff", args=[checkpoint.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), url


def test_a_commune_station_or_health_centre_oversees_but_does_not_manage(
    insider_client: Client, checkpoint: Checkpoint
) -> None:
    assert insider_client.get(reverse("checkpoints:monitor")).status_code == 200
    assert insider_client.get(reverse("checkpoints:manage")).status_code == 403
    assert insider_client.post(reverse("checkpoints:checkpoint_new"), form_data()).status_code == 403
    assert not Checkpoint.objects.filter(name="Chốt cầu Hang Tôm").exists()


def test_a_team_of_another_ward_gets_404_on_this_checkpoint(outsider_guard: User, checkpoint: Checkpoint) -> None:
    client = login(outsider_guard)
    assert client.get(reverse("checkpoints:checkpoint_edit", args=[checkpoint.pk])).status_code == 404
    assert client.post(reverse("checkpoints:checkpoint_edit", args=[checkpoint.pk]), form_data()).status_code == 404
    assert client.get(reverse("checkpoints:checkpoint_staff", args=[checkpoint.pk])).status_code == 404
    assert [c.name for c in client.get(reverse("checkpoints:manage")).context["checkpoints"]] == ["Chốt Pa So"]


# --- Creating and editing ------------------------------------------------------------------


def test_the_cdc_creates_a_checkpoint_anywhere_in_the_province_with_its_location(cdc: User) -> None:
    response = login(cdc).post(reverse("checkpoints:checkpoint_new"), form_data(ward=str(home_ward(7).code)))
    checkpoint = Checkpoint.objects.get(name="Chốt cầu Hang Tôm")
    assert response.status_code == 302
    assert response["Location"] == reverse("checkpoints:checkpoint_staff", args=[checkpoint.pk])
    assert (checkpoint.road, checkpoint.ward_id, checkpoint.is_active) == ("QL12", home_ward(7).code, True)
    assert (checkpoint.latitude, checkpoint.longitude) == (Decimal("22.047000"), Decimal("103.160000"))
    event = AuditEvent.objects.get(action="checkpoint.create")
    assert (event.actor, event.object_id) == (cdc, str(checkpoint.pk))


def test_the_form_page_carries_the_map_picker(guard_client: Client) -> None:
    page = guard_client.get(reverse("checkpoints:checkpoint_new")).content.decode()
    assert 'class="map-picker' in page and "js/map-picker.js" in page and "<script>" not in page


def test_a_team_lead_creates_a_checkpoint_only_in_the_teams_wards(guard_client: Client, guard: User) -> None:
    response = guard_client.post(reverse("checkpoints:checkpoint_new"), form_data(ward=str(home_ward(5).code)))
    assert response.status_code == 200 and response.context["form"].errors["ward"]
    assert not Checkpoint.objects.filter(name="Chốt cầu Hang Tôm").exists()
    response = guard_client.post(reverse("checkpoints:checkpoint_new"), form_data())
    assert response.status_code == 302
    assert Checkpoint.objects.get(name="Chốt cầu Hang Tôm").ward_id == home_ward(0).code


def test_the_service_refuses_a_ward_outside_the_users_wards(guard: User) -> None:
    with pytest.raises(DomainError) as refused:
        checkpoint_create(user=guard, data=CheckpointInput(name="Chốt ngoài", ward_code=home_ward(5).code))
    assert refused.value.code == "ward_outside"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"latitude": "22.1", "longitude": ""}, "__all__"),
        ({"latitude": "40.0"}, "latitude"),
        ({"longitude": "99.0"}, "longitude"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_location_or_a_missing_name_is_refused(cdc: User, fields: dict[str, str], field: str) -> None:
    response = login(cdc).post(reverse("checkpoints:checkpoint_new"), form_data(**fields))
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert not Checkpoint.objects.exists()


def test_a_team_lead_edits_and_deactivates_their_checkpoint(guard_client: Client, checkpoint: Checkpoint) -> None:
    url = reverse("checkpoints:checkpoint_edit", args=[checkpoint.pk])
    assert guard_client.get(url).context["form"].initial["name"] == "Chốt Km 12 QL4D"
    response = guard_client.post(url, form_data(name="Chốt Km 14 QL4D", is_active=None, latitude="", longitude=""))
    assert response.status_code == 302 and response["Location"] == reverse("checkpoints:manage")
    checkpoint.refresh_from_db()
    assert (checkpoint.name, checkpoint.is_active, checkpoint.latitude) == ("Chốt Km 14 QL4D", False, None)
    changed = AuditEvent.objects.get(action="checkpoint.update").detail["changed"]
    assert changed["name"] == ["Chốt Km 12 QL4D", "Chốt Km 14 QL4D"] and "is_active" in changed


def test_the_manage_list_costs_the_same_queries_for_one_checkpoint_or_many(
    cdc: User, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    def add(count: int) -> None:
        for i in range(count):
            cp = CheckpointFactory(name=f"Chốt {count}-{i}", ward=home_ward(i % 4))
            cp.staff.add(UserFactory(role=Role.CHECKPOINT_STAFF), UserFactory(role=Role.CHECKPOINT_STAFF))

    client = login(cdc)
    add(1)
    with django_assert_max_num_queries(8) as one:
        assert client.get(reverse("checkpoints:manage")).status_code == 200
    add(5)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("checkpoints:manage"))
    assert len(response.context["checkpoints"]) == 6


# --- Staff ------------------------------------------------------------------------------


def test_a_team_lead_assigns_staff_of_their_own_team(
    guard_client: Client, guard: User, teammate: User, checkpoint: Checkpoint
) -> None:
    url = reverse("checkpoints:checkpoint_staff", args=[checkpoint.pk])
    response = guard_client.get(url)
    assert set(response.context["form"].fields["staff"].queryset) == {guard, teammate}
    response = guard_client.post(url, {"staff": [guard.pk, teammate.pk]})
    assert response.status_code == 302
    assert set(checkpoint.staff.all()) == {guard, teammate}
    assert AuditEvent.objects.get(action="checkpoint.staff").detail == {"added": [teammate.pk], "removed": []}


def test_a_team_lead_may_not_assign_staff_of_another_team(
    guard_client: Client, outsider_guard: User, checkpoint: Checkpoint
) -> None:
    url = reverse("checkpoints:checkpoint_staff", args=[checkpoint.pk])
    response = guard_client.post(url, {"staff": [outsider_guard.pk]})
    assert response.status_code == 200 and response.context["form"].errors["staff"]
    assert outsider_guard not in checkpoint.staff.all()


def test_the_service_refuses_staff_the_user_may_not_assign(
    guard: User, outsider_guard: User, checkpoint: Checkpoint
) -> None:
    with pytest.raises(DomainError) as refused:
        checkpoint_staff_set(user=guard, checkpoint=checkpoint, staff=[outsider_guard])
    assert refused.value.code == "staff_outside"


def test_clearing_the_list_keeps_staff_someone_else_assigned(
    guard_client: Client, guard: User, outsider_guard: User, checkpoint: Checkpoint, cdc: User
) -> None:
    checkpoint_staff_set(user=cdc, checkpoint=checkpoint, staff=[guard, outsider_guard])  # the CDC may assign anyone
    response = guard_client.get(reverse("checkpoints:checkpoint_staff", args=[checkpoint.pk]))
    assert response.context["others"] == [outsider_guard]
    guard_client.post(reverse("checkpoints:checkpoint_staff", args=[checkpoint.pk]), {})
    assert list(checkpoint.staff.all()) == [outsider_guard]


def test_the_cdc_may_assign_any_active_checkpoint_staff_and_no_other_role(
    cdc: User, guard: User, outsider_guard: User, insider: User
) -> None:
    gone = UserFactory(role=Role.CHECKPOINT_STAFF, is_active=False)
    choices = set(assignable_staff(cdc))
    assert {guard, outsider_guard} <= choices
    assert insider not in choices and gone not in choices


def test_a_team_lead_may_assign_staff_of_a_unit_under_their_own(guard: User) -> None:
    sub = HealthUnitFactory(name="Tổ chốt con", kind=UnitKind.CHECKPOINT_TEAM, parent=guard.health_unit)
    member = UserFactory(role=Role.CHECKPOINT_STAFF, health_unit=sub)
    assert member in set(assignable_staff(guard))


# --- Admin ------------------------------------------------------------------------------


def test_the_admin_lists_and_edits_checkpoints(checkpoint: Checkpoint, guard: User, administrator: User) -> None:
    client = login(administrator)
    assert "Chốt Km 12 QL4D" in client.get(reverse("admin:checkpoints_checkpoint_changelist")).content.decode()
    response = client.get(reverse("admin:checkpoints_checkpoint_change", args=[checkpoint.pk]))
    assert response.status_code == 200
    assert set(response.context["adminform"].form.fields["staff"].queryset) == {guard}
    for name in ("dutyshift", "tablet", "bustrip"):
        assert client.get(reverse(f"admin:checkpoints_{name}_changelist")).status_code == 200


# --- Demo ------------------------------------------------------------------------------


def test_the_demo_seeds_checkpoints_passages_and_a_trip_and_a_rerun_adds_nothing() -> None:
    from checkpoints import demo as checkpoint_demo
    from truyvet.accounts import demo as account_demo
    from truyvet.people import demo as people_demo

    out = io.StringIO()
    account_demo.seed({}, out)
    people_demo.seed({"people": 20}, out)
    checkpoint_demo.seed({"passages": 80}, out)
    counts = (
        Checkpoint.objects.count(),
        Passage.objects.count(),
        Tablet.objects.count(),
        TripPassenger.objects.count(),
    )
    assert counts == (4, 80, 4, 7)
    guard = User.objects.get(username="checkpoint")
    assert Checkpoint.objects.filter(staff=guard).count() == 4
    assert DutyShift.objects.filter(user=guard, ended_at__isnull=True).count() == 1
    assert Checkpoint.objects.get(name="Chốt kiểm dịch đèo Ô Quy Hồ").road == "QL4D"

    checkpoint_demo.seed({"passages": 80}, out)
    assert (
        Checkpoint.objects.count(),
        Passage.objects.count(),
        Tablet.objects.count(),
        TripPassenger.objects.count(),
    ) == counts
    # The demo checkpoint account oversees them all on the board.
    assert login(guard).get(reverse("checkpoints:monitor")).status_code == 200
