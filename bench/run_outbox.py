"""The task outbox: what it adds to a write, how fast the relay empties a backlog, and what a
write costs while Redis is down, each against a lower bound measured in the same run.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_outbox_bench \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/run_outbox.py

Needs a migrated PostgreSQL database (any; the script writes audit events and outbox rows,
and deletes the outbox rows it wrote) and Redis. Tasks go to a queue of their own
(``outbox-bench``), emptied at the end; no worker runs.

1. One write (a transaction inserting one audit event) with its follow-up task queued three
   ways, interleaved in rounds: nothing queued (the lower bound); ``on_commit(task.delay)``
   (as before the outbox); ``outbox.enqueue`` (the row, then the send right after the
   commit). Median and p95 per write, ratios to the lower bound.
2. The relay: ``--backlog`` rows recorded while Redis was "down", then ``outbox.relay()``
   sends them: rows per second, against ``LPUSH`` of the same messages' size straight to
   Redis in pipelines (the lower bound).
3. Redis down (the broker pointed at a closed port): one write with ``outbox.enqueue``,
   against the lower bound of 1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/truyvet_outbox_bench"
)
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402

from truyvet.celery import app  # noqa: E402
from truyvet.lib import outbox  # noqa: E402
from truyvet.lib.models import AuditEvent, OutboxMessage  # noqa: E402
from truyvet.lib.tasks import deliver_notifications  # noqa: E402

QUEUE = "outbox-bench"
CLOSED = "redis://127.0.0.1:9/0"


def use_broker(url: str) -> None:
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def write() -> None:
    AuditEvent.objects.create(action="bench.outbox", object_type="bench")


def bare() -> None:
    with transaction.atomic():
        write()


def on_commit_delay() -> None:
    with transaction.atomic():
        write()
        transaction.on_commit(lambda: deliver_notifications.apply_async(([0],), queue=QUEUE))


def through_outbox() -> None:
    with transaction.atomic():
        write()
        outbox.enqueue(deliver_notifications, [0], queue=QUEUE)


def timed(fn: Callable[[], None], n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=300, help="writes per variant and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backlog", type=int, default=20000)
    args = parser.parse_args()
    client = redis.Redis.from_url(settings.REDIS_URL)
    app.conf.task_always_eager = False
    use_broker(settings.REDIS_URL)
    client.delete(QUEUE)
    first_outbox_id = (OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    # 1. One write and its task.
    variants: dict[str, Callable[[], None]] = {
        "write, no task (lower bound)": bare,
        "write + on_commit(task.delay)": on_commit_delay,
        "write + outbox.enqueue": through_outbox,
    }
    for fn in variants.values():
        timed(fn, 20)  # warm up: connections, prepared statements
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, fn in variants.items():
            times[name] += timed(fn, args.writes)
    base = statistics.median(times["write, no task (lower bound)"])
    print(f"\n1. One write and its task ({args.rounds} rounds x {args.writes}, interleaved)\n")
    print("| variant | median ms | p95 ms | median / lower bound |\n|---|---|---|---|")
    for name, values in times.items():
        print(
            f"| {name} | {statistics.median(values):.2f} | {p95(values):.2f} | {statistics.median(values) / base:.2f} |"
        )
    sent = client.llen(QUEUE)
    expected = 2 * args.rounds * args.writes + 40
    print(f"\nmessages in the queue: {sent} (expected {expected})")
    client.delete(QUEUE)

    # 2. The relay empties a backlog.
    OutboxMessage.objects.bulk_create(
        (OutboxMessage(task=deliver_notifications.name, args=[[n]], queue=QUEUE) for n in range(args.backlog)),
        batch_size=5000,
    )
    started = time.perf_counter()
    result = outbox.relay()
    relay_seconds = time.perf_counter() - started
    assert result.sent == args.backlog, result
    assert client.llen(QUEUE) == args.backlog
    sample = client.lindex(QUEUE, 0) or b""
    client.delete(QUEUE)
    started = time.perf_counter()
    for start in range(0, args.backlog, 200):
        pipe = client.pipeline(transaction=False)
        for _ in range(start, min(start + 200, args.backlog)):
            pipe.lpush(QUEUE, sample)
        pipe.execute()
    lpush_seconds = time.perf_counter() - started
    client.delete(QUEUE)
    print(f"\n2. The relay empties a backlog of {args.backlog} (batches of {settings.OUTBOX_BATCH})\n")
    print("| what | rows/s | time s | time / lower bound |\n|---|---|---|---|")
    print(f"| LPUSH of the same messages, pipelined (lower bound) | {args.backlog / lpush_seconds:,.0f} "
          f"| {lpush_seconds:.2f} | 1.00 |")  # fmt: skip
    print(f"| outbox.relay() | {args.backlog / relay_seconds:,.0f} | {relay_seconds:.2f} "
          f"| {relay_seconds / lpush_seconds:.1f} |")  # fmt: skip

    # 3. Redis down.
    use_broker(CLOSED)
    down = timed(through_outbox, 50)
    use_broker(settings.REDIS_URL)
    waiting = OutboxMessage.objects.filter(pk__gte=first_outbox_id, dispatched_at__isnull=True).count()
    print("\n3. Redis down (the broker at a closed port), 50 writes\n")
    print(f"| write + outbox.enqueue | median {statistics.median(down):.2f} ms | p95 {p95(down):.2f} ms "
          f"| {statistics.median(down) / base:.1f} x lower bound | {waiting} rows left for the relay |")  # fmt: skip

    OutboxMessage.objects.filter(pk__gte=first_outbox_id).delete()
    AuditEvent.objects.filter(action="bench.outbox").delete()
    client.delete(QUEUE)


if __name__ == "__main__":
    main()
