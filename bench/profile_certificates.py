"""What each step of issuing an EU DCC costs, alone and composed in the issuing loop (no
database).

    .venv/bin/python bench/profile_certificates.py [--count 5000] [--turns 3]

Composed: five loops that each add one step to the one before (the bare signature; the
claims' CBOR and the Sig_structure; the COSE_Sign1 with r‖s; zlib; Base45 and ``HC1:``, which
is ``hcert.issue``), run in interleaved turns; a step's cost is the difference between its
loop and the one before, so it counts what the step costs beside the others (the caches
they share). Alone: each step in a loop of its own, over 1,024 different signatures. Processor time of
the thread (``time.thread_time``), best of the turns, microseconds per certificate.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402


def main() -> None:
    from vaccination import hcert
    from vaccination.signers import make_signer, signer_from_pem

    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--turns", type=int, default=3)
    options = parser.parse_args()
    count = options.count

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
    iat, exp = int(now.timestamp()), int(later.timestamp())
    claims = hcert.claims_cbor(payload, issuer="VN", issued_at=iat, expires_at=exp)
    cose = signer.sign(claims)
    to_sign = signer._to_sign_head + hcert._head(2, len(claims)) + claims
    key = signer.private_key
    algorithm = ec.ECDSA(hashes.SHA256())
    print(
        f"claims {len(claims)} B, COSE {len(cose)} B, zlib {len(hcert.deflate(cose))} B, "
        f"HC1 {len(hcert.issue(signer, payload, issued_at=now, expires_at=later))} characters"
    )

    def bare() -> None:
        key.sign(to_sign, algorithm)

    def with_claims() -> None:
        body = hcert.claims_cbor(payload, issuer="VN", issued_at=iat, expires_at=exp)
        key.sign(b"".join((signer._to_sign_head, hcert._head(2, len(body)), body)), algorithm)

    def with_cose() -> None:
        signer.sign(hcert.claims_cbor(payload, issuer="VN", issued_at=iat, expires_at=exp))

    def with_zlib() -> None:
        hcert.deflate(signer.sign(hcert.claims_cbor(payload, issuer="VN", issued_at=iat, expires_at=exp)))

    def issue() -> None:
        hcert.issue(signer, payload, issued_at=now, expires_at=later)

    composed: list[tuple[str, Callable[[], None]]] = [
        ("ES256 signature (bare, Sig_structure made beforehand)", bare),
        ("+ claims' CBOR and the Sig_structure", with_claims),
        ("+ COSE_Sign1 (DER to r‖s, the message)", with_cose),
        ("+ zlib", with_zlib),
        ("+ Base45, HC1: and the times (hcert.issue)", issue),
    ]
    # Each certificate's signature differs, and zlib's branches follow the bytes: alone, the
    # steps after the signature run over 1,024 different messages in turn, as they do when
    # issuing (over one message repeated they look 2× cheaper).
    ders = [key.sign(to_sign, algorithm) for _ in range(1024)]
    coses = [signer.sign(claims) for _ in range(1024)]
    packs = [hcert.deflate(one) for one in coses]
    turn = itertools.cycle(range(1024))
    alone: list[tuple[str, Callable[[], object]]] = [
        ("claims' CBOR (hcert.claims_cbor)", lambda: hcert.claims_cbor(payload, issuer="VN", issued_at=iat, expires_at=exp)),
        ("DER to r‖s (hcert.raw_signature)", lambda: hcert.raw_signature(ders[next(turn)])),
        ("zlib (hcert.deflate)", lambda: hcert.deflate(coses[next(turn)])),
        ("zlib, one message repeated", lambda: hcert.deflate(cose)),
        ("Base45 (hcert.b45encode)", lambda: hcert.b45encode(packs[next(turn)])),
    ]  # fmt: skip
    clock = time.thread_time
    best: dict[str, float] = {}
    for fn in [f for _, f in composed] + [f for _, f in alone]:  # warm-up
        for _ in range(200):
            fn()
    for _turn in range(options.turns):
        for name, fn in composed + alone:
            started = clock()
            for _ in range(count):
                fn()
            spent = (clock() - started) / count * 1e6
            best[name] = min(best.get(name, spent), spent)
    print(f"load: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    print("composed (µs per certificate; the step's share = this loop minus the one before):")
    before = 0.0
    for name, _ in composed:
        print(f"  {name:58s} {best[name]:7.1f}  (+{best[name] - before:5.1f})")
        before = best[name]
    bound = best[composed[0][0]]
    print(f"  issuing / bare signing: {before / bound:.2f}×")
    print("alone (µs per call):")
    for name, _ in alone:
        print(f"  {name:58s} {best[name]:7.1f}")


if __name__ == "__main__":
    main()
