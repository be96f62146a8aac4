"""The operations page's figures at the province of the tracing benchmark (target: ≤ 300 ms).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_trace \\
        .venv/bin/python bench/run_operations.py [--repeat 20] [--keep] [--page-weight]

Needs a database with the demo province (``seed_demo``) migrated with this branch. Adds,
once, what the demo data lacks (tagged, and removed at the end unless ``--keep``): the
operations demo (agencies, ward populations and points, directives, 30 days of a
laboratory's counts, facilities and places with history, the directory), 3,000 confirmed
cases over 30 days (note ``bench:operations``) with a lab result each, 300,000 people
under follow-up (F1 one in ten) tied to those cases and 50,000 daily checks of today with a
test; then stores 31 days of ward figures with the scheduled task (timed).

Then times, in turns after a warm-up: the page's figures (``operations.views.page_figures``:
today's ward figures (cases counted live, F1/F2 and tests from today's stored rows), 30
stored days, facilities, places, laboratories, directory), the whole page through Django's
test client (server time, no network), today's ward figures all counted live (what the page
would cost without the stored rows), and the lower bound in the same run: the raw SQL of the
page's figures (the statements below, one cursor, no ORM, no Python assembly).

``--page-weight`` measures the bytes the public page transfers on first load in headless
Chromium (1366×900), served by gunicorn with the production settings (collectstatic into a
temporary folder, whitenoise's compressed files) on port 8105.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/truyvet_trace")
from lib import PYTHON, server_env  # noqa: E402

MEDIA = Path(tempfile.gettempdir()) / "bench-operations-media"
os.environ.update(server_env(ALLOWED_HOSTS="testserver,127.0.0.1", MEDIA_ROOT=str(MEDIA)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from operations import demo  # noqa: E402
from operations.figures import ward_figures  # noqa: E402
from operations.models import WardDay  # noqa: E402
from operations.report import report_content, report_pdf, report_xlsx  # noqa: E402
from operations.services import ward_days_store  # noqa: E402
from operations.views import page_figures  # noqa: E402
from truyvet.lib.days import day_start  # noqa: E402

NOTE = "bench:operations"
CASES, FOLLOW_UPS, CHECKS = 3000, 300_000, 50_000
PORT = 8105

LOWER_BOUND = [
    ("wards", "SELECT code, name FROM geo_ward WHERE province_id = %(province)s"),
    ("points", "SELECT ward_id, latitude, longitude FROM operations_wardprofile "
               "WHERE ward_id = ANY(%(wards)s) AND latitude IS NOT NULL"),
    ("new cases, 7 days", """
        SELECT c.ward_id, (COALESCE(c.confirmed_at, c.created_at) AT TIME ZONE %(tz)s)::date, c.source,
               EXISTS (SELECT 1 FROM contacts_followup f WHERE f.person_id = c.person_id
                       AND f.state = 'became_case' AND f.created_at <= c.created_at), count(*)
        FROM contacts_case c
        WHERE c.classification = 'confirmed' AND c.ward_id = ANY(%(wards)s)
          AND COALESCE(c.confirmed_at, c.created_at) >= %(week)s AND COALESCE(c.confirmed_at, c.created_at) < %(tomorrow)s
        GROUP BY 1, 2, 3, 4"""),
    ("outcomes", "SELECT ward_id, outcome, count(*) FROM contacts_case WHERE classification = 'confirmed' "
                 "AND ward_id = ANY(%(wards)s) GROUP BY 1, 2"),
    ("today's stored F1/F2, tests, population", "SELECT ward_id, f1_active, f2_active, tests, tests_positive, "
                                                "population, population_source, computed_at FROM operations_wardday "
                                                "WHERE day = %(today)s"),
    ("30 days", """
        SELECT day, sum(new_local), sum(new_imported), sum(new_unknown), sum(new_community), sum(new_in_follow_up),
               sum(tests), sum(tests_positive)
        FROM operations_wardday WHERE day BETWEEN %(first)s AND %(yesterday)s GROUP BY day ORDER BY day"""),
    ("laboratories, 30 days", "SELECT day, sum(tests), sum(positives) FROM operations_labdailycount "
                              "WHERE day BETWEEN %(first)s AND %(yesterday)s GROUP BY day"),
    ("facilities", """
        SELECT f.*, r.* FROM operations_medicalfacility f LEFT JOIN LATERAL (
            SELECT * FROM operations_resourcereport r WHERE r.facility_id = f.id
            ORDER BY reported_at DESC, id DESC LIMIT 1) r ON true
        WHERE f.is_active ORDER BY f.name"""),
    ("places", """
        SELECT p.*, r.* FROM operations_quarantineplace p LEFT JOIN LATERAL (
            SELECT * FROM operations_occupancyreport r WHERE r.place_id = p.id
            ORDER BY reported_at DESC, id DESC LIMIT 1) r ON true
        WHERE p.is_active ORDER BY p.kind, p.name"""),
    ("laboratories today and yesterday", """
        SELECT c.*, a.name FROM operations_labdailycount c JOIN operations_agency a ON a.id = c.agency_id
        WHERE c.day IN (%(today)s, %(yesterday)s) ORDER BY c.day DESC, a.name"""),
    ("directory", "SELECT e.*, w.name FROM operations_consultationentry e LEFT JOIN geo_ward w ON w.code = e.ward_id "
                  "WHERE e.is_active"),
    ("directives", "SELECT * FROM operations_directive ORDER BY issued_on DESC, id DESC LIMIT 5"),
]  # fmt: skip


def load() -> float:
    """Add the bench's rows once; return the seconds the ward figures took to store."""
    if not demo.Agency.objects.exists():
        out = io.StringIO()
        demo.seed({"operations_cases": 0}, out)
    today = timezone.localdate()
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM contacts_case WHERE note = %s", [NOTE])
        if cursor.fetchone()[0] == 0:
            with transaction.atomic():
                cursor.execute(
                    """
                    INSERT INTO contacts_case (person_id, ward_id, classification, confirmed_at, sample_date, outcome,
                        source, matching, matched_at, note, isolation_place, created_at, updated_at)
                    SELECT p.id, p.ward_id, 'confirmed', t.at, (t.at AT TIME ZONE %(tz)s)::date,
                           CASE WHEN t.at < %(now)s - interval '14 days' THEN 'recovered' ELSE 'under_treatment' END,
                           CASE WHEN p.id %% 7 = 0 THEN 'imported' ELSE 'local' END, 'done', %(now)s, %(note)s, '',
                           t.at, %(now)s
                    FROM (SELECT id, ward_id, row_number() OVER (ORDER BY id DESC) AS n FROM people_person
                          WHERE is_demo AND ward_id IN (SELECT code FROM geo_ward WHERE province_id = %(province)s)
                            AND NOT EXISTS (SELECT 1 FROM contacts_case c WHERE c.person_id = people_person.id)
                          ORDER BY id DESC LIMIT %(cases)s) p
                    CROSS JOIN LATERAL (SELECT %(now)s - (p.n %% 30) * interval '1 day' - (p.n %% 600) * interval '1 minute' AS at) t
                    """,
                    {"tz": settings.TIME_ZONE, "now": now, "note": NOTE, "province": settings.PROVINCE_CODE,
                     "cases": CASES},
                )  # fmt: skip
                cursor.execute(
                    """
                    INSERT INTO contacts_labresult (case_id, test_type, sample_date, result_date, result, laboratory,
                        created_at)
                    SELECT id, 'rt_pcr', sample_date, sample_date, 'positive', 'bench', %s
                    FROM contacts_case WHERE note = %s
                    """,
                    [now, NOTE],
                )
                cursor.execute(
                    """
                    INSERT INTO contacts_followup (person_id, ward_id, level, case_id, last_exposure_at,
                        quarantine_until, state, created_at)
                    SELECT p.id, p.ward_id, CASE WHEN p.n %% 10 = 0 THEN 1 ELSE 2 END, c.id,
                           %(now)s - (p.n %% 14) * interval '1 day', %(today)s::date + (14 - p.n %% 14)::int, 'active',
                           %(now)s - (p.n %% 14) * interval '1 day'
                    FROM (SELECT id, ward_id, row_number() OVER (ORDER BY id) AS n FROM people_person
                          WHERE is_demo AND ward_id IN (SELECT code FROM geo_ward WHERE province_id = %(province)s)
                            AND NOT EXISTS (SELECT 1 FROM contacts_followup f WHERE f.person_id = people_person.id
                                            AND f.state = 'active')
                            AND NOT EXISTS (SELECT 1 FROM contacts_case c WHERE c.person_id = people_person.id)
                          ORDER BY id LIMIT %(follow_ups)s) p
                    JOIN LATERAL (SELECT id FROM contacts_case WHERE note = %(note)s
                                  ORDER BY id OFFSET (p.n %% %(cases)s) LIMIT 1) c ON true
                    """,
                    {"now": now, "today": today, "province": settings.PROVINCE_CODE, "follow_ups": FOLLOW_UPS,
                     "note": NOTE, "cases": CASES},
                )  # fmt: skip
                cursor.execute(
                    """
                    INSERT INTO contacts_followupcheck (follow_up_id, day, symptoms, test_result, note, recorded_at)
                    SELECT f.id, %s, '[]', CASE WHEN f.id %% 100 = 0 THEN 'positive' ELSE 'negative' END, '', %s
                    FROM contacts_followup f JOIN contacts_case c ON c.id = f.case_id
                    WHERE c.note = %s ORDER BY f.id LIMIT %s
                    """,
                    [today, now, NOTE, CHECKS],
                )
            cursor.execute(
                "ANALYZE contacts_case; ANALYZE contacts_followup; ANALYZE contacts_followupcheck; "
                "ANALYZE contacts_labresult"
            )
    started = time.perf_counter()
    ward_days_store(days=[today - timedelta(days=n) for n in range(31)], today=today)
    stored = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE operations_wardday")
    return stored


def remove() -> None:
    cases = "SELECT id FROM contacts_case WHERE note = %s"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM contacts_followupcheck WHERE follow_up_id IN "
            f"(SELECT id FROM contacts_followup WHERE case_id IN ({cases}))",
            [NOTE],
        )
        cursor.execute(f"DELETE FROM contacts_followup WHERE case_id IN ({cases})", [NOTE])
        cursor.execute(f"DELETE FROM contacts_labresult WHERE case_id IN ({cases})", [NOTE])
        cursor.execute("DELETE FROM contacts_case WHERE note = %s", [NOTE])
        cursor.execute("DELETE FROM operations_wardday")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_case; ANALYZE contacts_followup; ANALYZE contacts_followupcheck")


def lower_bound(params: dict[str, object]) -> None:
    with connection.cursor() as cursor:
        for _name, sql in LOWER_BOUND:
            cursor.execute(sql, params)
            cursor.fetchall()


def timed(probes: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    """Each probe once per round, in turns, so that a neighbour's load falls on all alike."""
    times: dict[str, list[float]] = {name: [] for name in probes}
    for probe in probes.values():  # warm-up
        probe()
    for _ in range(repeat):
        for name, probe in probes.items():
            started = time.perf_counter()
            probe()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def page_weight() -> None:
    """Bytes on the wire for the first load of /operations/ (production settings)."""
    from playwright.sync_api import sync_playwright

    static = Path(tempfile.mkdtemp(prefix="bench-static-"))
    env = server_env(
        DJANGO_ENV="production", DEBUG="0", SECRET_KEY="bench-" + "x" * 60 + "yz", STATIC_ROOT=str(static),
        SECURE_SSL_REDIRECT="0", ALLOWED_HOSTS="127.0.0.1", MEDIA_ROOT=str(MEDIA),
    )  # fmt: skip
    env.pop("BENCH_BASELINE", None)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "truyvet.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", "2", "--log-level",
         "warning"], cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            sizes: dict[str, float] = {}
            urls: dict[str, str] = {}
            cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
            cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
            page.goto(f"http://127.0.0.1:{PORT}/operations/", wait_until="networkidle")
            page.wait_for_selector("#chart-cases canvas")
            browser.close()
        total = 0.0
        print("| resource | bytes on the wire |")
        print("|---|---|")
        for request_id, size in sorted(sizes.items(), key=lambda item: -item[1]):
            url = urls.get(request_id, request_id).replace(f"http://127.0.0.1:{PORT}", "")
            print(f"| {url} | {size:,.0f} |")
            total += size
        print(f"| **total** | **{total:,.0f}** ({total / 1024:.1f} KiB) |")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(static, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="Keep the bench's cases and follow-ups afterwards.")
    parser.add_argument("--page-weight", action="store_true")
    options = parser.parse_args()
    setup_test_environment()
    stored = load()
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT code FROM geo_ward WHERE province_id = %s", [settings.PROVINCE_CODE])
        wards = [code for (code,) in cursor.fetchall()]
        cursor.execute("SELECT count(*) FROM contacts_case")
        cases = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM contacts_followup WHERE state = 'active'")
        active = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM people_person")
        people = cursor.fetchone()[0]
    print(f"database {connection.settings_dict['NAME']}: {people:,} people, {cases:,} cases, {active:,} active "
          f"follow-ups, {WardDay.objects.count():,} stored ward days; 31 days stored in {stored:.1f} s")  # fmt: skip
    params = {
        "province": settings.PROVINCE_CODE, "wards": wards, "tz": settings.TIME_ZONE, "today": today,
        "yesterday": today - timedelta(days=1), "first": today - timedelta(days=settings.OPERATIONS_DAYS_SHOWN),
        "week": day_start(today - timedelta(days=6)), "tomorrow": day_start(today + timedelta(days=1)),
    }  # fmt: skip
    client = Client()
    probes: dict[str, Callable[[], object]] = {
        "lower bound: the same figures, raw SQL (12 statements)": lambda: lower_bound(params),
        "the page's figures (page_figures)": lambda: page_figures(today),
        "the whole page, GET /operations/ (test client)": lambda: client.get("/operations/"),
        "today's ward figures all counted live (no stored row: F1/F2, tests, population)": lambda: ward_figures(
            today, wards, today=today
        ),
    }
    times = timed(probes, options.repeat)
    floor = statistics.median(times[next(iter(probes))])
    print(f"\n{options.repeat} rounds; load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}\n")
    print("| probe | median ms | p90 ms | ratio to raw SQL |")
    print("|---|---|---|---|")
    for name, values in times.items():
        values.sort()
        p90 = values[int(0.9 * (len(values) - 1))]
        print(f"| {name} | {statistics.median(values):.1f} | {p90:.1f} | {statistics.median(values) / floor:.1f} |")
    started = time.perf_counter()
    content = report_content(today - timedelta(days=1))
    pdf, xlsx = report_pdf(content), report_xlsx(content)
    print(f"\nthe daily report of yesterday (content, PDF {len(pdf):,} B, XLSX {len(xlsx):,} B): "
          f"{(time.perf_counter() - started) * 1000:.0f} ms, once")  # fmt: skip
    if options.page_weight:
        print()
        page_weight()
    if not options.keep:
        remove()
        print("\nthe bench's cases, follow-ups and checks removed (--keep keeps them)")


if __name__ == "__main__":
    main()
