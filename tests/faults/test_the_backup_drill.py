"""The restore drill (``manage.py backup_drill``): a dump restored into a new database holds the
same rows in every table and verifies the same personal QR codes. On PostgreSQL (the CI's
PostgreSQL run, ``make faults``); cheap, so it runs in every suite that has PostgreSQL."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from tests.factories import PersonFactory
from truyvet.credentials.models import QrCredential
from truyvet.credentials.services import qr_issue

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("geo_units"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore: PostgreSQL only"),
]


def databases() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database")
        return {name for (name,) in cursor.fetchall()}


def test_the_drill_restores_the_same_rows_and_the_same_qr_answers_and_drops_its_copy(tmp_path: Path) -> None:
    people = PersonFactory.create_batch(6)
    for person in people:
        qr_issue(person=person, risk_level="green")
    QrCredential.objects.filter(person=people[0]).update(revoked_at=timezone.now())
    before = databases()

    out = StringIO()
    call_command("backup_drill", "--sample", "5", "--dump-dir", str(tmp_path), stdout=out)

    text = out.getvalue()
    assert "row counts: the same in every table" in text
    assert "QR verification: the same for 5 credentials" in text
    assert "refused: revoked in both" in text
    assert text.count("valid: ") == 4
    assert len(list(tmp_path.glob("*.dump"))) == 1  # the dump is kept where it was asked
    assert databases() == before  # the copy was dropped


def test_the_drill_fails_loudly_when_the_copy_differs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A restore that lost a row is reported, table by table (here: a row removed after the restore)."""
    from truyvet.credentials.management.commands import backup_drill

    PersonFactory.create_batch(2)
    counts = backup_drill._counts

    def lossy(cursor: psycopg.Cursor) -> dict[str, int]:
        found = counts(cursor)
        if cursor.connection.info.dbname.endswith(tuple("0123456789")) and "_drill_" in cursor.connection.info.dbname:
            found["public.people_person"] -= 1
        return found

    monkeypatch.setattr(backup_drill, "_counts", lossy)
    with pytest.raises(CommandError, match=r"public.people_person: 2 -> 1"):
        call_command("backup_drill", "--dump-dir", str(tmp_path), stdout=StringIO())
