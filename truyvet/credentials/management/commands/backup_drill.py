"""The restore drill: dump the database, restore the dump into a new database, and show that
the copy holds the same rows and verifies the same personal QR codes.

    python manage.py backup_drill [--sample 5] [--keep] [--dump-dir DIR]

1. A read-only snapshot of the database is opened; ``pg_dump -Fc --snapshot`` dumps exactly
   that snapshot, and every table's rows are counted in it, so a drill on a live database
   compares like with like.
2. ``pg_restore`` into a new database, ``<name>_drill_<time>`` on the same server.
3. Every table's row count in the copy must equal the snapshot's.
4. A few personal QR credentials (some revoked, if there are any): a token is signed for each
   from the original, and verified against both databases; the answers (holder, or the reason
   for refusing) must be the same.

The copy is dropped at the end (``--keep`` keeps it); the dump is kept in ``--dump-dir``
(``BACKUP_DIR``), or thrown away with a temporary directory. Any difference stops the command
with an error (exit status 1). docs/RELIABILITY.md describes the production backups. It lives
with the credentials because it verifies them (the core's lower layers may not read them).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import timezone
from psycopg import sql

from truyvet.credentials.models import QrCredential
from truyvet.credentials.qr import qr_resolve
from truyvet.credentials.selectors import qr_token_for
from truyvet.lib import signing


def _conninfo(db: dict[str, Any], name: str) -> str:
    parts = {"dbname": name, "host": db.get("HOST") or "", "port": db.get("PORT") or "", "user": db.get("USER") or "",
             "password": db.get("PASSWORD") or ""}  # fmt: skip
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


def _env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _tables(cursor: psycopg.Cursor[Any]) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
        " AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
    )
    return [(schema, name) for schema, name in cursor.fetchall()]


def _counts(cursor: psycopg.Cursor[Any]) -> dict[str, int]:
    counts = {}
    for schema, name in _tables(cursor):
        cursor.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(name)))
        counts[f"{schema}.{name}"] = int(cursor.fetchone()[0])  # type: ignore[index]
    return counts


def _verify(token: str) -> str:
    """What verification says of the token: the holder's ref, or the reason it is refused."""
    try:
        _payload, credential = qr_resolve(token)
    except signing.TokenError as error:
        return f"refused: {error.reason}"
    return f"valid: {credential.person.ref}"


class Command(BaseCommand):
    help = "Dump the database, restore it into a new one, and compare row counts and QR verification."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sample", type=int, default=5, help="personal QR credentials to verify on both")
        parser.add_argument("--keep", action="store_true", help="keep the restored database")
        parser.add_argument("--dump-dir", default=settings.BACKUP_DIR, help="where to keep the dump (BACKUP_DIR)")

    def handle(self, *args: Any, **options: Any) -> None:
        db = connections["default"].settings_dict
        if connections["default"].vendor != "postgresql":
            raise CommandError("The restore drill needs PostgreSQL (DATABASE_URL=postgres://...).")
        source = str(db["NAME"])
        target = f"{source}_drill_{timezone.now():%Y%m%d%H%M%S}"[:63]
        keep_dir = options["dump_dir"]
        folder = Path(keep_dir) if keep_dir else Path(tempfile.mkdtemp(prefix="backup-drill-"))
        folder.mkdir(parents=True, exist_ok=True)
        dump = folder / f"{source}-{timezone.now():%Y%m%dT%H%M%S}.dump"
        env = _env(db)

        started = time.monotonic()
        with psycopg.connect(_conninfo(db, source)) as snapshot:
            snapshot.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            snapshot.read_only = True
            with snapshot.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot_id = cursor.fetchone()[0]  # type: ignore[index]
                # PostgreSQL's own client, found on PATH as psql is; the arguments are ours.
                command = ["pg_dump", "-Fc", f"--snapshot={snapshot_id}", "-f", str(dump), source]
                subprocess.run(command, env=env, check=True)  # noqa: S603
                dumped = time.monotonic()
                before = _counts(cursor)
        self.stdout.write(f"dump: {dump} ({dump.stat().st_size / 1e6:.1f} MB) in {dumped - started:.1f} s")

        with psycopg.connect(_conninfo(db, "postgres"), autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target)))
        try:
            restore_started = time.monotonic()
            command = ["pg_restore", "--no-owner", "--exit-on-error", "-d", target, str(dump)]
            subprocess.run(command, env=env, check=True)  # noqa: S603
            self.stdout.write(f"restore: into {target} in {time.monotonic() - restore_started:.1f} s")
            with psycopg.connect(_conninfo(db, target)) as copy, copy.cursor() as cursor:
                after = _counts(cursor)
            differences = [
                f"{table}: {before.get(table)} -> {after.get(table)}"
                for table in sorted(set(before) | set(after))
                if before.get(table) != after.get(table)
            ]
            self.stdout.write(f"tables: {len(before)}, rows: {sum(before.values())}")
            if differences:
                raise CommandError("row counts differ after the restore:\n" + "\n".join(differences))
            self.stdout.write("row counts: the same in every table")
            self._compare_qr(target, options["sample"])
        finally:
            if options["keep"]:
                self.stdout.write(f"kept: {target}")
            else:
                with psycopg.connect(_conninfo(db, "postgres"), autocommit=True) as admin:
                    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target)))
            if not keep_dir:
                dump.unlink(missing_ok=True)
                folder.rmdir()
        self.stdout.write(self.style.SUCCESS(f"restore drill passed in {time.monotonic() - started:.1f} s"))

    def _compare_qr(self, target: str, sample: int) -> None:
        credentials = QrCredential.objects.select_related("person")
        chosen = list(credentials.filter(revoked_at__isnull=False).order_by("?")[: max(1, sample // 5)])
        chosen += list(credentials.filter(revoked_at__isnull=True).order_by("?")[: sample - len(chosen)])
        tokens = [(credential.person_id, qr_token_for(credential)) for credential in chosen]
        original = [_verify(token) for _person, token in tokens]
        # The same code on the copy: the default connection pointed at it for the time of the check.
        connection = connections["default"]
        name = connection.settings_dict["NAME"]
        connection.close()
        connection.settings_dict["NAME"] = target
        try:
            restored = [_verify(token) for _person, token in tokens]
        finally:
            connection.close()
            connection.settings_dict["NAME"] = name
        for (person, _token), here, there in zip(tokens, original, restored, strict=True):
            if here != there:
                raise CommandError(f"QR of person {person}: {here} here, {there} in the copy")
            self.stdout.write(f"QR of person {person}: {here} in both")
        if not tokens:
            self.stdout.write(self.style.WARNING("QR verification: no personal QR credential to compare"))
            return
        self.stdout.write(f"QR verification: the same for {len(tokens)} credentials")
