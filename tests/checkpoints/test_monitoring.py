"""Monitoring checkpoints (checkpoints/views/monitor.py, checkpoints/selectors/reports.py): the
live board and its JSON, the daily report and its exports, the passage list and one passage."""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from checkpoints.models import Checkpoint, DutyShift, Passage, Tablet, passage_url
from checkpoints.selectors.reports import hour_slots
from checkpoints.verdicts import finding_label
from tests.factories import CheckpointFactory, HealthUnitFactory, PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
NOW = timezone.make_aware(datetime(2026, 3, 10, 12, 30))  # local time (Asia/Ho_Chi_Minh)


def at(hour: int, minute: int = 0, *, days_ago: int = 0) -> datetime:
    """A local time of today (or ``days_ago`` days before)."""
    return timezone.make_aware(datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time())) + timedelta(
        hours=hour, minutes=minute
    )


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[datetime]]:
    """Time stands at NOW (12:30 local); a test moves it by changing ``clock[0]``."""
    moment = [NOW]
    monkeypatch.setattr(timezone, "now", lambda: moment[0])
    yield moment


def passage(
    checkpoint: Checkpoint,
    when: datetime,
    *,
    direction: str = "in",
    verdict: str = "allow",
    person: Person | None = None,
    reasons: list[str] | None = None,
    **fields: Any,
) -> Passage:
    return Passage.objects.create(
        client_id=uuid.uuid4(),
        checkpoint=checkpoint,
        person=person,
        direction=direction,
        verdict=verdict,
        reasons=reasons if reasons is not None else (["green"] if verdict == "allow" else ["yellow"]),
        scanned_at=when,
        **fields,
    )


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def traveller_person() -> Person:
    return PersonFactory(full_name="Lò Văn Khách", ward=home_ward(3))


@pytest.fixture
def day(
    clock: list[datetime], checkpoint: Checkpoint, other_checkpoint: Checkpoint, traveller_person: Person
) -> dict[str, Passage]:
    """A small day at ``checkpoint`` (ward 0) and one passage at ``other_checkpoint`` (ward 5).

    Today by 12:30: in 11:10, 11:40, 12:05 (refer); out 11:50, 09:15 (deny). Yesterday: in
    20:00 (inside the last 24 hours) and 10:00 (deny, outside them)."""
    return {
        "in_1110": passage(checkpoint, at(11, 10)),
        "in_1140": passage(checkpoint, at(11, 40)),
        "refer": passage(
            checkpoint,
            at(12, 5),
            verdict="refer",
            person=traveller_person,
            reasons=["yellow", "fever"],
            destination_ward=home_ward(3),
            temperature=38.2,
        ),
        "out_1150": passage(checkpoint, at(11, 50), direction="out"),
        "deny": passage(checkpoint, at(9, 15), direction="out", verdict="deny", identifier="012345678901",
                        reasons=["red"]),
        "yesterday_20": passage(checkpoint, at(20, 0, days_ago=1)),
        "yesterday_deny": passage(checkpoint, at(10, 0, days_ago=1), verdict="deny", reasons=["active_f1"]),
        "other": passage(other_checkpoint, at(12, 0)),
    }  # fmt: skip


def board(client: Client) -> Any:
    response = client.get(reverse("checkpoints:monitor"))
    assert response.status_code == 200
    return response.context["board"]


# --- Who may open what ------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_on_every_page(client: Client, day: dict[str, Passage]) -> None:
    checkpoint_id = day["in_1110"].checkpoint_id
    for url in [
        reverse("checkpoints:monitor"),
        reverse("checkpoints:monitor_json"),
        reverse("checkpoints:report"),
        reverse("checkpoints:report_export", args=["csv"]),
        reverse("checkpoints:passages", args=[checkpoint_id]),
        reverse("checkpoints:passage", args=[day["refer"].pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_a_venue_owner_or_a_bus_operator_may_not_open_the_monitor(day: dict[str, Passage]) -> None:
    for role in (Role.VENUE_OWNER, Role.BUS_OPERATOR, Role.CITIZEN):
        client = login(UserFactory(role=role))
        assert client.get(reverse("checkpoints:monitor")).status_code == 403
        assert client.get(reverse("checkpoints:passage", args=[day["refer"].pk])).status_code == 403


def test_an_outsider_sees_no_checkpoint_of_another_ward_and_gets_404_on_its_pages(
    outsider_client: Client, day: dict[str, Passage]
) -> None:
    assert board(outsider_client).checkpoints == []
    assert outsider_client.get(reverse("checkpoints:monitor_json")).json()["checkpoints"] == []
    checkpoint_id = day["in_1110"].checkpoint_id
    assert outsider_client.get(reverse("checkpoints:passages", args=[checkpoint_id])).status_code == 404
    assert outsider_client.get(reverse("checkpoints:passage", args=[day["deny"].pk])).status_code == 404
    assert outsider_client.get(reverse("checkpoints:report")).context["rows"] == []


def test_the_checkpoint_team_sees_its_own_checkpoint_and_not_the_other(
    guard_client: Client, day: dict[str, Passage], other_checkpoint: Checkpoint
) -> None:
    assert [cb.checkpoint.name for cb in board(guard_client).checkpoints] == ["Chốt Km 12 QL4D"]
    assert guard_client.get(reverse("checkpoints:passages", args=[other_checkpoint.pk])).status_code == 404
    assert guard_client.get(reverse("checkpoints:passage", args=[day["other"].pk])).status_code == 404


def test_the_province_cdc_sees_every_checkpoint(cdc: User, day: dict[str, Passage]) -> None:
    assert [cb.checkpoint.name for cb in board(login(cdc)).checkpoints] == ["Chốt Km 12 QL4D", "Chốt Pa So"]


def test_an_inactive_checkpoint_is_not_on_the_board(
    cdc: User, day: dict[str, Passage], other_checkpoint: Checkpoint
) -> None:
    Checkpoint.objects.filter(pk=other_checkpoint.pk).update(is_active=False)
    assert [cb.checkpoint.name for cb in board(login(cdc)).checkpoints] == ["Chốt Km 12 QL4D"]


# --- The board's figures ----------------------------------------------------------------


def test_the_board_counts_today_in_and_out_and_the_flagged(centre: User, day: dict[str, Passage]) -> None:
    (cb,) = board(login(centre)).checkpoints
    assert (cb.entering_today, cb.leaving_today, cb.flagged_today) == (3, 2, 2)


def test_the_board_counts_each_hour_of_the_last_24_in_and_out(centre: User, day: dict[str, Passage]) -> None:
    (cb,) = board(login(centre)).checkpoints
    assert len(cb.hours) == 24
    assert cb.hours[0].hour == at(13, days_ago=1) and cb.hours[-1].hour == at(12)
    counts = {h.hour: (h.entering, h.leaving) for h in cb.hours if h.entering or h.leaving}
    assert counts == {at(20, days_ago=1): (1, 0), at(9): (0, 1), at(11): (2, 1), at(12): (1, 0)}
    assert cb.peak == 2


def test_the_flagged_list_shows_the_latest_refer_and_deny_masked_with_reasons(
    centre: User, day: dict[str, Passage]
) -> None:
    flagged = board(login(centre)).flagged
    assert [f.passage_id for f in flagged] == [day["refer"].pk, day["deny"].pk]  # yesterday's 10:00 is too old
    refer = flagged[0]
    assert refer.traveller == "Lò V. K."
    with translation.override("vi"):  # the portal's language, as the page spoke it
        assert refer.reasons == [finding_label("yellow"), finding_label("fever")]
    assert refer.destination == home_ward(3).name
    assert flagged[1].traveller == "•••901"


def test_the_page_links_each_flagged_traveller_to_the_passage_and_offers_a_refresh_link(
    centre: User, day: dict[str, Passage]
) -> None:
    page = login(centre).get(reverse("checkpoints:monitor")).content.decode()
    assert reverse("checkpoints:passage", args=[day["refer"].pk]) in page
    assert f'href="{reverse("checkpoints:monitor")}"' in page  # the Refresh link, for pages without JavaScript
    assert "Lò Văn Khách" not in page and "Lò V. K." in page
    assert "http-equiv" not in page
    assert "js/checkpoint-monitor.js" in page and "<script>" not in page


def test_the_json_carries_the_same_figures_for_the_script(centre: User, day: dict[str, Passage]) -> None:
    response = login(centre).get(reverse("checkpoints:monitor_json"))
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    (cp,) = data["checkpoints"]
    assert (cp["id"], cp["entering"], cp["leaving"], cp["flagged"]) == (day["in_1110"].checkpoint_id, 3, 2, 2)
    assert len(cp["hours"]) == 24
    assert cp["hours"][-1] == {"hour": at(12).isoformat(), "label": "12", "in": 1, "out": 0}
    assert sum(h["in"] for h in cp["hours"]) == 4 and sum(h["out"] for h in cp["hours"]) == 2
    assert [f["url"] for f in data["flagged"]] == [day["refer"].get_absolute_url(), day["deny"].get_absolute_url()]
    assert data["flagged"][0]["traveller"] == "Lò V. K."


def test_the_board_shows_who_is_on_duty_now(
    centre: User, guard: User, checkpoint: Checkpoint, clock: list[datetime]
) -> None:
    guard.first_name, guard.last_name = "Sử", "Giàng A"
    guard.save(update_fields=["first_name", "last_name"])
    DutyShift.objects.create(checkpoint=checkpoint, user=guard, started_at=NOW - timedelta(hours=2))
    gone = UserFactory(role=Role.CHECKPOINT_STAFF, first_name="Về", last_name="Đã")
    DutyShift.objects.create(
        checkpoint=checkpoint, user=gone, started_at=NOW - timedelta(hours=9), ended_at=NOW - timedelta(hours=1)
    )
    client = login(centre)
    (cb,) = board(client).checkpoints
    assert cb.on_duty == ["Giàng A Sử"]
    assert client.get(reverse("checkpoints:monitor_json")).json()["checkpoints"][0]["on_duty"] == ["Giàng A Sử"]


def test_a_tablet_is_shown_offline_once_it_was_not_heard_from_for_the_threshold(
    centre: User, checkpoint: Checkpoint, clock: list[datetime], settings: Any
) -> None:
    settings.CHECKPOINT_TABLET_OFFLINE_AFTER = timedelta(minutes=10)
    Tablet.objects.create(
        device_id="tablet-a1b2c3d4", checkpoint=checkpoint, label="Máy 1", last_seen_at=NOW,
        last_sync_at=NOW - timedelta(minutes=1), pending=7,
    )  # fmt: skip
    client = login(centre)

    clock[0] = NOW + timedelta(minutes=9)
    (tablet,) = board(client).checkpoints[0].tablets
    assert not tablet.offline and tablet.pending == 7

    clock[0] = NOW + timedelta(minutes=11)
    (tablet,) = board(client).checkpoints[0].tablets
    assert tablet.offline
    (data,) = client.get(reverse("checkpoints:monitor_json")).json()["checkpoints"][0]["tablets"]
    assert data["offline"] is True and data["pending"] == 7 and data["label"] == "Máy 1"
    assert "offline" in client.get(reverse("checkpoints:monitor")).content.decode()


def test_the_hours_are_local_hours_ending_with_the_current_one() -> None:
    slots = hour_slots(NOW)
    assert slots[-1] == at(12) and slots[0] == at(13, days_ago=1)
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(slots))


def _busy_province(count: int) -> list[Checkpoint]:
    """``count`` checkpoints, each with passages today, a tablet, a guard on duty."""
    made = []
    for i in range(count):
        cp = CheckpointFactory(name=f"Chốt số {i}", ward=home_ward(i % 5))
        passage(cp, at(11, i), person=PersonFactory())
        passage(cp, at(10, i), direction="out", verdict="deny", person=PersonFactory(), reasons=["red"])
        Tablet.objects.create(device_id=f"tablet-{uuid.uuid4()}", checkpoint=cp, last_seen_at=NOW)
        DutyShift.objects.create(checkpoint=cp, user=UserFactory(role=Role.CHECKPOINT_STAFF), started_at=NOW)
        made.append(cp)
    return made


@pytest.mark.parametrize("name", ["checkpoints:monitor", "checkpoints:monitor_json"])
def test_the_board_costs_the_same_queries_for_one_checkpoint_or_many(
    name: str, cdc: User, clock: list[datetime], django_assert_max_num_queries: Callable[..., Any]
) -> None:
    client = login(cdc)
    _busy_province(1)
    with django_assert_max_num_queries(12) as one:
        assert client.get(reverse(name)).status_code == 200
    _busy_province(6)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse(name))
    assert response.status_code == 200


# --- The daily report ------------------------------------------------------------------


def _rows(rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {
        (r["day"], r["checkpoint__name"], r["direction"], r["total"], r["allow"], r["declare"], r["refer"], r["deny"])
        for r in rows
    }


def test_the_report_counts_each_day_checkpoint_and_direction_by_verdict(cdc: User, day: dict[str, Passage]) -> None:
    response = login(cdc).get(reverse("checkpoints:report"))
    assert response.status_code == 200
    assert (response.context["date_from"], response.context["date_to"]) == (TODAY - timedelta(days=6), TODAY)
    yesterday = TODAY - timedelta(days=1)
    assert _rows(response.context["rows"]) == {
        (TODAY, "Chốt Km 12 QL4D", "in", 3, 2, 0, 1, 0),
        (TODAY, "Chốt Km 12 QL4D", "out", 2, 1, 0, 0, 1),
        (yesterday, "Chốt Km 12 QL4D", "in", 2, 1, 0, 0, 1),
        (TODAY, "Chốt Pa So", "in", 1, 1, 0, 0, 0),
    }
    assert response.context["totals"]["total"] == 8


def test_the_report_keeps_to_the_chosen_days_and_the_users_checkpoints(
    guard_client: Client, day: dict[str, Passage]
) -> None:
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    response = guard_client.get(reverse("checkpoints:report"), {"date_from": yesterday, "date_to": yesterday})
    assert _rows(response.context["rows"]) == {(TODAY - timedelta(days=1), "Chốt Km 12 QL4D", "in", 2, 1, 0, 0, 1)}
    response = guard_client.get(reverse("checkpoints:report"))
    assert {r["checkpoint__name"] for r in response.context["rows"]} == {"Chốt Km 12 QL4D"}


def test_the_report_exports_as_csv_that_parses(cdc: User, day: dict[str, Passage]) -> None:
    response = login(cdc).get(reverse("checkpoints:report_export", args=["csv"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 4
    first = rows[0]  # newest day first, then by checkpoint name and direction
    assert first["day"] == TODAY.isoformat() and first["checkpoint"] == "Chốt Km 12 QL4D"
    assert (first["direction"], first["total"], first["allow"], first["refer"], first["deny"]) == (
        "in",
        "3",
        "2",
        "1",
        "0",
    )
    assert rows[0]["ward_code"] == str(home_ward(0).code)


def test_the_report_exports_as_xlsx_that_parses(cdc: User, day: dict[str, Passage]) -> None:
    response = login(cdc).get(reverse("checkpoints:report_export", args=["xlsx"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert list(values[0]) == [
        "day", "checkpoint_id", "checkpoint", "ward_code", "ward", "direction", "total",
        "allow", "declare", "refer", "deny",
    ]  # fmt: skip
    assert len(values) == 5
    assert sum(row[6] for row in values[1:]) == 8


@pytest.mark.parametrize("fmt", ["", "csv", "xlsx"])
def test_the_report_and_its_exports_cost_the_same_queries_for_one_checkpoint_or_many(
    fmt: str, cdc: User, clock: list[datetime], django_assert_max_num_queries: Callable[..., Any]
) -> None:
    client = login(cdc)
    url = reverse("checkpoints:report_export", args=[fmt]) if fmt else reverse("checkpoints:report")

    def fetch() -> None:
        response = client.get(url)
        assert response.status_code == 200
        if fmt == "csv":
            b"".join(response.streaming_content)  # the rows are read while streaming

    _busy_province(1)
    with django_assert_max_num_queries(8) as one:
        fetch()
    _busy_province(6)
    with django_assert_max_num_queries(len(one.captured_queries)):
        fetch()


def test_an_unknown_export_format_is_404(cdc: User) -> None:
    assert login(cdc).get(reverse("checkpoints:report_export", args=["pdf"])).status_code == 404


# --- Passages -------------------------------------------------------------------------


def test_the_passage_list_filters_by_day_verdict_and_direction(guard_client: Client, day: dict[str, Passage]) -> None:
    url = reverse("checkpoints:passages", args=[day["in_1110"].checkpoint_id])

    def ids(**params: str) -> list[int]:
        response = guard_client.get(url, params)
        assert response.status_code == 200
        return [row["p"].pk for row in response.context["rows"]]

    assert len(ids()) == 7
    assert ids(verdict="deny") == [day["deny"].pk, day["yesterday_deny"].pk]
    assert ids(verdict="deny", date_from=TODAY.isoformat()) == [day["deny"].pk]
    assert ids(direction="out") == [day["out_1150"].pk, day["deny"].pk]
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert ids(date_from=yesterday, date_to=yesterday) == [day["yesterday_20"].pk, day["yesterday_deny"].pk]
    page = guard_client.get(url).content.decode()
    assert "Lò V. K." in page and "Lò Văn Khách" not in page


def test_the_passage_list_pages_by_scan_time_with_a_flat_number_of_queries(
    guard_client: Client,
    checkpoint: Checkpoint,
    clock: list[datetime],
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    people = [PersonFactory() for _ in range(3)]
    Passage.objects.bulk_create(
        [
            Passage(client_id=uuid.uuid4(), checkpoint=checkpoint, direction="in", verdict="allow",
                    reasons=["green"], person=people[i % 3], destination_ward=home_ward(i % 4),
                    scanned_at=NOW - timedelta(minutes=i))
            for i in range(60)
        ]
    )  # fmt: skip
    url = reverse("checkpoints:passages", args=[checkpoint.pk])
    with django_assert_max_num_queries(12) as first:
        response = guard_client.get(url)
    first_page = [row["p"].pk for row in response.context["rows"]]
    assert len(first_page) == 50 and response.context["cursor"]
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = guard_client.get(url, {"before": response.context["cursor"]})
    second_page = [row["p"].pk for row in response.context["rows"]]
    assert len(second_page) == 10 and not response.context["cursor"]
    assert not set(first_page) & set(second_page)


def test_health_staff_see_the_full_name_and_the_view_is_audited(
    centre: User, day: dict[str, Passage], traveller_person: Person
) -> None:
    refer = day["refer"]
    response = login(centre).get(reverse("checkpoints:passage", args=[refer.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lò Văn Khách" in page
    assert f"q={traveller_person.id_number}" in page  # the person's declarations
    with translation.override("vi"):
        assert response.context["reasons"] == [finding_label("yellow"), finding_label("fever")]
    assert "38,2" in page  # Vietnamese decimal comma
    event = AuditEvent.objects.get(action="checkpoint.passage.view")
    assert (event.actor, event.person_id, event.object_id) == (centre, traveller_person.pk, str(refer.pk))


def test_the_checkpoint_team_sees_the_masked_name_and_the_view_is_still_audited(
    guard_client: Client, guard: User, day: dict[str, Passage], traveller_person: Person
) -> None:
    page = guard_client.get(reverse("checkpoints:passage", args=[day["refer"].pk])).content.decode()
    assert "Lò V. K." in page and "Lò Văn Khách" not in page
    assert (
        AuditEvent.objects.filter(action="checkpoint.passage.view", actor=guard, person_id=traveller_person.pk).count()
        == 1
    )


def test_a_passage_without_a_known_person_is_shown_without_an_audit_event(
    centre: User, day: dict[str, Passage]
) -> None:
    assert login(centre).get(reverse("checkpoints:passage", args=[day["deny"].pk])).status_code == 200
    assert not AuditEvent.objects.filter(action="checkpoint.passage.view").exists()


def test_the_station_of_the_destination_opens_the_passage_from_its_alert_but_not_the_checkpoints_list(
    day: dict[str, Passage],
) -> None:
    """The alert goes to the units of the destination ward; its link must work for them."""
    station = HealthUnitFactory(name="Trạm đích", wards=[home_ward(3)])
    client = login(UserFactory(role=Role.COMMUNE_STATION, health_unit=station))
    assert client.get(reverse("checkpoints:passage", args=[day["refer"].pk])).status_code == 200
    assert client.get(reverse("checkpoints:passage", args=[day["in_1110"].pk])).status_code == 404
    assert client.get(reverse("checkpoints:passages", args=[day["refer"].checkpoint_id])).status_code == 404
    assert board(client).checkpoints == []


def test_the_passage_shows_the_travellers_other_passages_to_health_staff(
    centre: User, day: dict[str, Passage], traveller_person: Person, checkpoint: Checkpoint
) -> None:
    earlier = passage(checkpoint, at(8, 0, days_ago=2), direction="out", person=traveller_person)
    response = login(centre).get(reverse("checkpoints:passage", args=[day["refer"].pk]))
    assert [p.pk for p in response.context["others"]] == [earlier.pk]


def test_a_passage_link_names_its_time_and_the_page_reads_the_passage_by_it(
    centre: User, day: dict[str, Passage]
) -> None:
    refer, client = day["refer"], login(centre)
    url = refer.get_absolute_url()
    assert url.startswith(reverse("checkpoints:passage", args=[refer.pk]) + "?at=")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    read = next(q["sql"] for q in queries if 'FROM "checkpoints_passage"' in q["sql"] and '."id" =' in q["sql"])
    assert '"checkpoints_passage"."scanned_at" =' in read  # PostgreSQL reads one day's partition
    # The passage at another time is not this one.
    assert client.get(passage_url(refer.pk, refer.scanned_at + timedelta(microseconds=1))).status_code == 404


def test_a_passage_link_without_its_time_or_with_one_not_ours_still_opens_the_passage(
    centre: User, day: dict[str, Passage]
) -> None:
    client, bare = login(centre), reverse("checkpoints:passage", args=[day["refer"].pk])
    for url in (bare, f"{bare}?at=", f"{bare}?at=soon", f"{bare}?at={'9' * 40}"):  # alerts raised before, odd links
        assert client.get(url).status_code == 200, url
