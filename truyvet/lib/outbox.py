"""The transactional outbox: follow-up work (matching, warnings, SMS, alerts, snapshots, IOC
deliveries) is recorded in the same transaction as the change it follows, and sent to Celery
once that transaction has committed.

``transaction.on_commit(lambda: task.delay(...))`` loses the work when Redis is down at that
moment, or when the process dies between the commit and the send. ``enqueue`` writes an
``OutboxMessage`` row instead, in the caller's transaction (a rollback takes it away with the
rest), and asks for it to be sent right after the commit (best effort: low latency while Redis
answers). Whatever that did not send, the relay sends: ``manage.py outbox_relay`` (a process of
its own, started by ``bin/up`` and ``docker-compose.yml``) and the beat entry ``outbox-relay``.

Relays claim rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL), send them and mark
them dispatched in the same transaction: two relays never send the same row, and a relay that
dies after a send but before its commit leaves the row to be sent again. So delivery is at
least once, and every task queued this way must be idempotent (docs/ARCHITECTURE.md).

With tasks run inline (no ``REDIS_URL``: ``make run`` and the test suite) there is nothing to
relay to: ``enqueue`` runs the task on commit, as before.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Min
from django.utils import timezone

from truyvet.lib.models import OutboxMessage

log = logging.getLogger(__name__)


def enqueue(task: Any, *args: Any, queue: str | None = None, robust: bool = False, delay: int = 0) -> None:
    """Queue ``task(*args)`` (on ``queue``, else the task's default) once the current
    transaction commits; at once outside a transaction. ``args`` must be JSON (ids).
    ``delay``: not before this many seconds after the commit (the relay sends it when due;
    inline, at once).

    ``robust`` (inline mode only): an error of the task is logged rather than raised to the
    caller, whose write is committed already."""
    if task.app.conf.task_always_eager:
        options: dict[str, Any] = {"queue": queue} if queue else {}
        if delay:
            options["countdown"] = delay  # inline it runs at once all the same
        if options:
            transaction.on_commit(lambda: task.apply_async(args, **options), robust=robust)
        else:
            transaction.on_commit(lambda: task.delay(*args), robust=robust)
        return
    # The relay leaves the row alone for OUTBOX_SEND_GRACE_SECONDS: this process sends it right
    # after the commit without locking it (one UPDATE, no transaction of its own); if it dies
    # first, the relay sends it once the grace has passed.
    if delay:
        OutboxMessage.objects.create(
            task=task.name, args=list(args), queue=queue or "", available_at=timezone.now() + timedelta(seconds=delay)
        )
        return
    grace = timedelta(seconds=settings.OUTBOX_SEND_GRACE_SECONDS)
    message = OutboxMessage.objects.create(
        task=task.name, args=list(args), queue=queue or "", available_at=timezone.now() + grace
    )
    transaction.on_commit(partial(_send_soon, message), robust=True)


def _send_soon(message: OutboxMessage) -> None:
    """Right after the commit: send the message now; if the broker is down, the relay will."""
    try:
        sent, failure = _publish([message])
        if sent:
            mark_now([message.pk])
        elif failure is not None:
            _failed(message, failure[1])
    except Exception as exc:  # noqa: BLE001 (the relay sends it later; never fail the committed write)
        log.warning("outbox: message %s left to the relay: %s", message.pk, exc)


def _failed(message: OutboxMessage, error: str) -> None:
    message.attempts += 1
    OutboxMessage.objects.filter(pk=message.pk, dispatched_at__isnull=True).update(
        attempts=message.attempts, available_at=timezone.now() + _backoff(message.attempts), last_error=error[:500]
    )
    log.warning("outbox: sending %s failed (attempt %s): %s", message.task, message.attempts, error)


# --- Messages written by the caller's own statement (hot paths, PostgreSQL) ------------------
#
# A reading from a camera writes its row and its tasks in one statement (data-modifying
# CTEs): ``insert_from_sql`` gives the INSERT of the messages, ``send_written`` sends them
# after the commit. Marking them dispatched is one more statement, so a process that sends
# often leaves the marks for its next such statement to carry (``marks_to_carry``,
# ``mark_sql``); the relay sends a message whose mark never came (the process died, or no
# statement followed within OUTBOX_SEND_GRACE_SECONDS) a second time: at least once, as always.

# Marks are carried by the next statement only while sends come closer than this.
MARK_CARRY_SECONDS = 1.0
_MARKS_MAX = 1000
_marks_lock = threading.Lock()
_unmarked: list[int] = []
_last_send = [0.0]


def inline() -> bool:
    """Tasks run in this process (no broker): nothing is written to the table (``enqueue``)."""
    return bool(current_app.conf.task_always_eager)


def insert_from_sql(
    task: Any, *, source: str, args_sql: str, where: str = "TRUE", queue: str | None = None, delay: int = 0
) -> tuple[str, list[Any]]:
    """``INSERT ... SELECT ... RETURNING id``: a message for ``task`` per row of ``source``
    (a CTE of the caller's statement) matching ``where``, its args the JSON array
    ``args_sql`` (an SQL expression over ``source``'s columns). Sent by the relay when due;
    without ``delay``, the caller sends it after its commit with ``send_written``."""
    now = timezone.now()
    available = now + timedelta(seconds=delay or settings.OUTBOX_SEND_GRACE_SECONDS)
    table = OutboxMessage._meta.db_table
    sql = (
        f"INSERT INTO {table} (task, args, queue, created_at, available_at, attempts, last_error) "  # noqa: S608 (our table, our SQL)
        f"SELECT %s, {args_sql}, %s, %s, %s, 0, '' FROM {source} WHERE {where} RETURNING id"
    )
    return sql, [task.name, queue or "", now, available]


def written(pk: int, task: Any, *args: Any, queue: str | None = None) -> OutboxMessage:
    """The message ``insert_from_sql`` wrote as ``pk``, to hand to ``send_written``."""
    return OutboxMessage(pk=pk, task=task.name, args=list(args), queue=queue or "")


def send_written(messages: list[OutboxMessage]) -> None:
    """Send messages the caller's statement wrote: after the commit (at once in autocommit).
    Never raises: what was not sent, the relay sends."""

    def send() -> None:
        try:
            sent, failure = _publish(messages)
            if failure is not None:
                _failed(*failure)
            _mark_later(sent)
        except Exception as exc:  # noqa: BLE001 (the relay sends them later; the write is committed)
            log.warning("outbox: messages %s left to the relay: %s", [m.pk for m in messages], exc)

    if not messages:
        return
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(send, robust=True)
    else:
        send()


def _mark_later(ids: list[int]) -> None:
    if not ids:
        return
    now = time.monotonic()
    with _marks_lock:
        carry = now - _last_send[0] < MARK_CARRY_SECONDS and len(_unmarked) < _MARKS_MAX
        _last_send[0] = now
        if carry:
            _unmarked.extend(ids)
            return
        ids = [*_unmarked, *ids]
        _unmarked.clear()
    mark_now(ids)


def mark_now(ids: list[int]) -> None:
    """Mark sent messages dispatched in a statement of their own. A mark lost in a crash only
    means the relay sends its message again (at least once, as always), so outside a
    transaction its commit does not wait for the disk (PostgreSQL's ``synchronous_commit``
    off for this transaction alone): a request that queued a task waits for one flush of the
    write-ahead log, its own write's, not two."""
    if not ids:
        return
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        OutboxMessage.objects.filter(pk__in=ids, dispatched_at__isnull=True).update(
            dispatched_at=timezone.now(), attempts=F("attempts") + 1
        )
        return
    # One statement in autocommit: set_config(..., true) holds for its own transaction, whose
    # commit reads the setting.
    with connection.cursor() as cursor:
        cursor.execute(_MARK_ASYNC_SQL, [ids])


_MARK_ASYNC_SQL = (
    f"UPDATE {OutboxMessage._meta.db_table} SET dispatched_at = now(), attempts = attempts + 1"  # noqa: S608 (our table)
    " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
    " WHERE id = ANY(%s) AND dispatched_at IS NULL"
)


def marks_to_carry() -> list[int]:
    """The ids of messages this process sent and has not marked yet, for the caller's next
    statement to mark (``mark_sql``); if that statement fails, give them to ``mark_now``."""
    with _marks_lock:
        taken = _unmarked[:]
        _unmarked.clear()
    return taken


def mark_sql(ids: list[int]) -> tuple[str, list[Any]]:
    """An ``UPDATE`` marking ``ids`` dispatched, for a data-modifying CTE."""
    table = OutboxMessage._meta.db_table
    sql = (
        f"UPDATE {table} SET dispatched_at = now(), attempts = attempts + 1 "  # noqa: S608 (our table)
        "WHERE id = ANY(%s) AND dispatched_at IS NULL"
    )
    return sql, [ids]


@dataclass
class RelayResult:
    sent: int = 0
    failed: int = 0


def _backoff(attempts: int) -> timedelta:
    """The wait before a message whose send failed ``attempts`` times is tried again."""
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), settings.OUTBOX_RETRY_MAX_SECONDS))


def relay(*, batch: int | None = None, limit: int | None = None) -> RelayResult:
    """Send pending messages to the broker, oldest first, ``batch`` per transaction, until
    none is due, ``limit`` were sent, or a send fails (the broker is down: the next run tries
    again)."""
    size = batch or settings.OUTBOX_BATCH
    result = RelayResult()
    while limit is None or result.sent < limit:
        with transaction.atomic():
            now = timezone.now()
            due = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
                dispatched_at__isnull=True, available_at__lte=now
            )
            rows = list(due.order_by("available_at", "id")[:size])
            if not rows:
                break
            sent, failure = _publish(rows)
            if sent:
                OutboxMessage.objects.filter(pk__in=sent).update(dispatched_at=now, attempts=F("attempts") + 1)
            if failure is not None:
                _failed(*failure)
        result.sent += len(sent)
        if failure is not None:
            result.failed += 1
            break
        if len(rows) < size:
            break
    return result


def _publish(rows: list[OutboxMessage]) -> tuple[list[int], tuple[OutboxMessage, str] | None]:
    """Send ``rows`` in order over one pooled broker connection; stop at the first failure.

    The connection is checked with one quick retry first: kombu would otherwise retry for
    seconds while Redis is down, and the send right after a commit runs in the request."""
    sent: list[int] = []
    try:
        connections: Any = current_app.pool  # kombu's pool of broker connections (typed as producers)
        with connections.acquire(block=True, timeout=2) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            producer = current_app.amqp.Producer(conn)
            for row in rows:
                current_app.send_task(
                    row.task, args=list(row.args), queue=row.queue or None, producer=producer, retry=False
                )
                sent.append(row.pk)
    except Exception as exc:  # noqa: BLE001 (the broker is down or refused it: the next run tries again)
        return sent, (rows[len(sent)], f"{type(exc).__name__}: {exc}")
    return sent, None


def purge(*, now: datetime | None = None, chunk: int = 10_000) -> int:
    """Delete messages dispatched more than ``OUTBOX_RETENTION_HOURS`` ago (kept that long to
    answer "was it queued?"), ``chunk`` rows per statement."""
    before = (now or timezone.now()) - timedelta(hours=settings.OUTBOX_RETENTION_HOURS)
    deleted = 0
    while True:
        ids = list(
            OutboxMessage.objects.filter(dispatched_at__lt=before)
            .order_by("dispatched_at")
            .values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            return deleted
        deleted += OutboxMessage.objects.filter(pk__in=ids).delete()[0]


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_seconds: float | None  # the age of the oldest message not yet sent


def backlog(*, now: datetime | None = None) -> Backlog:
    figures = OutboxMessage.objects.filter(dispatched_at__isnull=True).aggregate(
        n=Count("id"), oldest=Min("created_at")
    )
    oldest = figures["oldest"]
    age = max(((now or timezone.now()) - oldest).total_seconds(), 0.0) if oldest else None
    return Backlog(figures["n"], age)


def run_relay(*, interval: float, once: bool = False, stop: threading.Event | None = None) -> None:
    """The relay process's loop (``manage.py outbox_relay``): send what is due, purge old
    rows every minute, wait ``interval`` seconds when there was nothing to send. A database
    or broker outage is logged and waited out; ``stop`` set ends the loop (and its wait)."""
    from django.db import close_old_connections

    stop = stop or threading.Event()
    purged_at = 0.0
    if not once:
        log.info("outbox relay: started, every %s s when idle", interval)
    while True:
        sent = 0
        try:
            sent = relay().sent
            if time.monotonic() - purged_at > 60:
                purge()
                purged_at = time.monotonic()
        except Exception as exc:  # noqa: BLE001 (the database is down: try again after the interval)
            log.warning("outbox relay: %s", exc)
        if once:
            return
        if stop.is_set():
            break
        # As between two requests: a connection the database dropped is replaced.
        close_old_connections()
        if not sent and stop.wait(interval):
            break
    log.info("outbox relay: stopped")
