"""What a checkpoint tablet downloads the first time it opens the scanner, as production
serves it: ``collectstatic`` with the production storage (hashed, gzip-compressed by
WhiteNoise), gunicorn with ``DJANGO_ENV=production``, and headless Chromium with a fake
camera and an empty cache, signed in as the demo guard.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_scanner \\
        .venv/bin/python bench/run_scanner_weight.py [--port 8108] [--screenshots DIR]

The database needs the demo province (``manage.py migrate`` and ``manage.py seed_demo``,
which makes the guard ``checkpoint`` / ``demo12345`` and their checkpoints). Counted: every
response of the first load, the page's own requests and the service worker's (it stores
the scanner's files for offline use as it installs), until the worker controls the page
and the network is quiet: bytes transferred (headers and body as sent, gzip where the
server compressed) and bytes decoded. The scanner is measured once with the browser's
camera decoder missing (Chromium on Linux has no BarcodeDetector: the fallback decoder is
fetched) and once with a stand-in BarcodeDetector (what a tablet with one downloads).

A size, not a timing: the figure does not depend on the machine's load.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
GUARD, PASSWORD = "checkpoint", os.environ.get("DEMO_PASSWORD", "demo12345")
TABLET = {"width": 1280, "height": 800}

# A stand-in for a tablet whose browser reads QR codes itself (Android's Chrome): the page
# must then fetch no fallback decoder.
WITH_BARCODE_DETECTOR = """
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
  detect() { return Promise.resolve([]); }
};
"""


@dataclass
class Fetched:
    url: str
    kind: str
    by_worker: bool
    status: int
    transferred: int
    decoded: int
    encoding: str


def server_env(static_root: Path, database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(static_root),
        "DATABASE_URL": database_url,
        "SIGNING_KEY_DIR": os.environ.get("SIGNING_KEY_DIR", "/tmp/scanner-bench-keys"),
        "LOG_LEVEL": "WARNING",
        "SIGNIN_LOCKOUT_ENABLE": "0",
    }
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/10")
    return env


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "--clear", "-v", "0"], cwd=ROOT, env=env, check=True
    )


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [PYTHON, "-m", "gunicorn", "truyvet.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
               "--threads", "2", "--worker-class", "gthread", "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("the server did not answer /healthz")


def signed_in_cookies(browser: Any, base: str) -> tuple[list[dict[str, Any]], str]:
    """Sign in through the login form in a throwaway context; the measured context gets the
    session cookie only (an empty cache)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", GUARD)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{base}/checkpoints/scan/")
    link = page.locator("a[href*='/scan/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href')).filter(h => /^\\/checkpoints\\/\\d+\\/scan\\/$/.test(h))"
    )
    if not link:
        raise RuntimeError("the guard has no checkpoint: run manage.py seed_demo on this database")
    cookies = [c for c in context.cookies() if c["name"] in {"sessionid", "csrftoken", "django_language"}]
    context.close()
    return cookies, link[0]


def first_load(browser: Any, base: str, cookies: list[dict[str, Any]], path: str, *, detector: bool,
               screenshots: Path | None) -> list[Fetched]:  # fmt: skip
    context = browser.new_context(viewport=TABLET)
    context.grant_permissions(["camera"], origin=base)
    context.add_cookies(cookies)
    if detector:
        context.add_init_script(WITH_BARCODE_DETECTOR)
    fetched: list[Fetched] = []

    def finished(request: Any) -> None:
        response = request.response()
        if response is None:
            return
        sizes = request.sizes()
        try:
            decoded = len(response.body())
        except Exception:  # noqa: BLE001 (a body the worker consumed is not kept: count it as sent)
            decoded = sizes["responseBodySize"]
        fetched.append(
            Fetched(
                url=request.url.removeprefix(base),
                kind=request.resource_type,
                by_worker=request.service_worker is not None,
                status=response.status,
                transferred=sizes["responseBodySize"] + sizes["responseHeadersSize"],
                decoded=decoded,
                encoding=response.headers.get("content-encoding", ""),
            )
        )

    context.on("requestfinished", finished)
    page = context.new_page()
    page.goto(f"{base}{path}")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    page.wait_for_function(
        """async () => {
            const shell = (await caches.keys()).filter(name => name.startsWith("truyvet-scanner-shell-"));
            return shell.length === 1 && !!(await caches.open("truyvet-scanner-pages").then(c => c.match(location.pathname)));
        }""",
        timeout=30_000,
    )
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)  # the page's last answers (keys, wards) settle
    if screenshots:
        page.screenshot(path=str(screenshots / f"scanner-first-load-{'detector' if detector else 'fallback'}.png"))
    context.close()
    return fetched


def report(label: str, fetched: list[Fetched]) -> tuple[int, int]:
    print(f"\n{label}")
    print(f"{'transferred':>11} {'decoded':>9}  enc   who     type        status  url")
    for item in sorted(fetched, key=lambda f: -f.transferred):
        who = "worker" if item.by_worker else "page"
        print(f"{item.transferred:>11,} {item.decoded:>9,}  {item.encoding or '-':<5} {who:<7} {item.kind:<11} "
              f"{item.status:<7} {item.url}")  # fmt: skip
    page = sum(f.transferred for f in fetched if not f.by_worker)
    worker = sum(f.transferred for f in fetched if f.by_worker)
    # Decoded: what the page's own downloads weigh unpacked (each once; a body the HTTP cache
    # or the worker answered cost nothing on the network and is not counted again).
    decoded = sum(f.decoded for f in fetched if not f.by_worker and f.transferred and f.kind != "fetch")
    total = page + worker
    print(f"total transferred {total:,} B = {total / 1024:.1f} KiB (page {page / 1024:.1f}, service worker "
          f"{worker / 1024:.1f}); the page's files decoded {decoded / 1024:.1f} KiB; {len(fetched)} responses")  # fmt: skip
    return total, decoded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8108)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--screenshots", type=Path)
    options = parser.parse_args()
    if not options.database_url:
        parser.error("give DATABASE_URL (a database with the demo province)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="scanner-static-") as static_root:
        env = server_env(Path(static_root), options.database_url)
        collectstatic(env)
        server = start_server(env, options.port)
        base = f"http://127.0.0.1:{options.port}"
        try:
            with sync_playwright() as driver:
                browser = driver.chromium.launch(
                    executable_path=CHROMIUM,
                    headless=True,
                    args=[
                        "--no-sandbox",
                        "--disable-gpu",
                        "--use-fake-ui-for-media-stream",
                        "--use-fake-device-for-media-stream",
                    ],
                )
                cookies, path = signed_in_cookies(browser, base)
                native = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
                has_detector = native.new_page().evaluate("() => 'BarcodeDetector' in window")
                native.close()
                print(f"Chromium {browser.version}: BarcodeDetector {'present' if has_detector else 'absent'}")
                fallback = first_load(browser, base, cookies, path, detector=False, screenshots=options.screenshots)
                total, _decoded = report("first load, no BarcodeDetector (the fallback decoder is fetched)", fallback)
                detected = first_load(browser, base, cookies, path, detector=True, screenshots=options.screenshots)
                report("first load, with a BarcodeDetector", detected)
                browser.close()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    verdict = "met" if total <= 250 * 1024 else "NOT met"
    print(f"\nfirst load without BarcodeDetector: {total / 1024:.1f} KiB transferred; target ≤ 250 KiB: {verdict}")
    if not re.match(r"^postgres", options.database_url):
        print("(not PostgreSQL: the page is the same, the figure too)")


if __name__ == "__main__":
    main()
