"""A reading on PostgreSQL is one statement: its receipt, its row, its passage and its tasks
(the outbox) together; the tasks without delay are sent after it, their marks carried by
the next reading, and nothing is lost when the broker is down."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext

from edge_devices import tasks
from edge_devices.models import Reading, ReadingReceipt
from tests.edge_devices.conftest import photo, reading
from truyvet.lib import outbox
from truyvet.lib.models import OutboxMessage

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one statement is PostgreSQL's"),
]


@pytest.fixture
def broker(monkeypatch) -> list[OutboxMessage]:
    """Tasks through the outbox (as with Redis), the broker replaced by a list."""
    sent: list[OutboxMessage] = []

    def publish(rows: list[OutboxMessage]) -> tuple[list[int], None]:
        sent.extend(rows)
        return [row.pk for row in rows], None

    monkeypatch.setattr(outbox, "inline", lambda: False)
    monkeypatch.setattr(outbox, "_publish", publish)
    monkeypatch.setattr(outbox, "MARK_CARRY_SECONDS", 3600.0)
    monkeypatch.setattr(outbox, "_last_send", [0.0])
    monkeypatch.setattr(outbox, "_unmarked", [])
    return sent


def post(client: Client, body: dict) -> dict:
    """Post a reading and run what it left for after the commit (the sends)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/api/v1/devices/readings/", body, content_type="application/json")
    assert response.status_code in (200, 202), response.content
    return response.json()


def test_a_reading_with_a_snapshot_is_one_statement_with_its_receipt_and_tasks(
    camera_client: Client, broker: list[OutboxMessage]
) -> None:
    with CaptureQueriesContext(connection) as queries:
        answer = post(camera_client, reading(image=photo("coffee.jpg")))
    writes = [q["sql"] for q in queries.captured_queries if "INSERT INTO edge_devices_reading" in q["sql"]]
    assert len(writes) == 1, writes
    assert "edge_devices_readingreceipt" in writes[0] and "lib_outboxmessage" in writes[0]
    assert ReadingReceipt.objects.get().reading_id == answer["id"]
    messages = {m.task: m for m in OutboxMessage.objects.all()}
    assert set(messages) == {tasks.process_snapshot.name, tasks.relink_reading.name}
    assert messages[tasks.process_snapshot.name].args == [answer["id"]]
    assert messages[tasks.process_snapshot.name].queue == "edge"
    # Sent at once: the snapshot (the later link waits for the relay, when due).
    assert [(m.task, m.args, m.queue) for m in broker] == [(tasks.process_snapshot.name, [answer["id"]], "edge")]
    assert Reading.objects.get(pk=answer["id"]).image


def test_the_next_reading_carries_the_marks_of_the_tasks_sent_before(
    camera_client: Client, broker: list[OutboxMessage]
) -> None:
    first = post(camera_client, reading(image=photo("coffee.jpg")))
    second = post(camera_client, reading(image=photo("coffee.jpg")))
    third = post(camera_client, reading(image=photo("coffee.jpg")))
    snapshot = OutboxMessage.objects.filter(task=tasks.process_snapshot.name)
    dispatched = {m.args[0]: m.dispatched_at is not None for m in snapshot}
    # The first marked on its own (no send just before), the second by the third's statement,
    # the third waits for the next reading (or the relay, after the grace).
    assert dispatched == {first["id"]: True, second["id"]: True, third["id"]: False}
    assert len(broker) == 3


def test_a_retry_makes_no_task_and_answers_the_first_reading(camera_client: Client, broker) -> None:
    body = reading(39.0, image=photo("coffee.jpg"))
    first = post(camera_client, body)
    count = OutboxMessage.objects.count()
    again = post(camera_client, body)
    assert again == first == {"id": first["id"], "fever": True}
    assert OutboxMessage.objects.count() == count
    assert Reading.objects.count() == 1


def test_a_fever_alert_is_written_and_sent_with_the_reading(camera_client: Client, broker) -> None:
    answer = post(camera_client, reading(38.6))
    assert {(m.task, tuple(m.args)) for m in broker} == {(tasks.fever_alert.name, (answer["id"],))}
    repeat = post(camera_client, reading(38.7))  # the same traveller: grouped, no second alert
    assert Reading.objects.get(pk=repeat["id"]).fever_group_id == answer["id"]
    assert OutboxMessage.objects.filter(task=tasks.fever_alert.name).count() == 1


def test_with_the_broker_down_the_snapshot_task_waits_in_the_outbox(camera_client: Client, monkeypatch) -> None:
    monkeypatch.setattr(outbox, "inline", lambda: False)
    monkeypatch.setattr(outbox, "_publish", lambda rows: ([], (rows[0], "ConnectionError: refused")))
    answer = post(camera_client, reading(image=photo("coffee.jpg")))
    waiting = OutboxMessage.objects.get(task=tasks.process_snapshot.name)
    assert waiting.args == [answer["id"]] and waiting.dispatched_at is None
    assert waiting.attempts == 1 and "refused" in waiting.last_error


def test_a_reading_whose_day_partition_is_gone_is_routed_by_the_parent(camera_client: Client, monkeypatch) -> None:
    from edge_devices import services

    monkeypatch.setattr(services, "_target_table", lambda captured_at: "edge_devices_reading_p19990101")
    answer = post(camera_client, reading(image=photo("coffee.jpg")))
    assert Reading.objects.filter(pk=answer["id"]).exists()
    assert ReadingReceipt.objects.get().reading_id == answer["id"]
