"""Batches from one tablet at once (a tablet retrying while its first try still runs, or a
load test that names one tablet for every guard), on PostgreSQL with real concurrent
connections: every passage is kept, and the tablet's row ends right."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from checkpoints.models import Checkpoint, Passage, PassageReceipt, Tablet
from checkpoints.services.scans import ScanItem, ScanResult, scans_ingest
from truyvet.accounts.models import User
from truyvet.people.models import Person

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("geo_units"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
]

BATCHES = 8


def items(tokens: list[str]) -> list[ScanItem]:
    at = timezone.now() - timedelta(minutes=1)
    return [ScanItem(client_id=uuid.uuid4(), direction="in", scanned_at=at, qr_token=token) for token in tokens]


def test_concurrent_batches_from_one_tablet_all_succeed_and_its_row_ends_right(
    checkpoint: Checkpoint, guard: User, traveller: Callable[..., tuple[Person, str]]
) -> None:
    tokens = [traveller("green")[1] for _ in range(BATCHES * 3)]
    started = timezone.now()
    barrier = threading.Barrier(BATCHES)
    answers: list[list[ScanResult]] = []
    errors: list[BaseException] = []

    def send(n: int) -> None:
        try:
            batch = items(tokens[n * 3 : n * 3 + 3])
            barrier.wait()
            answers.append(
                scans_ingest(checkpoint=checkpoint, user=guard, items=batch, tablet_id="tab-1", pending=10 + n)
            )
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(BATCHES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(answers) == BATCHES
    assert [r.status for answer in answers for r in answer] == ["created"] * BATCHES * 3
    assert Passage.objects.count() == PassageReceipt.objects.count() == BATCHES * 3
    tablet = Tablet.objects.get()
    assert (tablet.device_id, tablet.checkpoint_id, tablet.user_id) == ("tab-1", checkpoint.pk, guard.pk)
    assert tablet.last_sync_at is not None and started <= tablet.last_sync_at <= timezone.now()
    assert tablet.last_seen_at >= tablet.last_sync_at
    assert tablet.pending in {10 + n for n in range(BATCHES)}  # one of the racing batches' counts

    # The tablet's next batch says its queue is empty: its row says so, with this sync.
    before = timezone.now()
    scans_ingest(checkpoint=checkpoint, user=guard, items=items([tokens[0]]), tablet_id="tab-1", pending=0)
    tablet.refresh_from_db()
    assert tablet.pending == 0
    assert tablet.last_sync_at is not None and tablet.last_sync_at >= before
