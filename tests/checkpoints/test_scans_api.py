from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from checkpoints.models import Checkpoint, Passage, Tablet, TripPassenger
from checkpoints.tasks import alert_flagged_passages
from tests.checkpoints.conftest import scan
from tests.factories import BusTripFactory, CaseFactory, HealthUnitFactory, PersonFactory, home_ward
from truyvet.accounts.models import Alert, UnitKind, User
from truyvet.lib import signing
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db

Traveller = Callable[..., tuple[Person, str]]


def post(client: Client, checkpoint: Checkpoint, scans: list[Any], **extra: Any) -> Any:
    return client.post(
        f"/api/v1/checkpoints/{checkpoint.pk}/scans/", {"scans": scans, **extra}, content_type="application/json"
    )


def snapshot() -> tuple[list[tuple[Any, ...]], int, int]:
    passages = list(Passage.objects.order_by("pk").values_list("pk", "client_id", "seq", "person_id", "verdict"))
    return passages, Alert.objects.count(), AuditEvent.objects.count()


def test_a_guard_lists_only_the_checkpoints_they_scan_at(
    guard_client: Client, checkpoint: Checkpoint, other_checkpoint: Checkpoint
) -> None:
    response = guard_client.get("/api/v1/checkpoints/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [checkpoint.pk]


def test_a_batch_records_one_passage_per_scan_with_its_verdict(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller
) -> None:
    green, green_token = traveller("green")
    yellow, yellow_token = traveller("yellow")
    red, red_token = traveller("red")
    items = [scan(green_token, vehicle_plate="25a-123.45"), scan(yellow_token), scan(red_token, direction="out")]
    response = post(guard_client, checkpoint, items, tablet_id="tab-1", pending=3)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created"] * 3
    assert [r["verdict"] for r in results] == ["allow", "refer", "deny"]
    assert [r["risk_level"] for r in results] == ["green", "yellow", "red"]
    passages = {p.person_id: p for p in Passage.objects.all()}
    assert set(passages) == {green.pk, yellow.pk, red.pk}
    assert passages[green.pk].vehicle_plate == "25A-123.45"
    assert passages[red.pk].direction == "out"
    assert [results[0]["passage_ids"]] == [[passages[green.pk].pk]]
    tablet = Tablet.objects.get(device_id="tab-1")
    assert (tablet.checkpoint_id, tablet.pending, tablet.last_sync_at is not None) == (checkpoint.pk, 3, True)


def test_replaying_a_batch_three_times_changes_nothing(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller
) -> None:
    tokens = [traveller(level)[1] for level in ("green", "yellow", "red")]
    items = [scan(token) for token in tokens]
    first = post(guard_client, checkpoint, items).json()["results"]
    before = snapshot()
    for _ in range(3):
        again = post(guard_client, checkpoint, items).json()["results"]
        assert [r["status"] for r in again] == ["duplicate"] * 3
        assert [(r["passage_ids"], r["verdict"]) for r in again] == [(r["passage_ids"], r["verdict"]) for r in first]
    assert snapshot() == before


def test_each_bad_item_is_rejected_with_its_reason_and_the_rest_kept(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller
) -> None:
    _person, good = traveller("green")
    head, payload, _signature = good.split(".")
    forged = f"{head}.{payload}.{signing.b64url_encode(bytes(64))}"
    expired = signing.sign({"sub": "x", "iat": 1, "exp": int(timezone.now().timestamp()) - 60, "lvl": "green"})
    items = [
        scan(good),
        scan(forged),
        scan("not-a-token"),
        scan(expired),
        scan(trip_code="TRIP-NOPE2345"),
        scan(good, minutes_ago=-60),  # an hour in the future
        scan(good, minutes_ago=8 * 24 * 60),
        scan(good, direction="sideways"),
        scan(good, temperature=52),
        scan(good, origin_ward_code=999999),
        {"direction": "in"},
        "nonsense",
        scan(),
    ]
    response = post(guard_client, checkpoint, items)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("created", None),
        ("rejected", "token_bad_signature"),
        ("rejected", "token_malformed"),
        ("rejected", "token_expired"),
        ("rejected", "trip_unknown"),
        ("rejected", "scanned_at_future"),
        ("rejected", "scanned_at_too_old"),
        ("rejected", "direction_invalid"),
        ("rejected", "temperature_implausible"),
        ("rejected", "ward_unknown"),
        ("rejected", "client_id_invalid"),
        ("rejected", "item_not_object"),
        ("rejected", "one_identifier_required"),
    ]
    assert results[3]["verdict"] == "declare"
    assert Passage.objects.count() == 1


def test_a_client_id_reused_with_other_content_is_a_conflict_for_that_item_only(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller
) -> None:
    _a, token_a = traveller("green")
    _b, token_b = traveller("green")
    first = scan(token_a)
    post(guard_client, checkpoint, [first])
    reused = {**scan(token_b), "client_id": first["client_id"]}
    results = post(guard_client, checkpoint, [reused, scan(token_b)]).json()["results"]
    assert (results[0]["status"], results[0]["reason"], results[0]["http_status"]) == (
        "rejected",
        "client_id_reused",
        409,
    )
    assert results[1]["status"] == "created"
    assert Passage.objects.count() == 2


def test_the_same_client_id_twice_in_one_batch_is_stored_once(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller
) -> None:
    _person, token = traveller("green")
    item = scan(token)
    results = post(guard_client, checkpoint, [item, item]).json()["results"]
    assert [r["status"] for r in results] == ["created", "duplicate"]
    assert Passage.objects.count() == 1


def test_a_typed_id_number_finds_the_person_and_an_unknown_one_is_asked_to_declare(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller
) -> None:
    person, _token = traveller("green")
    results = post(guard_client, checkpoint, [scan(id_number=person.id_number), scan(id_number="001099000001")]).json()[
        "results"
    ]
    assert [r["verdict"] for r in results] == ["allow", "declare"]
    known, unknown = Passage.objects.order_by("pk")
    assert known.person_id == person.pk
    assert (unknown.person_id, unknown.identifier) == (None, "001099000001")


def test_a_current_case_with_an_old_green_code_is_denied(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller
) -> None:
    person, token = traveller("green")
    CaseFactory(person=person)
    result = post(guard_client, checkpoint, [scan(token)]).json()["results"][0]
    assert (result["verdict"], result["risk_level"]) == ("deny", "red")


def test_a_trip_code_records_every_passenger_in_one_item(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller
) -> None:
    green, _ = traveller("green")
    red, _ = traveller("red")
    trip = BusTripFactory(vehicle_plate="29B-11111")
    passengers = [
        TripPassenger.objects.create(trip=trip, person=green, full_name=green.full_name),
        TripPassenger.objects.create(trip=trip, person=red, full_name=red.full_name),
        TripPassenger.objects.create(trip=trip, full_name="Lò Văn Chưa", id_number="011095000123"),
    ]
    result = post(guard_client, checkpoint, [scan(trip_code=trip.code.lower())]).json()["results"][0]
    assert (result["status"], result["verdict"], len(result["passage_ids"])) == ("created", "deny", 3)
    rows = list(Passage.objects.order_by("seq").values_list("person_id", "verdict", "vehicle_plate", "trip_id"))
    assert rows == [
        (green.pk, "allow", "29B-11111", trip.pk),
        (red.pk, "deny", "29B-11111", trip.pk),
        (None, "declare", "29B-11111", trip.pk),
    ]
    on_board = scan(trip_code=trip.code, passenger_ids=[passengers[0].pk])
    result = post(guard_client, checkpoint, [on_board]).json()["results"][0]
    assert (result["verdict"], len(result["passage_ids"])) == ("allow", 1)


def test_a_flagged_traveller_alerts_the_health_units_of_the_destination_and_no_other(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller, django_capture_on_commit_callbacks: Any
) -> None:
    destination = home_ward(7)
    station = HealthUnitFactory(name="Trạm đích", kind=UnitKind.COMMUNE_STATION, wards=[destination])
    centre = HealthUnitFactory(name="TTYT đích", kind=UnitKind.HEALTH_CENTRE, wards=[destination, home_ward(8)])
    elsewhere = HealthUnitFactory(name="Trạm khác", kind=UnitKind.COMMUNE_STATION, wards=[home_ward(9)])
    team = HealthUnitFactory(name="Tổ chốt đích", kind=UnitKind.CHECKPOINT_TEAM, wards=[destination])
    _person, red_token = traveller("red", ward=home_ward(9))
    _green, green_token = traveller("green", ward=home_ward(9))
    items = [
        scan(red_token, destination_ward_code=destination.code),
        scan(green_token, destination_ward_code=destination.code),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        post(guard_client, checkpoint, items)
        post(guard_client, checkpoint, items)  # a replay raises nothing more
    alerts = Alert.objects.all()
    assert sorted(a.unit_id for a in alerts) == sorted([station.pk, centre.pk])
    assert {a.severity for a in alerts} == {"urgent"}
    assert not Alert.objects.filter(unit__in=[elsewhere, team]).exists()


def test_without_a_destination_the_alert_goes_to_the_travellers_home_ward(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller, django_capture_on_commit_callbacks: Any
) -> None:
    home = home_ward(11)
    station = HealthUnitFactory(name="Trạm nhà", kind=UnitKind.COMMUNE_STATION, wards=[home])
    _person, token = traveller("yellow", ward=home)
    with django_capture_on_commit_callbacks(execute=True):
        post(guard_client, checkpoint, [scan(token)])
    assert list(Alert.objects.values_list("unit_id", "severity")) == [(station.pk, "warning")]


def test_flagged_scans_of_different_days_in_one_batch_each_alert_with_a_link_naming_the_passages_time(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller, django_capture_on_commit_callbacks: Any
) -> None:
    home = home_ward(11)
    station = HealthUnitFactory(name="Trạm nhà", kind=UnitKind.COMMUNE_STATION, wards=[home])
    tokens = [traveller("red", ward=home)[1] for _ in range(3)]
    items = [scan(tokens[0], minutes_ago=3 * 24 * 60), scan(tokens[1], minutes_ago=1), scan(tokens[2], minutes_ago=30)]
    with django_capture_on_commit_callbacks(execute=True):
        post(guard_client, checkpoint, items)
    passages = Passage.objects.order_by("scanned_at")
    assert sorted(Alert.objects.filter(unit=station).values_list("url", flat=True)) == sorted(
        p.get_absolute_url() for p in passages
    )
    assert all("?at=" in p.get_absolute_url() for p in passages)


def test_an_alert_task_queued_without_the_scan_times_still_alerts(checkpoint: Checkpoint, traveller: Traveller) -> None:
    home = home_ward(11)
    station = HealthUnitFactory(name="Trạm nhà", kind=UnitKind.COMMUNE_STATION, wards=[home])
    person, _token = traveller("red", ward=home)
    passage = Passage.objects.create(
        client_id=uuid.uuid4(), checkpoint=checkpoint, person=person, direction="in", verdict="deny",
        reasons=["red"], scanned_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    assert alert_flagged_passages([passage.pk]) == 1  # a message from before the task took the times
    assert list(Alert.objects.values_list("unit_id", flat=True)) == [station.pk]


def test_each_scan_of_a_person_is_written_to_the_audit_log(
    guard_client: Client, guard: User, checkpoint: Checkpoint, traveller: Traveller
) -> None:
    person, token = traveller("green")
    post(guard_client, checkpoint, [scan(token)])
    event = AuditEvent.objects.get(action="checkpoint.scan")
    assert (event.actor_id, event.person_id) == (guard.pk, person.pk)


def test_a_batch_costs_the_same_number_of_queries_whatever_its_size(
    guard_client: Client,
    checkpoint: Checkpoint,
    traveller: Traveller,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    tokens = [traveller("green")[1] for _ in range(40)]
    with django_assert_max_num_queries(25) as small:
        post(guard_client, checkpoint, [scan(t) for t in tokens[:4]])
    with django_assert_max_num_queries(len(small.captured_queries)):
        post(guard_client, checkpoint, [scan(t) for t in tokens[4:]])


def test_an_outsider_guard_gets_404_and_writes_nothing(
    outsider_guard: User, checkpoint: Checkpoint, traveller: Traveller
) -> None:
    client = Client()
    client.force_login(outsider_guard)
    _person, token = traveller("green")
    assert post(client, checkpoint, [scan(token)]).status_code == 404
    assert (
        client.post(
            f"/api/v1/checkpoints/{checkpoint.pk}/check/", {"qr_token": token}, content_type="application/json"
        ).status_code
        == 404
    )
    assert Passage.objects.count() == 0


def test_anonymous_callers_and_citizens_are_refused(
    checkpoint: Checkpoint, traveller: Traveller, citizen_client: Client
) -> None:
    _person, token = traveller("green")
    assert post(Client(), checkpoint, [scan(token)]).status_code in (401, 403)
    assert post(citizen_client, checkpoint, [scan(token)]).status_code == 403
    assert Passage.objects.count() == 0


def test_a_malformed_batch_is_a_400_with_a_code(guard_client: Client, checkpoint: Checkpoint) -> None:
    response = guard_client.post(
        f"/api/v1/checkpoints/{checkpoint.pk}/scans/", "{not json", content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "malformed_request")
    response = guard_client.post(
        f"/api/v1/checkpoints/{checkpoint.pk}/scans/", {"scans": "x"}, content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "scans_required")
    response = post(guard_client, checkpoint, [scan() for _ in range(501)])
    assert (response.status_code, response.json()["code"]) == (400, "batch_too_large")
    assert guard_client.post("/api/v1/checkpoints/%C2%B2/scans/", {}).status_code == 404


def test_the_online_check_gives_the_current_verdict_and_logs_the_read(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller
) -> None:
    person, token = traveller("green")
    CaseFactory(person=person)
    url = f"/api/v1/checkpoints/{checkpoint.pk}/check/"
    body = guard_client.post(url, {"qr_token": token}, content_type="application/json").json()
    assert (body["kind"], body["valid"], body["verdict"], body["f_level"]) == ("person", True, "deny", 0)
    assert body["display_name"] != person.full_name
    assert AuditEvent.objects.filter(action="checkpoint.check", person_id=person.pk).count() == 1
    forged = guard_client.post(url, {"qr_token": "a.b.c"}, content_type="application/json").json()
    assert (forged["valid"], forged["reason"], forged["verdict"]) == (False, "malformed", "declare")


def test_the_online_check_finds_people_by_id_number_or_phone(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller
) -> None:
    person, _token = traveller("yellow")
    url = f"/api/v1/checkpoints/{checkpoint.pk}/check/"
    by_id = guard_client.post(url, {"id_number": person.id_number}, content_type="application/json").json()
    assert [(m["person_id"], m["verdict"]) for m in by_id["matches"]] == [(person.pk, "refer")]
    phone = "0" + person.phone[3:]
    by_phone = guard_client.post(url, {"phone": phone}, content_type="application/json").json()
    assert [m["person_id"] for m in by_phone["matches"]] == [person.pk]
    nobody = guard_client.post(url, {"id_number": "001099000777"}, content_type="application/json").json()
    assert (nobody["matches"], nobody["verdict_if_unknown"]) == ([], "declare")
    both = guard_client.post(url, {"id_number": "1", "phone": "2"}, content_type="application/json")
    assert (both.status_code, both.json()["code"]) == (400, "one_identifier_required")


def test_a_scan_made_offline_is_judged_by_the_token_valid_at_that_time(
    guard_client: Client, checkpoint: Checkpoint
) -> None:
    person = PersonFactory()
    from truyvet.credentials.services import qr_issue

    qr_issue(person=person, risk_level="green")
    scanned = timezone.now() - timedelta(hours=3)
    token = signing.sign(
        {
            "sub": person.ref,
            "iat": int((scanned - timedelta(days=1)).timestamp()),
            "exp": int((scanned + timedelta(hours=1)).timestamp()),
            "lvl": "green",
        }
    )
    item = {"client_id": str(uuid.uuid4()), "direction": "in", "scanned_at": scanned.isoformat(), "qr_token": token}
    result = post(guard_client, checkpoint, [item]).json()["results"][0]
    assert (result["status"], result["verdict"]) == ("created", "allow")


def test_a_tablets_heartbeat_is_recorded_for_its_checkpoint_and_refused_elsewhere(
    guard_client: Client, checkpoint: Checkpoint, other_checkpoint: Checkpoint
) -> None:
    url = "/api/v1/checkpoints/{}/heartbeat/"
    body = {"tablet_id": "tab-9", "pending": 4}
    assert guard_client.post(url.format(checkpoint.pk), body, content_type="application/json").status_code == 204
    tablet = Tablet.objects.get(device_id="tab-9")
    assert (tablet.checkpoint_id, tablet.pending, tablet.last_sync_at) == (checkpoint.pk, 4, None)
    assert guard_client.post(url.format(other_checkpoint.pk), body, content_type="application/json").status_code == 404
    assert Client().post(url.format(checkpoint.pk), body, content_type="application/json").status_code in (401, 403)
    bad = guard_client.post(url.format(checkpoint.pk), {"pending": -1}, content_type="application/json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")


def test_a_tablets_row_follows_its_queue_at_once_and_its_times_at_most_every_30_seconds(
    guard_client: Client, checkpoint: Checkpoint, traveller: Traveller, monkeypatch: pytest.MonkeyPatch
) -> None:
    _person, token = traveller("green")
    start = timezone.now()
    moment = [start]
    monkeypatch.setattr(timezone, "now", lambda: moment[0])

    def sync_at(seconds: int, pending: int) -> tuple[Any, ...]:
        moment[0] = start + timedelta(seconds=seconds)
        response = post(guard_client, checkpoint, [scan(token, minutes_ago=0)], tablet_id="tab-1", pending=pending)
        assert response.json()["results"][0]["status"] == "created"
        tablet = Tablet.objects.get(device_id="tab-1")
        return (tablet.pending, (tablet.last_sync_at - start).seconds, (tablet.last_seen_at - start).seconds)

    assert sync_at(0, pending=5) == (5, 0, 0)
    assert sync_at(10, pending=5) == (5, 0, 0)  # nothing new but the time: not written
    assert sync_at(20, pending=4) == (4, 20, 20)  # the queue changed: written at once
    assert sync_at(40, pending=4) == (4, 20, 20)
    assert sync_at(51, pending=4) == (4, 51, 51)  # over 30 s since: written
    moment[0] = start + timedelta(seconds=90)
    heartbeat = guard_client.post(
        f"/api/v1/checkpoints/{checkpoint.pk}/heartbeat/", {"tablet_id": "tab-1"}, content_type="application/json"
    )
    assert heartbeat.status_code == 204
    tablet = Tablet.objects.get(device_id="tab-1")
    assert ((tablet.last_sync_at - start).seconds, (tablet.last_seen_at - start).seconds) == (51, 90)
