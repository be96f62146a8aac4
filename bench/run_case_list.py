"""The staff case list with 100,000 exposures (target: first page ≤ 150 ms).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_trace \
        .venv/bin/python bench/run_case_list.py [--repeat 30]

Needs a database with the demo province (seed_demo: the `cdc` and `commune` users and demo
people). Adds, once, 2,000 confirmed cases (note `bench`) with 100,000 exposures between demo
people (a re-run reuses them), then renders the first page of `/contacts/cases/` as the
CDC and as a commune station through Django's test client (server time, no network), and
times the lower bound in the same run: the raw SQL that reads the same 50 newest cases with
their F1/F2 counts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lib import server_env  # noqa: E402

os.environ.update(server_env(ALLOWED_HOSTS="testserver"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from contacts.models import Case, Exposure  # noqa: E402
from truyvet.accounts.models import User  # noqa: E402

CASES, EXPOSURES = 2000, 100_000

LOWER_BOUND = """
    WITH page AS (
        SELECT c.id, c.classification, c.confirmed_at, p.full_name, w.name AS ward, c.created_at
        FROM contacts_case c JOIN people_person p ON p.id = c.person_id LEFT JOIN geo_ward w ON w.code = c.ward_id
        ORDER BY c.created_at DESC, c.id DESC LIMIT 50
    )
    SELECT page.id, page.classification, page.confirmed_at, page.full_name, page.ward,
           count(e.id) FILTER (WHERE e.level = 1), count(e.id) FILTER (WHERE e.level = 2)
    FROM page LEFT JOIN contacts_exposure e ON e.case_id = page.id
    GROUP BY page.id, page.classification, page.confirmed_at, page.full_name, page.ward, page.created_at
    ORDER BY page.created_at DESC, page.id DESC
"""


def load() -> None:
    if Exposure.objects.filter(case__note="bench").exists():
        return
    commune = User.objects.get(username="commune")
    ward = commune.health_unit.wards.order_by("code").first()  # type: ignore[union-attr]
    now = timezone.now()
    with connection.cursor() as cursor:
        # Cases for demo people without one, a tenth of them in the commune's ward.
        cursor.execute(
            """
            INSERT INTO contacts_case (person_id, ward_id, classification, confirmed_at, outcome, source,
                matching, matched_at, note, isolation_place, created_at, updated_at)
            SELECT p.id, CASE WHEN row_number() OVER () %% 10 = 0 THEN %s ELSE p.ward_id END, 'confirmed', %s,
                   'under_treatment', 'local', 'done', %s, 'bench', '', %s - (row_number() OVER ()) * interval '1 minute',
                   %s
            FROM people_person p
            WHERE p.is_demo AND NOT EXISTS (SELECT 1 FROM contacts_case c WHERE c.person_id = p.id)
            ORDER BY p.id DESC LIMIT %s
            """,
            [ward.code, now, now, now, now, CASES],
        )
        cursor.execute(
            """
            INSERT INTO contacts_exposure (case_id, person_id, source_person_id, level, via, overlap_start,
                overlap_end, last_contact_at, ward_id, created_at)
            SELECT c.id, p.id, c.person_id, CASE WHEN g %% 3 = 0 THEN 2 ELSE 1 END, 'manual', %s, %s, %s,
                   p.ward_id, %s
            FROM generate_series(1, %s) g
            JOIN LATERAL (SELECT id, person_id FROM contacts_case WHERE note = 'bench'
                          ORDER BY id OFFSET (g %% %s) LIMIT 1) c ON true
            JOIN people_person p ON p.id = g * 7 %% 1400000 + 1
            """,
            [now, now, now, now, EXPOSURES, CASES],
        )
        cursor.execute("ANALYZE contacts_case; ANALYZE contacts_exposure")


def drop_tracing_cases() -> None:
    ids = "SELECT id FROM contacts_case WHERE note = 'bench:run_tracing'"
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM contacts_followupcheck WHERE follow_up_id IN "
            f"(SELECT id FROM contacts_followup WHERE case_id IN ({ids}))"
        )
        for table in ("contacts_followup", "contacts_exposure", "contacts_manualcontact", "contacts_labresult"):
            cursor.execute(f"DELETE FROM {table} WHERE case_id IN ({ids})")
        cursor.execute(f"DELETE FROM contacts_uploadcode WHERE case_id IN ({ids})")
        cursor.execute(ids.replace("SELECT id FROM", "DELETE FROM"))
        cursor.execute("ANALYZE contacts_case; ANALYZE contacts_exposure")


def timed(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--drop-tracing-cases",
        action="store_true",
        help="First remove the cases bench/run_tracing.py left (a million exposures), to measure at 100,000.",
    )
    options = parser.parse_args()
    setup_test_environment()
    if options.drop_tracing_cases:
        drop_tracing_cases()
    load()
    print(f"cases: {Case.objects.count():,}, exposures: {Exposure.objects.count():,}")

    def lower_bound() -> None:
        with connection.cursor() as cursor:
            cursor.execute(LOWER_BOUND)
            cursor.fetchall()

    floor, floor_max = timed(lower_bound, options.repeat)
    print("| probe | rows | median ms | max ms | ratio to raw SQL |")
    print("|---|---|---|---|---|")
    print(f"| raw SQL: 50 newest cases with F1/F2 counts | 50 | {floor:.1f} | {floor_max:.1f} | 1.0 |")
    for username in ("cdc", "commune"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get("/contacts/cases/")
        rows = len(client.get("/contacts/cases/").context["rows"])
        median, worst = timed(lambda c=client: c.get("/contacts/cases/"), options.repeat)  # type: ignore[misc]
        print(f"| {username}: first page | {rows} | {median:.1f} | {worst:.1f} | {median / floor:.1f} |")


if __name__ == "__main__":
    main()
