"""Vaccination coverage statistics on a province's size: the province's coverage by ward and
age group, by dose number and product, and by priority group (``vaccination.coverage``)
for 1.5 million people, against a bare aggregate over the same two tables in the same run
(target: ≤ 500 ms for the whole statistics).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_vaccaefi_bench \\
        .venv/bin/python bench/run_vaccination_coverage.py [--people 1500000] [--runs 5]

The database is created if missing and migrated; when it holds fewer people than asked,
the rest are generated set-based (``INSERT … SELECT generate_series``): people spread over
the province's wards with ages from 0 to 90, about 75 % with a first dose, 60 % with the
second, 15 % with a booster, 4 % in a priority group. Then ``ANALYZE``.

- lower bound: ``SELECT ward_id, COUNT(*) FROM people GROUP BY ward_id`` and ``SELECT
  person_id, COUNT(*) FROM doses GROUP BY person_id`` (each table read and grouped once,
  no join and no logic), summed;
- coverage by ward and age group alone, counted live (``with_details=False``), and the
  whole statistics counted live (three aggregate queries);
- storing the summaries (``coverage_store``: the scheduled task, the whole statistics and
  one upsert of every ward's row), then the whole statistics read from them (what the
  staff page, the API and the operations map read while the summaries are recent);
- the cached read the public map does (``province_summary`` after a first call).
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402


def timed(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


def generate(people: int) -> None:
    from truyvet.geo.models import Ward
    from vaccination.models import PriorityGroup, Site

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM people_person")
        have = cursor.fetchone()[0]
        wards = list(
            Ward.objects.filter(province_id=settings.PROVINCE_CODE).order_by("code").values_list("code", flat=True)
        )
        missing = people - have
        if missing > 0:
            print(f"generating {missing} people over {len(wards)} wards ...", flush=True)
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM people_person")
            start = cursor.fetchone()[0] + 1
            cursor.execute(
                """
                INSERT INTO people_person (ref, full_name, name_key, date_of_birth, gender, phone, email, language,
                    nationality, ward_id, address, is_demo, created_at, updated_at)
                SELECT 'bench' || i, 'Nguyễn Văn ' || i, 'nguyen van ' || i,
                    DATE '1936-01-01' + ((i::bigint * 7919) %% 32850)::int, CASE WHEN i %% 2 = 0 THEN 'male' ELSE 'female' END,
                    '', '', '', 'VN', (%s::int[])[1 + (i %% %s)], '', true, now(), now()
                FROM generate_series(%s, %s) AS i
                """,
                [wards, len(wards), start, start + missing - 1],
            )
        cursor.execute("SELECT COUNT(*) FROM vaccination_dose")
        if cursor.fetchone()[0] == 0:
            site = Site.objects.filter(name="Bench site").first() or Site.objects.create(
                name="Bench site", ward_id=wards[0]
            )
            print("generating doses ...", flush=True)
            products = ["EU/1/20/1528", "EU/1/21/1529", "Inactivated-SARS-CoV-2-Vero-Cell"]
            for number, share in ((1, 75), (2, 60), (3, 15)):
                cursor.execute(
                    """
                    INSERT INTO vaccination_dose (person_id, product, manufacturer, prophylaxis, lot, dose_number,
                        total_doses, administered_on, site_id, created_at)
                    SELECT p.id, (%s::text[])[1 + (p.id %% 3)], 'ORG-100030215', '1119349007', 'BENCH', %s, 2,
                        CURRENT_DATE - 400 + (%s * 60 + (p.id %% 50))::int, %s, now()
                    FROM people_person p
                    WHERE (p.id * 37) %% 100 < %s AND p.date_of_birth < CURRENT_DATE - 365 * 12
                    """,
                    [products, number, number, site.pk, share],
                )
            groups = list(PriorityGroup.objects.values_list("pk", flat=True))
            cursor.execute(
                """
                INSERT INTO vaccination_prioritymembership (person_id, group_id, created_at)
                SELECT p.id, (%s::int[])[1 + (p.id %% %s)], now() FROM people_person p WHERE p.id %% 25 = 0
                ON CONFLICT DO NOTHING
                """,
                [groups, len(groups)],
            )
        cursor.execute("ANALYZE people_person; ANALYZE vaccination_dose; ANALYZE vaccination_prioritymembership")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_500_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    generate(args.people)

    from django.core.cache import cache

    from truyvet.people.models import Person
    from vaccination.coverage import coverage_of, coverage_store, coverage_wards_for, province_summary
    from vaccination.models import Dose

    day = timezone.localdate()

    class Everywhere:
        is_authenticated = True
        is_active = True
        is_superuser = True
        role = "administrator"

    codes = coverage_wards_for(Everywhere())  # type: ignore[arg-type]
    people = Person.objects.count()
    doses = Dose.objects.count()

    def bare() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT ward_id, COUNT(*) FROM people_person GROUP BY ward_id")
            cursor.fetchall()
            cursor.execute("SELECT person_id, COUNT(*) FROM vaccination_dose GROUP BY person_id")
            for _row in iter(lambda: cursor.fetchmany(10_000), []):
                pass

    def bare_server_side() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT COUNT(*) FROM (SELECT ward_id FROM people_person GROUP BY ward_id) a), "
                "(SELECT COUNT(*) FROM (SELECT person_id FROM vaccination_dose GROUP BY person_id) b)"
            )
            cursor.fetchall()

    def wards_only() -> None:
        coverage_of(codes, day, with_details=False, live=True)

    def everything() -> None:
        coverage_of(codes, day, live=True)

    def stored() -> None:
        coverage = coverage_of(codes, day)
        assert coverage.computed_at is not None

    def store() -> None:
        coverage_store(day)

    def cached() -> None:
        province_summary(day)

    bare()  # warm the buffers
    results = {
        "bare aggregate, both tables grouped on the server": timed(bare_server_side, args.runs),
        "coverage by ward and age group (1 query)": timed(wards_only, args.runs),
        "whole statistics counted live: + doses by product, priority groups (3 queries)": timed(everything, args.runs),
        "storing the summaries (the scheduled task: whole statistics, 38 upserts)": timed(store, 1),
        "whole statistics read from the stored summaries (the staff page, the API)": timed(stored, args.runs),
    }
    cache.delete(f"vaccination.summary:{day.isoformat()}")
    province_summary(day)
    results["operations map panel, cached"] = timed(cached, args.runs)
    lower = results["bare aggregate, both tables grouped on the server"][0]
    coverage = coverage_of(codes, day)
    total = coverage.total
    print(f"people {people}, doses {doses}, wards {len(codes)}, target {total.target}, "
          f"one dose {total.in_target.one_dose}, full {total.in_target.full_series}")  # fmt: skip
    print("| measured | median ms | best ms | × bare |")
    print("|---|---:|---:|---:|")
    for name, (median, best) in results.items():
        print(f"| {name} | {median:.0f} | {best:.0f} | {median / lower:.2f} |")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        print("max_parallel_workers_per_gather", cursor.fetchone()[0])
    print("load:", os.getloadavg())


if __name__ == "__main__":
    main()
