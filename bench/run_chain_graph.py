"""The chain-of-transmission graph of a big cluster (target: "a 5,000-node cluster in ≤ 300 ms").

    createdb -h 127.0.0.1 -U postgres truyvet_chain
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_chain .venv/bin/python manage.py migrate
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_chain \\
        .venv/bin/python bench/run_chain_graph.py [--cases 50 --people 5000 --repeat 20] [--browser]

Generates (once, with bulk inserts) a cluster of ``--cases`` cases and ``--people`` people
in all: each case's F1 and F2, the next case as an F1 of the one before (the chain), a few
people met twice, follow-ups in every state. Then times, through Django's test client
(server time, no network), the cluster's JSON as the CDC (every name) and as a commune
station (names of its wards only), against a lower bound measured in the same run: the
same rows fetched with a raw cursor (the two SQL statements the selector needs, without
Django, without building the graph or the JSON). ``--browser`` also opens the page in
Debian's Chromium behind a gunicorn and reports how long the graph took to draw.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/truyvet_chain")
from lib import PYTHON, percentile, server_env  # noqa: E402

os.environ.update(server_env(ALLOWED_HOSTS="testserver,127.0.0.1"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from contacts.models import Case, Cluster, Exposure, FollowUp, MatchingState  # noqa: E402
from contacts.selectors.chains import cluster_chain_get_for, subgraph_json  # noqa: E402
from truyvet.accounts.models import HealthUnit, Role, UnitKind, User  # noqa: E402
from truyvet.geo.models import Ward  # noqa: E402
from truyvet.people.models import Person  # noqa: E402
from truyvet.people.normalize import search_key  # noqa: E402
from venues.models import Venue  # noqa: E402

BROWSER_PORT = 8079
VIAS = ["venue"] * 6 + ["proximity"] * 3 + ["manual"]
STATES = ["active"] * 7 + ["completed"] * 2 + ["became_case"]


def users(wards: list[Ward]) -> tuple[User, User]:
    cdc_unit, _ = HealthUnit.objects.get_or_create(
        name="CDC (chain bench)", defaults={"kind": UnitKind.PROVINCE_CDC, "whole_province": True}
    )
    station, created = HealthUnit.objects.get_or_create(
        name="Trạm Y tế (chain bench)", defaults={"kind": UnitKind.COMMUNE_STATION}
    )
    if created:
        station.wards.set(wards[:3])
    cdc, _ = User.objects.get_or_create(
        username="chain-cdc", defaults={"role": Role.PROVINCE_CDC, "health_unit": cdc_unit}
    )
    commune, _ = User.objects.get_or_create(
        username="chain-commune", defaults={"role": Role.COMMUNE_STATION, "health_unit": station}
    )
    return cdc, commune


@transaction.atomic
def generate(name: str, n_cases: int, n_people: int, seed: int = 5) -> Cluster:
    """A cluster with ``n_cases`` cases and ``n_people`` people, in a few bulk INSERTs."""
    rng = random.Random(seed)
    wards = list(Ward.objects.filter(province_id=settings.PROVINCE_CODE).order_by("code")[:30])
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(days=14)
    people = Person.objects.bulk_create(
        [
            Person(
                full_name=f"Người Thử Chuỗi {i}",
                name_key=search_key(f"Người Thử Chuỗi {i}"),
                ward=rng.choice(wards),
                phone=f"+8497{i:07d}",
            )
            for i in range(n_people)
        ],
        batch_size=2000,
    )
    venues = Venue.objects.bulk_create(
        [
            Venue(name=f"Chợ thử {i}", category="market", address=f"{i} Lê Lợi", ward=rng.choice(wards))
            for i in range(20)
        ]
    )
    cluster = Cluster.objects.create(name=name, ward=wards[0])
    case_people, contacts = people[:n_cases], people[n_cases:]
    cases = Case.objects.bulk_create(
        [
            Case(
                person=p,
                ward_id=p.ward_id,
                cluster=cluster,
                confirmed_at=start + timedelta(hours=6 * i),
                sample_date=(start + timedelta(hours=6 * i)).date(),
                matching=MatchingState.DONE,
            )
            for i, p in enumerate(case_people)
        ]
    )
    exposures: list[Exposure] = []

    def expose(case: Case, person: Person, source: Person, level: int, when: object) -> None:
        via = rng.choice(VIAS)
        exposures.append(
            Exposure(
                case=case,
                person=person,
                source_person=source,
                level=level,
                via=via,
                venue=rng.choice(venues) if via == "venue" else None,
                overlap_start=when,
                overlap_end=when + timedelta(hours=1),  # type: ignore[operator]
                last_contact_at=when + timedelta(hours=1),  # type: ignore[operator]
                ward_id=person.ward_id,
                created_at=now,
            )
        )

    per_case = len(contacts) // n_cases
    for i, case in enumerate(cases):
        mine = contacts[i * per_case : (i + 1) * per_case] if i < n_cases - 1 else contacts[i * per_case :]
        f1s = mine[: len(mine) * 3 // 5]
        for person in f1s:
            expose(case, person, case.person, 1, case.confirmed_at - timedelta(hours=rng.randint(1, 48)))
        for person in mine[len(f1s) :]:
            expose(case, person, rng.choice(f1s), 2, case.confirmed_at - timedelta(hours=rng.randint(0, 24)))
        if i + 1 < n_cases:  # the next case was this one's F1: the chain
            expose(case, cases[i + 1].person, case.person, 1, case.confirmed_at - timedelta(hours=2))
    Exposure.objects.bulk_create(exposures, batch_size=2000)
    FollowUp.objects.bulk_create(
        [
            FollowUp(
                person=p,
                ward_id=p.ward_id,
                level=1,
                last_exposure_at=now,
                quarantine_until=(now + timedelta(days=14)).date(),
                state=rng.choice(STATES),
            )
            for p in contacts
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE people_person, contacts_case, contacts_exposure, contacts_followup")
    return cluster


RAW_CASES = """
    SELECT c.id, c.person_id, p.full_name, c.outcome, c.ward_id, k.name, c.confirmed_at, c.created_at
    FROM contacts_case c JOIN people_person p ON p.id = c.person_id LEFT JOIN contacts_cluster k ON k.id = c.cluster_id
    WHERE c.cluster_id = %s ORDER BY c.id
"""
RAW_EXPOSURES = """
    SELECT e.case_id, e.source_person_id, e.person_id, p.full_name, e.level, e.via, v.name, e.overlap_start, e.ward_id,
           (SELECT f.state FROM contacts_followup f WHERE f.person_id = e.person_id
             ORDER BY f.created_at DESC, f.id DESC LIMIT 1),
           c.id
    FROM contacts_exposure e JOIN people_person p ON p.id = e.person_id LEFT JOIN venues_venue v ON v.id = e.venue_id
    LEFT JOIN contacts_case c ON c.person_id = e.person_id AND c.outcome = 'under_treatment'
    WHERE e.case_id = ANY(%s) ORDER BY e.overlap_start, e.id
"""


def raw_rows(cluster_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(RAW_CASES, [cluster_id])
        case_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(RAW_EXPOSURES, [case_ids])
        return len(cursor.fetchall())


def timed(probes: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    """Wall times in ms of each probe, taken in turns (so a busy moment of this shared
    machine slows all of them alike), after two warm-up rounds."""
    times: dict[str, list[float]] = {name: [] for name in probes}
    for round_ in range(repeat + 2):
        for name, probe in probes.items():
            started = time.perf_counter()
            probe()
            if round_ >= 2:
                times[name].append((time.perf_counter() - started) * 1000)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), percentile(times, 95)


def browser_check(cluster: Cluster, user: User) -> None:
    """Open the page in Chromium behind gunicorn; report fetch + draw time."""
    from django.contrib.sessions.backends.db import SessionStore
    from playwright.sync_api import sync_playwright

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    command = [PYTHON, "-m", "gunicorn", "truyvet.wsgi", "--bind", f"127.0.0.1:{BROWSER_PORT}", "--workers", "2",
               "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=server_env())
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{BROWSER_PORT}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
            )
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": session.session_key or "",
                        "url": f"http://127.0.0.1:{BROWSER_PORT}",
                    }
                ]
            )
            page = context.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            started = time.perf_counter()
            page.goto(f"http://127.0.0.1:{BROWSER_PORT}{reverse('contacts:chain_cluster', args=[cluster.pk])}")
            page.wait_for_selector("#chain-graph[data-drawn]", timeout=120_000)
            total = (time.perf_counter() - started) * 1000
            drawn = page.get_attribute("#chain-graph", "data-drawn")
            # Usable: hiding F2 (about 40 % of the nodes) and showing it again.
            started = time.perf_counter()
            page.uncheck(".chain-level-filter[value='2']")
            page.check(".chain-level-filter[value='2']")
            toggle = (time.perf_counter() - started) * 1000
            shot = ROOT / "test-artifacts" / "chain-cluster-bench.png"
            shot.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(shot))
            browser.close()
        print(f"\nbrowser (Chromium, 1366×900): page load to graph drawn {total:.0f} ms; "
              f"build + layout in the page {drawn} ms; F2 filter off and on {toggle:.0f} ms")  # fmt: skip
        print(f"console errors or warnings: {problems or 'none'}; screenshot {shot.relative_to(ROOT)}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--browser", action="store_true")
    options = parser.parse_args()

    name = f"Chain bench {options.cases}×{options.people}"
    cluster = Cluster.objects.filter(name=name).first()
    if cluster is None:
        started = time.perf_counter()
        cluster = generate(name, options.cases, options.people)
        print(f"generated in {time.perf_counter() - started:.1f} s")
    wards = list(Ward.objects.filter(province_id=settings.PROVINCE_CODE).order_by("code")[:30])
    cdc, commune = users(wards)
    exposures = Exposure.objects.filter(case__cluster=cluster).count()
    print(f"cluster #{cluster.pk}: {cluster.cases.count()} cases, {exposures} exposures; "
          f"database {connection.vendor} {connection.settings_dict['NAME']}")  # fmt: skip

    url = reverse("contacts:chain_cluster_json", args=[cluster.pk])
    graph = cluster_chain_get_for(cdc, cluster.pk)
    clients = {}
    for name, user, encoding in (("cdc", cdc, ""), ("commune", commune, ""), ("gzip", cdc, "gzip")):
        clients[name] = Client(HTTP_ACCEPT_ENCODING=encoding)
        clients[name].force_login(user)
    body = clients["cdc"].get(url).content
    labels: dict[str, Any] = {"via": {}, "status": {}}
    probes: dict[str, Callable[[], object]] = {
        "lower bound: the same rows, raw cursor (2 statements)": lambda: raw_rows(cluster.pk),
        "selector: rows → nodes and edges (CDC)": lambda: cluster_chain_get_for(cdc, cluster.pk),
        "of which building the JSON document (CDC)": lambda: subgraph_json(graph, labels, "Asia/Ho_Chi_Minh"),
        "JSON endpoint, CDC, every name": lambda: clients["cdc"].get(url),
        "JSON endpoint, commune station, 3 wards": lambda: clients["commune"].get(url),
        "JSON endpoint, CDC, gzipped": lambda: clients["gzip"].get(url),
    }
    times = timed(probes, options.repeat)
    lower = statistics.median(next(iter(times.values())))

    print(f"\nnodes {len(graph.nodes)}, edges {len(graph.edges)} (from {exposures} exposures); "
          f"JSON {len(body) / 1024:.0f} KiB, gzip {len(gzip.compress(body)) / 1024:.0f} KiB")  # fmt: skip
    print(
        f"\n| what ({options.repeat} rounds after 2 warm-ups, in turns) | median ms | p95 ms | median / lower bound |"
    )
    print("|---|---|---|---|")
    for what, values in times.items():
        median, p95 = summary(values)
        print(f"| {what} | {median:.1f} | {p95:.1f} | {median / lower:.2f}× |")
    if options.browser:
        browser_check(cluster, cdc)


if __name__ == "__main__":
    main()
