"""The staff declaration list at a province's size (target: "stays fast with a million rows").

    .venv/bin/python bench/run_staff_list.py [--repeat 30]

Needs the benchmark database with ~1 million declarations (see docs/BENCHMARKS.md for the
INSERT … SELECT that makes them from the demo people). Renders the first page and an older
page of the list as the CDC and as a commune station, with each filter and search, through
Django's test client (server time, no network), and reports the median and worst time.
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

from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from truyvet.accounts.models import User  # noqa: E402
from truyvet.people.models import Person  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    options = parser.parse_args()
    setup_test_environment()  # gives responses their template context (the row count)
    someone = Person.objects.filter(is_demo=True, declarations__isnull=False).order_by("pk").first()
    assert someone is not None
    cases = [
        ("first page", {}),
        ("risk = yellow", {"risk_level": "yellow"}),
        ("last 3 days", {"date_from": "2026-11-20"}),
        ("search: citizen id", {"q": someone.id_number}),
        ("search: phone", {"q": "0" + someone.phone[3:]}),
        ("search: name prefix", {"q": someone.name_key[:8]}),
    ]
    print("| user | query | rows | median ms | max ms |")
    print("|---|---|---|---|---|")
    for username in ("cdc", "commune"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for label, query in cases:
            times, rows = [], 0
            for _ in range(options.repeat):
                started = time.perf_counter()
                response = client.get("/declarations/staff/", query)
                times.append((time.perf_counter() - started) * 1000)
                rows = len(response.context["rows"])
            print(f"| {username} | {label} | {rows} | {statistics.median(times):.1f} | {max(times):.1f} |")
        cursor = client.get("/declarations/staff/").context["cursor"]
        times = []
        for _ in range(options.repeat):
            started = time.perf_counter()
            client.get("/declarations/staff/", {"before": cursor})
            times.append((time.perf_counter() - started) * 1000)
        print(f"| {username} | older page | 50 | {statistics.median(times):.1f} | {max(times):.1f} |")


if __name__ == "__main__":
    main()
