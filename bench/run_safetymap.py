"""The COVID-safe map at a province's size: 20,000 facilities with 30 days of assessments and
5,000 citizens' reports (targets: the public GeoJSON, all and one ward, ≤ 200 ms and within
2× of a bare ``json_agg`` of the same rows, ≤ 1 MB gzipped; the public map interactive in
headless Chromium in ≤ 2 s with all of them).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_safetymap \\
        .venv/bin/python bench/run_safetymap.py [--facilities 20000] [--repeat 30] [--port 8010]

Needs a migrated database (``manage.py migrate``); the demo accounts and the safety map's
demo are seeded here when the database has fewer facilities than asked
(``seed_demo``'s ``safetymap.demo`` with ``--facilities N --facility-days 30
--facility-reports 5000``, the same generator ``make run`` uses).

Measured in one run, in turns after a warm-up, against gunicorn (2 sync workers, production
settings but ``DEBUG=0`` on this machine) over loopback:

- ``GET /api/v1/safetymap/facilities.geojson`` (all) and ``?ward_code=`` (the ward with the
  most facilities), gzip accepted, as a browser asks it: the time to the last byte, the
  bytes on the wire and unzipped;
- the same with ``If-None-Match`` (a refresh of an open map: 304);
- the lower bound, in the same run: ``SELECT json_agg(t) FROM (the same rows and columns) t``
  on one psycopg connection, the text fetched (no HTTP, no Django, no gzip);
- the public page in headless Chromium (Debian's), 360×740 and 1366×900: the time from
  navigation to the first drawing of every point (``document.body.dataset.smReady``), and
  a zoom's redraw.

The machine's load (``uptime``) is printed before and after: other work shares the CPU.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import io
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/truyvet_safetymap")
import lib  # noqa: E402

os.environ.update(lib.server_env(REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from safetymap.models import Facility  # noqa: E402
from safetymap.status import stale_before  # noqa: E402

CHROMIUM = "/usr/bin/chromium"

BARE = """
SELECT json_agg(t)::text FROM (
  SELECT id, name, type,
         CASE WHEN assessed_at >= %s THEN status ELSE 'not_assessed' END AS status,
         assessed_at, score, latitude, longitude
  FROM safetymap_facility WHERE is_active {ward} ORDER BY id
) t
"""


@dataclass
class Result:
    served: list[float]
    bare: list[float]
    not_modified: list[float]
    wire: int
    raw: int
    bare_len: int


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def seed(count: int) -> None:
    have = Facility.objects.count()
    if have >= count:
        print(f"{have} facilities already there")
        return
    from safetymap import demo
    from truyvet.accounts import demo as accounts_demo

    started = time.monotonic()
    accounts_demo.seed({}, io.StringIO())
    out = io.StringIO()
    demo.seed({"facilities": count, "facility_days": 30, "facility_reports": 5000}, out)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(out.getvalue().strip(), f"({time.monotonic() - started:.0f} s)")


def fetch(path: str, headers: dict[str, str]) -> tuple[int, float, int, int]:
    """(status, ms to the last byte, bytes on the wire, bytes unzipped)."""
    conn = http.client.HTTPConnection(lib.HOST, lib.PORT, timeout=30)
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    raw = gzip.decompress(body) if response.getheader("Content-Encoding") == "gzip" else body
    return response.status, elapsed, len(body), len(raw)


def bare_ms(ward: int | None) -> tuple[float, int]:
    cutoff = stale_before(timezone.now().replace(second=0, microsecond=0))
    sql = BARE.format(ward="AND ward_id = %s" if ward is not None else "")
    params: list[datetime | int] = [cutoff] + ([ward] if ward is not None else [])
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(sql, params)
        (text,) = cursor.fetchone()
        return (time.perf_counter() - started) * 1000, len(text or "")


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ms (p90 {lib.percentile(values, 90):.0f})"


def browser_ms(width: int, height: int) -> tuple[float, float, int]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        readies: list[float] = []
        redraws: list[float] = []
        count = 0
        for turn in range(4):  # the first warms the server up and is not counted
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(f"http://{lib.HOST}:{lib.PORT}/safetymap/", wait_until="commit")
            page.wait_for_function("() => document.body && document.body.dataset.smReady", timeout=30000)
            if turn:
                readies.append(float(page.evaluate("() => document.body.dataset.smReady")))
            count = int(page.evaluate("() => window.safetyMap.count()"))
            page.evaluate("() => window.safetyMap.map.setZoom(window.safetyMap.map.getZoom() + 1, {animate: false})")
            page.wait_for_timeout(300)
            if turn:
                redraws.append(float(page.evaluate("() => window.safetyMap.lastDrawMs")))
            context.close()
        browser.close()
    return statistics.median(readies), statistics.median(redraws), count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--facilities", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument(
        "--cold", action="store_true", help="SAFETYMAP_GEOJSON_CACHE_SECONDS=0: every request builds the GeoJSON"
    )
    args = parser.parse_args()
    if args.cold:
        os.environ["SAFETYMAP_GEOJSON_CACHE_SECONDS"] = "0"
    print("GeoJSON cache:", "off (cold)" if args.cold else "on (the default)")
    lib.PORT = args.port
    print("load before:", uptime())
    seed(args.facilities)
    total = Facility.objects.filter(is_active=True).count()
    largest = (
        Facility.objects.values_list("ward_id", flat=True)
        .order_by()
        .annotate(n=django.db.models.Count("pk"))
        .order_by("-n")
        .first()
    )
    assert largest is not None
    ward = int(largest)
    ward_total = Facility.objects.filter(ward_id=ward).count()
    print(f"facilities: {total}; the largest ward {ward}: {ward_total}")
    gz = {"Accept-Encoding": "gzip", "Accept": "application/geo+json"}
    paths = {
        "all": "/api/v1/safetymap/facilities.geojson",
        "ward": f"/api/v1/safetymap/facilities.geojson?ward_code={ward}",
    }
    results: dict[str, Result] = {}
    with lib.gunicorn(workers=2, threads=1):
        for name, path in paths.items():
            for _warm in range(3):
                fetch(path, gz)
                bare_ms(ward if name == "ward" else None)
            served: list[float] = []
            bare: list[float] = []
            not_modified: list[float] = []
            wire = raw = bare_len = 0
            etag_conn = http.client.HTTPConnection(lib.HOST, lib.PORT, timeout=30)
            etag_conn.request("GET", path, headers=gz)
            first = etag_conn.getresponse()
            first.read()
            etag = first.getheader("ETag") or ""
            etag_conn.close()
            for _turn in range(args.repeat):
                status, ms, wire, raw = fetch(path, gz)
                assert status == 200, status
                served.append(ms)
                b_ms, bare_len = bare_ms(ward if name == "ward" else None)
                bare.append(b_ms)
                status, ms, _w, _r = fetch(path, {**gz, "If-None-Match": etag})
                not_modified.append(ms)
            results[name] = Result(served, bare, not_modified, wire, raw, bare_len)
        ready_phone, redraw_phone, count = browser_ms(360, 740)
        ready_desk, redraw_desk, _count = browser_ms(1366, 900)
    print("load after:", uptime())
    print()
    print("| request | served (median, p90) | bare json_agg | ratio | 304 | gzipped | unzipped |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        ratio = statistics.median(r.served) / statistics.median(r.bare)
        print(
            f"| {name} | {summary(r.served)} | {summary(r.bare)} | {ratio:.2f}× | {summary(r.not_modified)} "
            f"| {r.wire / 1024:.0f} KiB | {r.raw / 1024:.0f} KiB (bare {r.bare_len / 1024:.0f} KiB) |"
        )
    print()
    print(f"| public map, {count} points | first drawing of every point | a zoom's redraw |")
    print("|---|---|---|")
    print(f"| 360×740 | {ready_phone:.0f} ms | {redraw_phone:.0f} ms |")
    print(f"| 1366×900 | {ready_desk:.0f} ms | {redraw_desk:.0f} ms |")


if __name__ == "__main__":
    main()
