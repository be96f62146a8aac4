"""Vaccination: certificates issued per second on one core, against bare ES256 signing of
the same CBOR in the same run (targets: ≥ 1,000/s and within 2×), and dose recording through
the service (target: ≥ 500/s with p99 ≤ 200 ms).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_vaccination \\
        .venv/bin/python bench/run_vaccination.py [--certificates 5000] [--doses 3000]

The database is migrated first; the run adds its own site, vaccinator and people (tagged
``bench-vaccination``) and removes them at the end.

- bare signing: ECDSA P-256 / SHA-256 over the COSE Sig_structure of the certificate's CWT
  (``cryptography``), its CBOR made beforehand;
- the lower bound: the same claims encoded as CBOR with ``cbor2``, wrapped in the
  Sig_structure and signed (what any issuer must do for each certificate);
- issuing: ``vaccination.hcert.issue`` from the HCERT dictionary: CBOR of the claims, the
  Sig_structure, the signature, COSE_Sign1, zlib, Base45, ``HC1:``;
- issuing from the database: ``certificate_for(person)`` (the person's doses read, then the
  above), what the API does per request;
- dose recording: ``dose_record`` one at a time (each its transaction, audit entry, lock of
  the person and checks), one process, per-call latencies.

``--http-only``: one dose a request over HTTP (gunicorn, wrk). ``--batches-only``: doses in
batches over HTTP, against the bare batch insert in the same run (``bench_batches``):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_hd_bench \\
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_hd_bench \\
        .venv/bin/python bench/run_vaccination.py --batches-only --duration 30 --batch-size 100
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import cbor2  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def bench_certificates(count: int) -> None:
    from vaccination import hcert
    from vaccination.signers import make_signer, signer_from_pem

    files = make_signer(country="VN")
    signer = signer_from_pem(files.certificate_pem, files.private_key_pem)
    entry = hcert.VaccinationEntry(
        prophylaxis="1119349007",
        product="EU/1/20/1528",
        manufacturer="ORG-100030215",
        dose_number=2,
        total_doses=2,
        administered_on=date(2021, 9, 1),
        country="VN",
        issuer="Bộ Y tế / Ministry of Health, Viet Nam",
        uvci=hcert.uvci("VN", "TV", "WYOSN5T62MGMO23E"),
    )
    payload = hcert.hcert_payload("Nguyễn Văn An", date(1990, 5, 17), entry)
    now = datetime.now(UTC)
    later = now + timedelta(days=365)
    claims = hcert.cwt_claims(payload, issuer="VN", issued_at=now, expires_at=later)
    to_sign = cbor2.dumps(["Signature1", signer.protected, b"", claims])
    key = signer.private_key
    algorithm = ec.ECDSA(hashes.SHA256())

    def cbor_and_sign() -> None:
        # The least an issuer must do: encode these claims as CBOR, wrap them in the
        # Sig_structure and sign it (no COSE message, no zlib, no Base45).
        encoded = cbor2.dumps({1: "VN", 4: int(later.timestamp()), 6: int(now.timestamp()), -260: {1: payload}})
        key.sign(cbor2.dumps(["Signature1", signer.protected, b"", encoded]), algorithm)

    for _ in range(200):  # warm-up
        key.sign(to_sign, algorithm)
        cbor_and_sign()
        hcert.issue(signer, payload, issued_at=now, expires_at=later)
    bare, bound, issued = [], [], []
    # The processor time of this thread: on a shared machine the wall clock also counts the
    # time the thread waited for a core, which a longer loop suffers more of.
    clock = time.thread_time
    for _turn in range(3):  # interleaved, best of three (the machine is shared)
        started = clock()
        for _ in range(count):
            key.sign(to_sign, algorithm)
        bare.append(clock() - started)
        started = clock()
        for _ in range(count):
            cbor_and_sign()
        bound.append(clock() - started)
        started = clock()
        for _ in range(count):
            hcert.issue(signer, payload, issued_at=now, expires_at=later)
        issued.append(clock() - started)
    b, c, i = min(bare), min(bound), min(issued)
    text = hcert.issue(signer, payload, issued_at=now, expires_at=later)
    print(f"certificate: {len(text)} characters (HC1:...)")
    print(f"bare ES256 signing of the same Sig_structure: {rate(count, b):,.0f}/s ({b / count * 1e6:.1f} µs each)")
    print(f"bare CBOR of the claims + Sig_structure + ES256: {rate(count, c):,.0f}/s ({c / count * 1e6:.1f} µs each)")
    print(f"issuing (CBOR, COSE, zlib, Base45): {rate(count, i):,.0f}/s ({i / count * 1e6:.1f} µs each)")
    print(f"ratio issuing / bare signing: {i / b:.2f}×; issuing / CBOR + signing: {i / c:.2f}× (target ≤ 2×)")
    print("(processor time of one thread, best of three interleaved turns)")


def bench_database(certificates: int, doses: int) -> None:
    from tests.factories import home_ward
    from truyvet.accounts.models import Role, User
    from truyvet.people.models import Person
    from truyvet.people.normalize import search_key
    from vaccination.certificates import certificate_for
    from vaccination.models import Dose, Site
    from vaccination.services import DoseIn, dose_record

    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(username="bench-vaccinator", defaults={"role": Role.VACCINATION_STAFF})
    site, _ = Site.objects.get_or_create(name="bench-vaccination", defaults={"ward": home_ward(0)})
    site.staff.add(user)
    people = Person.objects.bulk_create(
        [
            Person(full_name=f"Bench Tiêm {n}", name_key=search_key(f"Bench Tiêm {n}"), address="bench-vaccination")
            for n in range(doses)
        ]
    )
    day = timezone.localdate() - timedelta(days=1)
    latencies = []
    started = time.perf_counter()
    for person in people:
        one = time.perf_counter()
        dose_record(
            user=user,
            data=DoseIn(
                person_id=person.pk,
                product="EU/1/20/1528",
                manufacturer="ORG-100030215",
                dose_number=1,
                total_doses=2,
                administered_on=day,
                site_id=site.pk,
                lot="BENCH",
            ),
        )
        latencies.append(time.perf_counter() - one)
    total = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(
        f"dose recording ({connection.vendor}, one process): {rate(len(people), total):,.0f}/s, "
        f"median {statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
    )
    sample = people[: min(certificates, len(people))]
    certificate_for(sample[0])
    started = time.perf_counter()
    for person in sample:
        certificate_for(person)
    total = time.perf_counter() - started
    print(f"certificate_for (doses read from {connection.vendor}): {rate(len(sample), total):,.0f}/s")
    Dose.objects.filter(site=site).delete()
    Person.objects.filter(address="bench-vaccination").delete()
    site.delete()
    user.delete()


def bench_http(duration: int, connections: int, workers: int, threads: int, people_count: int) -> None:
    """``POST /api/v1/vaccination/doses/`` through gunicorn and wrk: every request a new person
    at one site, all from the same lot (the stock row every dose updates), against the bare
    insert (``/bench/insert-one``) before and after."""
    import tempfile

    from lib import gunicorn, wrk
    from rest_framework.authtoken.models import Token

    from tests.factories import home_ward
    from truyvet.accounts.models import Role, User
    from truyvet.people.models import Person
    from truyvet.people.normalize import search_key
    from vaccination.models import Dose, Site, StockLot

    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(username="bench-vaccinator-http", defaults={"role": Role.VACCINATION_STAFF})
    token, _ = Token.objects.get_or_create(user=user)
    site, _ = Site.objects.get_or_create(name="bench-vaccination-http", defaults={"ward": home_ward(0)})
    site.staff.add(user)
    lot = os.environ.get("BENCH_LOT", "BENCH-HTTP")
    StockLot.objects.update_or_create(
        site=site,
        product="EU/1/20/1528",
        lot=lot,
        defaults={"manufacturer": "ORG-100030215", "expires_on": date(2099, 1, 1), "doses_left": 10_000_000},
    )
    tag = "bench-vaccination-http"
    have = Person.objects.filter(address=tag).count()
    if have < people_count:
        Person.objects.bulk_create(
            [
                Person(full_name=f"Bench Tiêm {n}", name_key=search_key(f"Bench Tiêm {n}"), address=tag)
                for n in range(have, people_count)
            ],
            batch_size=5000,
        )
    ids = list(Person.objects.filter(address=tag).order_by("pk").values_list("pk", flat=True)[:people_count])
    with connection.cursor() as cursor:  # the people are kept for the next run; their doses are not
        cursor.execute("DELETE FROM vaccination_dose WHERE site_id = %s", [site.pk])
        cursor.execute("ANALYZE vaccination_dose; ANALYZE people_person; ANALYZE lib_auditevent")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(str(pk) for pk in ids) + "\n")
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    lua = ROOT / "bench" / "lua"
    floor_seconds = max(5, duration // 3)
    with gunicorn(workers=workers, threads=threads):
        before = wrk(lua / "insert_one.lua", path="/bench/insert-one", duration=floor_seconds, connections=connections)
        result = wrk(lua / "doses.lua", path="/api/v1/vaccination/doses/", duration=duration,
                     connections=connections, args=(handle.name, token.key, str(site.pk), day, lot, "2"))  # fmt: skip
        after = wrk(lua / "insert_one.lua", path="/bench/insert-one", duration=floor_seconds, connections=connections)
    written = Dose.objects.filter(site=site).count()
    left = StockLot.objects.get(site=site, lot=lot).doses_left
    floor = (before.requests_per_s + after.requests_per_s) / 2
    print(
        f"doses over HTTP (gunicorn {workers}×{threads}, wrk {connections} connections, {duration} s): "
        f"{result.requests_per_s:,.0f}/s, p50 / p90 / p99 {result.p50_ms:.1f} / {result.p90_ms:.1f} / "
        f"{result.p99_ms:.1f} ms, non-2xx {result.non_2xx}, {written} doses written, stock used "
        f"{10_000_000 - left}"
    )
    print(
        f"bare insert before / after: {before.requests_per_s:,.0f} / {after.requests_per_s:,.0f}/s; "
        f"ratio {result.requests_per_s / floor:.2f}"
    )
    if len(ids) < result.requests:
        print(f"WARNING: {result.requests} requests for {len(ids)} people: some were duplicates (409)")


def bench_batches(
    duration: int,
    baseline: int,
    connections: int,
    workers: int,
    threads: int,
    people_count: int,
    size: int,
    lot: str = "BENCH-BATCH",
) -> None:
    """``POST /api/v1/vaccination/sites/{id}/doses/`` through gunicorn and wrk: batches of
    ``size`` doses, each of a different person (dose 1, a fresh client_id), all from the same
    lot (``lot``; "" for none: no stock row updated), ``connections`` batches in flight; against the floor ``/bench/insert-doses`` (the
    same bodies parsed and inserted as one dose row per item in one statement, into the
    same table) for ``baseline`` seconds just before and just after. Each run's doses are
    deleted after it is counted, so the next run's people have no dose yet."""
    import platform
    import tempfile

    from lib import gunicorn, wrk
    from rest_framework.authtoken.models import Token

    from tests.factories import home_ward
    from truyvet.accounts.models import Role, User
    from truyvet.lib.models import AuditEvent
    from truyvet.people.models import Person
    from truyvet.people.normalize import search_key
    from vaccination.models import Site, StockLot

    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(username="bench-vaccinator-batch", defaults={"role": Role.VACCINATION_STAFF})
    token, _ = Token.objects.get_or_create(user=user)
    site, _ = Site.objects.get_or_create(name="bench-vaccination-batch", defaults={"ward": home_ward(0)})
    floor_site, _ = Site.objects.get_or_create(name="bench-vaccination-floor", defaults={"ward": home_ward(0)})
    site.staff.add(user)
    stock = 10_000_000
    StockLot.objects.update_or_create(
        site=site,
        product="EU/1/20/1528",
        lot="BENCH-BATCH",
        defaults={"manufacturer": "ORG-100030215", "expires_on": date(2099, 1, 1), "doses_left": stock},
    )
    tag = "bench-vaccination-http"  # the people of the one-dose run, shared
    have = Person.objects.filter(address=tag).count()
    if have < people_count:
        Person.objects.bulk_create(
            [
                Person(full_name=f"Bench Tiêm {n}", name_key=search_key(f"Bench Tiêm {n}"), address=tag)
                for n in range(have, people_count)
            ],
            batch_size=5000,
        )
    ids = list(Person.objects.filter(address=tag).order_by("pk").values_list("pk", flat=True)[:people_count])

    def clear(where: Site) -> int:
        # The run's doses deleted, not vacuumed: VACUUM of a table left empty truncates it to
        # no pages, and the statements the workers prepare then plan for an empty table
        # (sequential scans) and keep that plan while the run fills it (seen: the doses read
        # went from 1 to 56 ms a batch). A real dose table is never empty.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM vaccination_dose WHERE site_id = %s", [where.pk])
            return cursor.rowcount

    for where in (site, floor_site):
        clear(where)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE vaccination_dose; ANALYZE people_person; ANALYZE lib_auditevent")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(str(pk) for pk in ids) + "\n")
    counts = Path(tempfile.mkdtemp(prefix="bench-doses-")) / "counts.txt"
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    script = ROOT / "bench" / "lua" / "dose_batches.lua"
    wrk_threads = 2

    def run(path: str, seconds: int, where: Site) -> tuple[object, str, int]:
        counts.unlink(missing_ok=True)
        result = wrk(script, path=path, duration=seconds, connections=connections, threads=wrk_threads,
                     args=(handle.name, token.key, str(site.pk), day, lot, str(wrk_threads), str(size), str(counts)))  # fmt: skip
        said = counts.read_text().strip() if counts.exists() else ""
        time.sleep(3)  # the batches still in flight when wrk stopped are written before the count
        return result, said, clear(where)

    batch_path = f"/api/v1/vaccination/sites/{site.pk}/doses/"
    floor_path = f"/bench/insert-doses?site={floor_site.pk}"
    loads = [os.getloadavg()]
    with gunicorn(workers=workers, threads=threads):
        run(batch_path, 5, site)  # warm-up: each worker's first requests, prepared statements
        run(floor_path, 3, floor_site)
        StockLot.objects.filter(site=site, lot="BENCH-BATCH").update(doses_left=stock)
        audits_before = AuditEvent.objects.filter(action="vaccination.dose_record").count()
        loads.append(os.getloadavg())
        before = run(floor_path, baseline, floor_site)
        loads.append(os.getloadavg())
        main = run(batch_path, duration, site)
        loads.append(os.getloadavg())
        after = run(floor_path, baseline, floor_site)
        loads.append(os.getloadavg())
    used = stock - StockLot.objects.get(site=site, lot="BENCH-BATCH").doses_left
    audits = AuditEvent.objects.filter(action="vaccination.dose_record").count() - audits_before

    def per_s(r: object) -> float:
        return float(r.requests_per_s) * size  # type: ignore[attr-defined]

    floor = (per_s(before[0]) + per_s(after[0])) / 2
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; gunicorn {workers} workers x {threads} threads; "
          f"wrk {wrk_threads} threads, {connections} batches of {size} in flight")  # fmt: skip
    print()
    print("| path | s | batches/s | doses/s | p50 / p90 / p99 ms a batch | non-2xx | items | doses written |")
    print("|---|---|---|---|---|---|---|---|")
    for name, seconds, (result, said, written) in (
        ("POST /bench/insert-doses (floor, before)", baseline, before),
        ("POST /api/v1/vaccination/sites/{id}/doses/", duration, main),
        ("POST /bench/insert-doses (floor, after)", baseline, after),
    ):
        r: Any = result
        print(f"| {name} | {seconds} | {r.requests_per_s:.1f} | {per_s(r):.0f} | {r.p50_ms:.0f} / {r.p90_ms:.0f} / "
              f"{r.p99_ms:.0f} | {r.non_2xx} | {said} | {written} |")  # fmt: skip
    print()
    print(f"batch path: {main[2]} doses written, {used} taken from the lot's stock, {audits} audit entries")
    print(f"ratio batch / floor (mean of before and after): {per_s(main[0]) / floor:.2f}")
    print("load average (1, 5, 15 min) at: start, after warm-up, after floor, after batches, after floor: "
          + "; ".join(" ".join(f"{x:.2f}" for x in load) for load in loads))  # fmt: skip
    if len(ids) < float(main[0].requests) * size:  # type: ignore[attr-defined]
        print(f"WARNING: more doses sent than {len(ids)} people: some were duplicates")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=5000)
    parser.add_argument("--doses", type=int, default=3000)
    parser.add_argument("--certificates-only", action="store_true", help="Skip the database part.")
    parser.add_argument("--http", action="store_true", help="Also record doses over HTTP (gunicorn, wrk).")
    parser.add_argument("--http-only", action="store_true", help="Only the doses over HTTP.")
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--people", type=int, default=40000)
    parser.add_argument("--batches-only", action="store_true", help="Only the dose batches over HTTP.")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--baseline-duration", type=int, default=15)
    parser.add_argument("--batch-connections", type=int, default=4, help="batches in flight")
    parser.add_argument("--batch-people", type=int, default=200000, help="people for the batches (distinct doses)")
    parser.add_argument("--batch-lot", default="BENCH-BATCH", help='the doses\' lot ("": none, no stock row updated)')
    options = parser.parse_args()
    if options.batches_only:
        print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1, 5, 15 min)")
        bench_batches(
            options.duration,
            options.baseline_duration,
            options.batch_connections,
            options.workers,
            options.threads,
            options.batch_people,
            options.batch_size,
            options.batch_lot,
        )
        return
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1, 5, 15 min)")
    if not options.http_only:
        bench_certificates(options.certificates)
    if not options.certificates_only and not options.http_only:
        bench_database(options.certificates, options.doses)
    if options.http or options.http_only:
        bench_http(options.duration, options.connections, options.workers, options.threads, options.people)
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
