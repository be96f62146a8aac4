"""Which zlib (RFC 1950) compressor to use for an EU DCC: µs per call and bytes out, on the
certificates this portal issues (1,024 different signatures) and on the EU's test messages
(tests/vaccination/dgc_testdata).

    .venv/bin/python bench/compare_certificate_zlib.py [--count 20000] [--turns 3] [--population]

Candidates whose package is missing are skipped (``deflate``, ``isal``, ``zlib-ng`` and
``cramjam`` are not in requirements.txt: ``pip install --target DIR deflate isal zlib-ng
cramjam`` and ``PYTHONPATH=DIR`` to include them). Processor time of the thread, best of the
interleaved turns; each call's output is checked to inflate back with ``zlib.decompress``.
``--population`` adds bytes out and QR versions (error correction Q) over 2,000 demo people.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
import zlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

Compressor = Callable[[bytes], bytes]


def _copying(level: int, wbits: int, mem_level: int, module: object = zlib) -> Compressor:
    """A compressor set up once and copied for each call (deflateCopy instead of deflateInit)."""
    prototype = module.compressobj(level, zlib.DEFLATED, wbits, mem_level)  # type: ignore[attr-defined]

    def compress(data: bytes) -> bytes:
        one = prototype.copy()
        return one.compress(data) + one.flush()

    return compress


def _fresh(level: int, wbits: int, mem_level: int) -> Compressor:
    def compress(data: bytes) -> bytes:
        one = zlib.compressobj(level, zlib.DEFLATED, wbits, mem_level)
        return one.compress(data) + one.flush()

    return compress


def _libdeflate_kept(level: int, variant: str = "shared") -> Compressor:
    """libdeflate through ctypes, its compressor allocated once (the ``deflate`` wheel's
    extension exports libdeflate's C API). ``shared``: one output buffer (not safe across
    threads, for comparison); ``fresh``: an output buffer per call (PyDLL keeps the GIL, so
    calls never overlap); ``locked``: CDLL (the GIL released) and a lock around one buffer."""
    import ctypes
    import threading

    import deflate._deflate

    lib = (ctypes.CDLL if variant == "locked" else ctypes.PyDLL)(deflate._deflate.__file__)
    lib.libdeflate_alloc_compressor.restype = ctypes.c_void_p
    lib.libdeflate_alloc_compressor.argtypes = [ctypes.c_int]
    lib.libdeflate_zlib_compress.restype = ctypes.c_size_t
    lib.libdeflate_zlib_compress.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t
    ]  # fmt: skip
    kept = lib.libdeflate_alloc_compressor(level)
    out = ctypes.create_string_buffer(4096)
    call, string_at, buffer = lib.libdeflate_zlib_compress, ctypes.string_at, ctypes.create_string_buffer
    lock = threading.Lock()

    def shared(data: bytes) -> bytes:
        return string_at(out, call(kept, data, len(data), out, 4096))

    def fresh(data: bytes) -> bytes:
        size = len(data) + 64
        mine = buffer(size)
        return string_at(mine, call(kept, data, len(data), mine, size))

    def locked(data: bytes) -> bytes:
        with lock:
            return string_at(out, call(kept, data, len(data), out, 4096))

    return {"shared": shared, "fresh": fresh, "locked": locked}[variant]


def candidates() -> dict[str, Compressor]:
    from vaccination import hcert

    found: dict[str, Compressor] = {"hcert.deflate (the portal's: one stored block)": hcert.deflate}
    for level in (0, 1, 6, 9):
        found[f"zlib.compress, level {level}"] = lambda data, level=level: zlib.compress(data, level)
    for level in (1, 6, 9):
        found[f"zlib.compressobj().copy(), level {level}"] = _copying(level, 15, 8)
        found[f"zlib.compressobj().copy(), level {level}, window 1 KiB, memLevel 4"] = _copying(level, 10, 4)
    found["zlib.compressobj() fresh, level 9, window 1 KiB, memLevel 4"] = _fresh(9, 10, 4)
    try:
        import deflate
    except ImportError:
        print("deflate (libdeflate): not installed, skipped")
    else:
        for level in (0, 1, 6, 9, 12):
            found[f"deflate.zlib_compress (libdeflate), level {level}"] = lambda data, level=level: bytes(
                deflate.zlib_compress(data, level)
            )
        for level in (1, 6, 9, 12):
            found[f"libdeflate, compressor kept (ctypes), level {level}"] = _libdeflate_kept(level)
        for variant in ("fresh", "locked"):
            found[f"libdeflate, compressor kept (ctypes), level 9, {variant}"] = _libdeflate_kept(9, variant)
    try:
        from isal import isal_zlib
    except ImportError:
        print("isal: not installed, skipped")
    else:
        for level in (0, 1, 2, 3):
            found[f"isal_zlib.compress, level {level}"] = lambda data, level=level: isal_zlib.compress(data, level)
        from isal import igzip_lib

        for level in (1, 2):
            found[f"isal igzip_lib.compress, level {level}, smallest buffers, window 1 KiB"] = (
                lambda data, level=level: igzip_lib.compress(
                    data, level, igzip_lib.COMP_ZLIB, igzip_lib.MEM_LEVEL_MIN, 10
                )
            )
    try:
        from zlib_ng import zlib_ng
    except ImportError:
        print("zlib-ng: not installed, skipped")
    else:
        for level in (1, 2, 6, 9):
            found[f"zlib_ng.compress, level {level}"] = lambda data, level=level: zlib_ng.compress(data, level)
        for level in (1, 9):
            found[f"zlib_ng.compressobj().copy(), level {level}, window 1 KiB, memLevel 4"] = _copying(
                level, 10, 4, zlib_ng
            )
    try:
        import cramjam
    except ImportError:
        print("cramjam: not installed, skipped")
    else:
        for level in (1, 6, 9):
            found[f"cramjam.zlib.compress, level {level}"] = lambda data, level=level: bytes(
                cramjam.zlib.compress(data, level)
            )
    return found


def messages() -> tuple[list[bytes], list[bytes]]:
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
    claims = hcert.cwt_claims(payload, issuer="VN", issued_at=now, expires_at=now + timedelta(days=365))
    ours = [signer.sign(claims) for _ in range(1024)]
    testdata = ROOT / "tests" / "vaccination" / "dgc_testdata"
    cases = [json.loads(path.read_text()) for path in sorted(testdata.glob("*.json"))]
    eu = [bytes.fromhex(case["COSE"]) for case in cases if case.get("COSE")]
    return ours, eu


def _qr_versions() -> list[tuple[int, int]]:
    """(version, the most alphanumeric characters it holds) at error correction Q."""
    import qrcode
    from qrcode.util import MODE_ALPHA_NUM, QRData

    def fits(n: int, version: int) -> bool:
        code = qrcode.QRCode(version=version, error_correction=qrcode.constants.ERROR_CORRECT_Q)
        code.add_data(QRData("A" * n, mode=MODE_ALPHA_NUM))
        try:
            code.make(fit=False)
        except qrcode.exceptions.DataOverflowError:
            return False
        return True

    found = []
    for version in range(14, 25):
        low, high = 0, 2000
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if fits(middle, version) else (low, middle - 1)
        found.append((version, low))
    return found


def population(found: dict[str, Compressor], names: list[str]) -> None:
    """Bytes out and QR versions (Q) over the demo province's people, one certificate each."""
    from truyvet.people.demo import person_fields
    from vaccination import hcert
    from vaccination.certificates import uvci_for
    from vaccination.signers import make_signer, signer_from_pem

    files = make_signer(country="VN")
    signer = signer_from_pem(files.certificate_pem, files.private_key_pem)
    now = datetime.now(UTC)
    coses = []
    for index in range(2000):
        person = person_fields(index, [1])
        entry = hcert.VaccinationEntry(
            prophylaxis="1119349007", product="EU/1/20/1528", manufacturer="ORG-100030215",
            dose_number=1 + index % 3, total_doses=2 + index % 2, administered_on=date(2021, 9, 1),
            country="VN", issuer="Bộ Y tế / Ministry of Health, Viet Nam",
            uvci=uvci_for(index + 1),
        )  # fmt: skip
        payload = hcert.hcert_payload(person["full_name"], person["date_of_birth"], entry)
        claims = hcert.cwt_claims(payload, issuer="VN", issued_at=now, expires_at=now + timedelta(days=365))
        coses.append(signer.sign(claims))
    versions = _qr_versions()

    def version_of(packed: bytes) -> int:
        characters = len(hcert.PREFIX) + len(hcert.b45encode(packed))
        return next(v for v, most in versions if characters <= most)

    print(f"2,000 demo people (COSE {min(map(len, coses))}-{max(map(len, coses))} B); QR at Q: {versions}")
    reference = [len(zlib.compress(c, 9)) for c in coses]
    ref_versions = [version_of(zlib.compress(c, 9)) for c in coses]
    print(f"{'compressor':70s} {'mean B':>7s} {'worst':>6s} {'QR larger':>9s}  versions")
    for name in names:
        packs = [found[name](c) for c in coses]
        worst = max(len(p) - r for p, r in zip(packs, reference, strict=True))
        vs = [version_of(p) for p in packs]
        larger = sum(v > r for v, r in zip(vs, ref_versions, strict=True))
        spread = {v: vs.count(v) for v in sorted(set(vs))}
        print(f"{name:70s} {sum(map(len, packs)) / len(packs):7.1f} {worst:+6d} {larger:9d}  {spread}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--sizes-only", action="store_true", help="Bytes out only, no timing.")
    parser.add_argument("--population", action="store_true", help="Also bytes and QR versions over 2,000 people.")
    options = parser.parse_args()
    ours, eu = messages()
    found = candidates()
    reference = {id(m): len(zlib.compress(m, 9)) for m in ours + eu}
    print(f"{len(ours)} certificates of ours ({len(ours[0])} B of COSE), {len(eu)} EU test messages")
    print("bytes out: mean over ours; over the EU's: total and the worst one, against zlib level 9")
    sizes = {}
    for name, fn in found.items():
        for message in ours + eu:
            assert zlib.decompress(fn(message)) == message, name
        mean = sum(len(fn(m)) for m in ours) / len(ours)
        worst_ours = max(len(fn(m)) - reference[id(m)] for m in ours)
        eu_total = sum(len(fn(m)) - reference[id(m)] for m in eu)
        eu_worst = max(len(fn(m)) - reference[id(m)] for m in eu)
        sizes[name] = (mean, worst_ours, eu_total, eu_worst)
    zlib_mean = sum(reference[id(m)] for m in ours) / len(ours)
    print(f"zlib level 9: {zlib_mean:.1f} B on ours")
    if options.population:
        population(found, [n for n in found if "copy()" not in n and "fresh" not in n])
    best: dict[str, float] = {}
    if not options.sizes_only:
        clock = time.thread_time
        for fn in found.values():  # warm-up
            for message in ours:
                fn(message)
        for _turn in range(options.turns):
            for name, fn in found.items():
                turn = itertools.cycle(ours)
                started = clock()
                for _ in range(options.count):
                    fn(next(turn))
                spent = (clock() - started) / options.count * 1e6
                best[name] = min(best.get(name, spent), spent)
        print(f"load: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    print(f"{'compressor':70s} {'µs':>6s} {'B ours':>7s} {'worst':>6s} {'EU sum':>7s} {'worst':>6s}")
    for name in sorted(found, key=lambda n: best.get(n, 0.0)):
        mean, worst_ours, eu_total, eu_worst = sizes[name]
        timing = f"{best[name]:6.2f}" if best else "     -"
        print(f"{name:70s} {timing} {mean:7.1f} {worst_ours:+6d} {eu_total:+7d} {eu_worst:+6d}")


if __name__ == "__main__":
    main()
