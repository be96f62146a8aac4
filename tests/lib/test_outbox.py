"""The task outbox: a task queued by a write is recorded with it and reaches the broker once,
even when Redis is down at the commit or two relays run at once."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from truyvet.celery import app
from truyvet.lib import outbox
from truyvet.lib.models import OutboxMessage
from truyvet.lib.tasks import deliver_notifications

CLOSED_PORT = "redis://127.0.0.1:9/0"  # nothing listens on the discard port: connection refused
TEST_QUEUE = "outbox-test"  # a queue of its own, so no worker of the suite ever takes these


def use_broker(url: str) -> None:
    """Point the Celery app at ``url`` from the next send on (its connection pools rebuilt)."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def through_the_outbox() -> Iterator[None]:
    """Tasks go through the outbox, as in production (the suite runs them inline otherwise)."""
    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager
    use_broker(broker)


@pytest.fixture
def redis_queue() -> Iterator[redis.Redis]:
    """A real Redis (REDIS_URL), its test queue emptied before and after."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (a real Redis)")
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(TEST_QUEUE)
    yield client
    client.delete(TEST_QUEUE)


def queued_tasks(client: redis.Redis) -> list[tuple[str, list[Any]]]:
    """The (task, args) of each message waiting in the test queue, oldest first."""
    found = []
    for raw in reversed(client.lrange(TEST_QUEUE, 0, -1)):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        found.append((message["headers"]["task"], args))
    return found


@pytest.mark.django_db
def test_a_task_queued_in_a_transaction_that_rolls_back_leaves_nothing(through_the_outbox: None) -> None:
    use_broker(CLOSED_PORT)
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(deliver_notifications, [1, 2])
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("the write failed")
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_inline_a_task_runs_on_commit_and_writes_no_row(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ran: list[list[int]] = []
    monkeypatch.setattr(deliver_notifications, "delay", ran.append)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.enqueue(deliver_notifications, [7])
        assert ran == []
    assert ran == [[7]]
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_redis_down_at_the_commit_leaves_the_message_for_the_relay(
    through_the_outbox: None, django_capture_on_commit_callbacks: Any
) -> None:
    use_broker(CLOSED_PORT)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.enqueue(deliver_notifications, [41], queue=TEST_QUEUE)
    message = OutboxMessage.objects.get()
    assert message.dispatched_at is None and message.attempts == 1
    assert "Error" in message.last_error
    assert message.available_at > timezone.now(), "the relay waits before trying again"
    assert outbox.backlog().pending == 1


@pytest.mark.django_db
def test_once_redis_answers_the_relay_sends_what_waited_exactly_once(
    through_the_outbox: None, redis_queue: redis.Redis, django_capture_on_commit_callbacks: Any
) -> None:
    use_broker(CLOSED_PORT)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.enqueue(deliver_notifications, [41], queue=TEST_QUEUE)
    assert outbox.relay().sent == 0, "still down, and not due yet"
    use_broker(settings.REDIS_URL)
    OutboxMessage.objects.update(available_at=timezone.now())  # the back-off has passed
    assert outbox.relay().sent == 1
    assert outbox.relay().sent == 0, "a second run finds nothing to send"
    assert queued_tasks(redis_queue) == [("truyvet.lib.tasks.deliver_notifications", [[41]])]
    message = OutboxMessage.objects.get()
    assert message.dispatched_at is not None and message.attempts == 2


@pytest.mark.django_db
def test_with_redis_up_the_task_is_sent_right_after_the_commit(
    through_the_outbox: None, redis_queue: redis.Redis, django_capture_on_commit_callbacks: Any
) -> None:
    use_broker(settings.REDIS_URL)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.enqueue(deliver_notifications, [5, 6], queue=TEST_QUEUE)
        assert queued_tasks(redis_queue) == [], "nothing leaves before the commit"
    assert queued_tasks(redis_queue) == [("truyvet.lib.tasks.deliver_notifications", [[5, 6]])]
    assert OutboxMessage.objects.get().dispatched_at is not None


@pytest.mark.django_db
def test_a_task_whose_writer_died_after_the_commit_is_sent_by_the_relay_after_the_grace(
    through_the_outbox: None, redis_queue: redis.Redis, django_capture_on_commit_callbacks: Any
) -> None:
    use_broker(settings.REDIS_URL)
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():  # died: no send after commit
        outbox.enqueue(deliver_notifications, [9], queue=TEST_QUEUE)
    assert outbox.relay().sent == 0, "within the grace the writer is still expected to send it"
    OutboxMessage.objects.update(available_at=timezone.now())  # the grace has passed
    assert outbox.relay().sent == 1
    assert queued_tasks(redis_queue) == [("truyvet.lib.tasks.deliver_notifications", [[9]])]


@pytest.mark.django_db
def test_a_delayed_task_waits_for_its_time_and_is_then_sent_once(
    through_the_outbox: None, redis_queue: redis.Redis, django_capture_on_commit_callbacks: Any
) -> None:
    use_broker(settings.REDIS_URL)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.enqueue(deliver_notifications, [3], queue=TEST_QUEUE, delay=30)
    assert queued_tasks(redis_queue) == [], "not sent after the commit"
    assert outbox.relay().sent == 0, "not due yet"
    OutboxMessage.objects.update(available_at=timezone.now())  # thirty seconds later
    assert outbox.relay().sent == 1 and outbox.relay().sent == 0
    assert queued_tasks(redis_queue) == [("truyvet.lib.tasks.deliver_notifications", [[3]])]


@pytest.mark.django_db
def test_the_relay_command_sends_the_backlog_and_reports_what_is_left(
    through_the_outbox: None, redis_queue: redis.Redis
) -> None:
    OutboxMessage.objects.bulk_create(
        OutboxMessage(task="truyvet.lib.tasks.deliver_notifications", args=[[n]], queue=TEST_QUEUE) for n in range(5)
    )
    use_broker(settings.REDIS_URL)
    out = StringIO()
    call_command("outbox_relay", "--once", stdout=out)
    assert out.getvalue().strip() == "0 pending"
    assert [args for _task, args in queued_tasks(redis_queue)] == [[[n]] for n in range(5)]


@pytest.mark.django_db
def test_messages_sent_long_ago_are_purged_and_pending_ones_kept(settings: Any) -> None:
    settings.OUTBOX_RETENTION_HOURS = 24
    now = timezone.now()
    old = OutboxMessage.objects.create(task="t", dispatched_at=now - timedelta(hours=25))
    recent = OutboxMessage.objects.create(task="t", dispatched_at=now - timedelta(hours=1))
    pending = OutboxMessage.objects.create(task="t", created_at=now - timedelta(days=3))
    assert outbox.purge(now=now) == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}
    assert old.pk not in OutboxMessage.objects.values_list("pk", flat=True)
    figures = outbox.backlog(now=now)
    assert figures.pending == 1 and figures.oldest_seconds == pytest.approx(3 * 86400)


# --- Two relays at once (PostgreSQL: FOR UPDATE SKIP LOCKED) --------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks with SKIP LOCKED are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_relays_running_at_once_send_each_message_once(monkeypatch: pytest.MonkeyPatch) -> None:
    OutboxMessage.objects.bulk_create(
        OutboxMessage(task="truyvet.lib.tasks.deliver_notifications", args=[[n]]) for n in range(60)
    )
    sent: list[int] = []
    lock = threading.Lock()
    first_batch_held = threading.Event()
    release = threading.Event()

    def record(name: str, args: list[Any], **options: Any) -> None:
        with lock:
            sent.append(args[0][0])
        if threading.current_thread().name == "relay-a" and not first_batch_held.is_set():
            first_batch_held.set()  # relay A holds its first batch's rows locked until B has run
            release.wait(timeout=30)

    monkeypatch.setattr(app, "send_task", record)
    results: dict[str, outbox.RelayResult] = {}

    def run(name: str) -> None:
        try:
            results[name] = outbox.relay(batch=10)
        finally:
            connections.close_all()

    a = threading.Thread(target=run, args=("relay-a",), name="relay-a")
    a.start()
    assert first_batch_held.wait(timeout=30)
    b = threading.Thread(target=run, args=("relay-b",), name="relay-b")
    b.start()
    b.join(timeout=60)
    release.set()
    a.join(timeout=60)
    assert sorted(sent) == list(range(60)), "every message sent, none twice"
    assert results["relay-a"].sent + results["relay-b"].sent == 60
    assert results["relay-b"].sent == 50, "B skipped the 10 rows A held and sent the rest"
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    assert not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="synchronous_commit is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_marking_a_sent_message_does_not_wait_for_the_disk_and_the_next_commit_still_does() -> None:
    message = OutboxMessage.objects.create(task="t")
    with CaptureQueriesContext(connection) as queries:
        outbox.mark_now([message.pk])
    assert len(queries) == 1 and "set_config('synchronous_commit', 'off', true)" in queries[0]["sql"]
    message.refresh_from_db()
    assert message.dispatched_at is not None and message.attempts == 1
    with connection.cursor() as cursor:  # for that transaction alone
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)
