"""A cluster's matching shared by one, then two Celery workers: the time until every case of the
cluster is matched and every warning sent.

    BENCH_DATABASE_URL=postgres://… BENCH_REDIS_URL=redis://… \\
        .venv/bin/python bench/run_matching_workers.py [--cases 20] [--workers 1,2,1,2]

Matching is one task per case (``contacts.tasks.match_case``; each case's levels in order), so a
cluster of cases spreads over workers and one large case does not. The script opens ``--cases``
confirmed cases for the demo people with the most check-ins in the last week (a cluster), then
for each entry of ``--workers`` starts that many worker processes (``--pool=solo``, one task at
a time each, as ``CELERY_WORKER_PREFETCH_MULTIPLIER=1``), queues every case's ``match_case`` and
waits until every case is done and the broker is empty (the warnings included). Between runs the
cases are deleted and opened again for the same people, and the follow-ups the run started are
removed, so each run does the same work. SMS go to files under a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from lib import BENCH_DB, PYTHON, ROOT, server_env

os.environ.update(server_env())
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

import django

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from contacts.models import Case, Exposure, FollowUp  # noqa: E402
from contacts.tasks import match_case  # noqa: E402
from truyvet.lib.models import Notification, OutboxMessage  # noqa: E402
from venues.models import CheckIn  # noqa: E402


def drained() -> bool:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    waiting = sum(client.llen(k) for k in client.scan_iter(match="celery*") if client.type(k) == b"list")
    return waiting == 0 and client.hlen("unacked") == 0


def open_cases(people: list[int]) -> list[int]:
    now = timezone.now()
    cases = Case.objects.bulk_create(
        [Case(person_id=p, ward_id=None, confirmed_at=now - timedelta(hours=1), sample_date=now.date(),
              note="bench:matching-workers") for p in people]
    )  # fmt: skip
    return [c.pk for c in cases]


def clear(case_ids: list[int], since: object) -> None:
    exposed = list(Exposure.objects.filter(case_id__in=case_ids).values_list("person_id", flat=True).distinct())
    FollowUp.objects.filter(person_id__in=exposed, created_at__gte=since).delete()
    Notification.objects.filter(created_at__gte=since).delete()
    Case.objects.filter(pk__in=case_ids).delete()
    # Each run deletes what it wrote: without autovacuum (off on some servers) the dead rows would
    # make every later run slower than the one before.
    with connection.cursor() as cursor:
        for model in (Notification, Exposure, FollowUp, Case, OutboxMessage):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--workers", default="1,2,1,2")
    options = parser.parse_args()
    print(f"database {BENCH_DB}, broker {settings.CELERY_BROKER_URL}")

    week = timezone.now() - timedelta(days=7)
    with_case = Case.objects.values_list("person_id", flat=True)
    people = list(
        CheckIn.objects.filter(checked_in_at__gte=week)
        .exclude(person_id__in=with_case)
        .values("person_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("person_id", flat=True)[: options.cases]
    )
    sms = Path(tempfile.mkdtemp(prefix="bench-matching-sms-"))
    results = []
    for count in [int(n) for n in options.workers.split(",")]:
        since = timezone.now()
        env = {**server_env(), "SMS_BACKEND": "truyvet.lib.sms.FileBackend", "SMS_FILE_PATH": str(sms)}
        workers = [
            subprocess.Popen([PYTHON, "-m", "celery", "-A", "truyvet", "worker", "--pool=solo", "--loglevel=WARNING",
                              "--without-heartbeat", "--without-mingle", "--without-gossip", "-n", f"m{i}@%h"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for i in range(count)
        ]  # fmt: skip
        time.sleep(8)  # the workers connected and idle
        load = os.getloadavg()[0]
        case_ids = open_cases(people)
        started = time.monotonic()
        for case_id in case_ids:
            match_case.delay(case_id)
        while not (Case.objects.filter(pk__in=case_ids, matching="done").count() == len(case_ids) and drained()):
            time.sleep(0.5)
        took = time.monotonic() - started
        exposures = Exposure.objects.filter(case_id__in=case_ids).count()
        notifications = Notification.objects.filter(created_at__gte=since).count()
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
        results.append((count, took, exposures, notifications, load, os.getloadavg()[0]))
        print(f"{count} worker(s): {len(case_ids)} cases, {exposures} exposures, {notifications} notifications "
              f"in {took:.1f} s (load {load:.1f} -> {os.getloadavg()[0]:.1f})")  # fmt: skip
        clear(case_ids, since)
    shutil.rmtree(sms, ignore_errors=True)
    ones = [r[1] for r in results if r[0] == 1]
    twos = [r[1] for r in results if r[0] == 2]
    if ones and twos:
        print(f"one worker {min(ones):.1f}-{max(ones):.1f} s, two {min(twos):.1f}-{max(twos):.1f} s: "
              f"{(sum(ones) / len(ones)) / (sum(twos) / len(twos)):.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
