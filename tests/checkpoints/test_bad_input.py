"""Whatever a tablet sends, the answer is never a 500, and one bad item of a batch never sinks
the others (API.md: each item stands alone)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from checkpoints.models import Checkpoint, Passage, Tablet
from checkpoints.services.manage import CheckpointInput, checkpoint_create
from checkpoints.services.trips import PassengerInput, _clean, _Wards
from tests.checkpoints.conftest import scan
from tests.factories import home_ward
from truyvet.accounts.models import User
from truyvet.lib.errors import DomainError
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db

Traveller = Callable[..., tuple[Person, str]]
SURROGATE = "0\udfff12"  # a lone surrogate: the JSON escape \udfff, which no database stores
HUGE = 2**63

ODD_VALUES: list[Any] = [
    SURROGATE,
    "\x00",
    "x" * 100_000,
    HUGE,
    -HUGE,
    -1,
    0,
    1.5,
    10**300,
    True,
    [],
    [SURROGATE],
    [HUGE],
    [[1]],
    {"a": SURROGATE},
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59+00:00",
    "9999-12-31T23:59:59-23:59",
]
ITEM_FIELDS = [
    "client_id",
    "qr_token",
    "trip_code",
    "person_id",
    "id_number",
    "phone",
    "passenger_ids",
    "direction",
    "scanned_at",
    "temperature",
    "vehicle_plate",
    "vehicle_type",
    "origin_ward_code",
    "destination_ward_code",
]


def post(client: Client, checkpoint: Checkpoint, body: Any, what: str = "scans") -> Any:
    return client.post(f"/api/v1/checkpoints/{checkpoint.pk}/{what}/", body, content_type="application/json")


def assert_envelope(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "errors"}
    return body


@pytest.mark.parametrize("field", ["id_number", "phone", "vehicle_plate"])
def test_a_lone_surrogate_in_one_scan_rejects_that_item_and_keeps_the_others(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller, field: str
) -> None:
    first, second = traveller()[1], traveller()[1]
    bad = scan(traveller()[1], vehicle_plate=SURROGATE) if field == "vehicle_plate" else scan(**{field: SURROGATE})
    items = [scan(first), bad, scan(second)]
    for _attempt in range(2):  # the tablet's retry of the same batch is answered too
        response = post(guard_client, checkpoint, {"scans": items})
        assert response.status_code == 200, response.content
        results = response.json()["results"]
        assert results[1]["status"] == "rejected"
        assert results[1]["reason"] == f"{field}_invalid"
        assert results[1]["client_id"] == bad["client_id"]
        assert [results[0]["status"], results[2]["status"]] in (["created"] * 2, ["duplicate"] * 2)
    assert Passage.objects.count() == 2


@pytest.mark.parametrize("field", ITEM_FIELDS)
def test_an_odd_value_in_any_field_of_one_scan_never_sinks_the_batch(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller, field: str
) -> None:
    tokens = [traveller()[1] for _ in range(2)]
    for value in ODD_VALUES:
        Passage.objects.all().delete()
        items = [scan(tokens[0]), scan(tokens[1], **{field: value}), scan(tokens[1])]
        response = post(guard_client, checkpoint, {"scans": items})
        assert response.status_code == 200, (field, value, response.content)
        results = response.json()["results"]
        assert results[0]["status"] == "created", (field, value)
        assert results[2]["status"] == "created", (field, value)
        assert results[1]["status"] in {"created", "rejected"}
        if results[1]["status"] == "rejected":
            assert results[1]["reason"]


@pytest.mark.parametrize("item", ["scan", 5, None, [], [{}], SURROGATE, {"": SURROGATE}])
def test_an_item_that_is_not_an_object_is_rejected_alone(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller, item: Any
) -> None:
    response = post(guard_client, checkpoint, {"scans": [scan(traveller()[1]), item]})
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["results"]] == ["created", "rejected"]


def test_an_odd_tablet_id_or_queue_length_does_not_cost_the_passages(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller
) -> None:
    for extra in ({"tablet_id": SURROGATE}, {"tablet_id": "tab", "pending": HUGE}, {"tablet_id": ["x"]}):
        response = post(guard_client, checkpoint, {"scans": [scan(traveller()[1])], **extra})
        assert response.status_code == 200, response.content
        assert response.json()["results"][0]["status"] == "created"
    assert not Tablet.objects.exclude(device_id="tab").exists()
    assert Tablet.objects.get(device_id="tab").pending == 0


@pytest.mark.parametrize("what", ["heartbeat", "check"])
@pytest.mark.parametrize("pending", [HUGE, 2**31, -1, "9" * 5000])
def test_a_huge_queue_length_in_a_heartbeat_or_check_is_a_400(
    guard_client: Client, checkpoint: Checkpoint, what: str, pending: Any
) -> None:
    body = assert_envelope(post(guard_client, checkpoint, {"tablet_id": "tab-1", "pending": pending}, what))
    assert "pending" in body["errors"]
    assert not Tablet.objects.exists()


@pytest.mark.parametrize("what", ["heartbeat", "check"])
def test_a_lone_surrogate_in_a_heartbeat_or_check_is_a_400(
    guard_client: Client, checkpoint: Checkpoint, what: str
) -> None:
    body = assert_envelope(post(guard_client, checkpoint, {"tablet_id": SURROGATE}, what))
    assert "tablet_id" in body["errors"]
    body = assert_envelope(post(guard_client, checkpoint, {"id_number": SURROGATE}, "check"))
    assert "id_number" in body["errors"]


@pytest.mark.parametrize("what", ["scans", "heartbeat", "check"])
def test_a_checkpoint_id_too_large_for_the_database_is_a_404(guard_client: Client, what: str) -> None:
    response = guard_client.post(f"/api/v1/checkpoints/{HUGE}/{what}/", {}, content_type="application/json")
    assert_envelope(response, 404)


@pytest.mark.parametrize("field", ["name", "road", "border"])
def test_a_checkpoint_name_with_direction_characters_is_refused_with_a_message(field: str, cdc: User) -> None:
    fields = {"name": "Chốt Km 3", field: "Chốt\u202e 3 mK"}
    with pytest.raises(DomainError) as refused:
        checkpoint_create(user=cdc, data=CheckpointInput(ward_code=home_ward(0).code, **fields))  # type: ignore[arg-type]
    assert refused.value.code == "invalid_characters" and field in refused.value.errors
    assert not Checkpoint.objects.exists()


def test_a_passenger_name_with_a_zero_width_character_is_refused_with_a_message() -> None:
    with pytest.raises(DomainError) as refused:
        _clean(PassengerInput(full_name="Lò\u200b Văn Páo", id_number="012090000111"), _Wards())
    assert refused.value.code == "invalid_characters"


@pytest.mark.parametrize("days", [{"date_from": "0001-01-01"}, {"date_to": "0001-01-01"}, {"date_to": "9999-12-31"}])
def test_the_checkpoint_report_answers_a_period_out_of_bounds_with_the_default_period(
    days: dict[str, str], cdc_client: Client
) -> None:
    assert cdc_client.get(reverse("checkpoints:report"), days).status_code == 200
    assert cdc_client.get(reverse("checkpoints:report_export", args=["csv"]), days).status_code == 200


def test_a_number_where_the_check_or_heartbeat_wants_text_is_a_400(
    guard_client: Client, checkpoint: Checkpoint
) -> None:
    check = guard_client.post(
        f"/api/v1/checkpoints/{checkpoint.pk}/check/", {"id_number": 0}, content_type="application/json"
    )
    heartbeat = guard_client.post(
        f"/api/v1/checkpoints/{checkpoint.pk}/heartbeat/",
        {"tablet_id": 0, "pending": 0},
        content_type="application/json",
    )
    assert (check.status_code, check.json()["errors"].keys()) == (400, {"id_number"})
    assert (heartbeat.status_code, heartbeat.json()["errors"].keys()) == (400, {"tablet_id"})
