"""Declarations in process: the public endpoint through Django's test client, one at a
time, each a new citizen; no HTTP server, no network. Tells the request path's own cost
apart from the server's (gunicorn, wrk, the machine).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/truyvet_bench \\
        .venv/bin/python bench/profile_declarations.py [--count 400] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")
os.environ["RATELIMIT_ENABLE"] = "0"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from truyvet.geo.models import Ward  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--warm-up", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    wards = list(Ward.objects.filter(province_id=settings.PROVINCE_CODE).values_list("code", flat=True))
    rnd = random.Random(options.seed)
    client = Client(HTTP_HOST="127.0.0.1")

    def post() -> int:
        person = {
            "full_name": "Nguyễn Văn Thử",
            "id_number": f"012090{rnd.randrange(10**6):06d}",
            "date_of_birth": "1990-05-17",
            "gender": "male",
            "phone": "0912345678",
            "ward_code": rnd.choice(wards),
            "address": "Bản Nà Lại",
        }
        body = json.dumps({"kind": "daily", "person": person})
        return client.post("/api/v1/declarations/", body, content_type="application/json").status_code

    for _ in range(options.warm_up):
        post()
    started = time.perf_counter()
    failed = sum(post() not in (200, 201) for _ in range(options.count))
    elapsed = time.perf_counter() - started
    print(f"{options.count} declarations: {elapsed / options.count * 1000:.2f} ms each, {failed} not 2xx")


if __name__ == "__main__":
    main()
