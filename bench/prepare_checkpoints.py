"""Travellers, a checkpoint and its guard for the checkpoint benchmark (run by
run_checkpoints.py).

    prepare_checkpoints.py OUT_DIR PEOPLE

``seed_demo`` makes people but no declarations. This picks PEOPLE demo people at random
(the same ones each run: a fixed seed) and gives each, set-based, what a daily declaration
leaves behind: a declaration row and a current QR credential pointing at it (85 % green,
10 % yellow, 5 % red, as ``declaration_submit`` would record them), topping up only those
that lack one. It then signs each of them a fresh personal token (ES256, the server's key
directory), and writes for the Lua script:

- ``tokens.txt``: one token a line, people in random order;
- ``ids.txt``: id numbers of some of them (items typed in by staff);
- ``checkpoint.txt``: the checkpoint's id; ``key.txt``: the guard's API token.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from checkpoints.models import Checkpoint  # noqa: E402
from declarations.models import Declaration  # noqa: E402
from truyvet.accounts.models import Role, User  # noqa: E402
from truyvet.credentials.models import QrCredential  # noqa: E402
from truyvet.geo.models import Ward  # noqa: E402
from truyvet.lib import signing  # noqa: E402

LEVELS = [("green", 85), ("yellow", 10), ("red", 5)]
REASONS = {"green": [], "yellow": ["case_contact"], "red": ["symptoms", "case_contact"]}
CHUNK = 5000


def level_of(n: int) -> str:
    """The n-th picked person's level: 85 green, 10 yellow, 5 red in each hundred."""
    slot = n % 100
    for level, share in LEVELS:
        if slot < share:
            return level
        slot -= share
    return "green"


def pick(count: int) -> list[tuple[int, str, str, int | None]]:
    """``count`` demo people, at random but the same ones every run: (id, ref, id number, ward)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            "SELECT id, ref, id_number, ward_id FROM people_person WHERE is_demo ORDER BY random() LIMIT %s", [count]
        )
        return list(cursor.fetchall())


def top_up(people: list[tuple[int, str, str, int | None]]) -> int:
    """A declaration and a credential valid for the run for each person lacking them."""
    now = timezone.now().replace(microsecond=0)
    soon = now + settings.QR_TOKEN_TTL / 2
    ids = [p[0] for p in people]
    have = set()
    for start in range(0, len(ids), 50000):
        have |= set(
            QrCredential.objects.filter(
                person_id__in=ids[start : start + 50000],
                expires_at__gt=soon,
                revoked_at__isnull=True,
                declaration_id__isnull=False,
            ).values_list("person_id", flat=True)
        )
    missing = [(n, p) for n, p in enumerate(people) if p[0] not in have]
    for start in range(0, len(missing), CHUNK):
        chunk = missing[start : start + CHUNK]
        with transaction.atomic():
            declarations = Declaration.objects.bulk_create(
                [
                    Declaration(
                        kind="daily",
                        person_id=pk,
                        ward_id=ward,
                        risk_level=level_of(n),
                        risk_reasons=REASONS[level_of(n)],
                        has_symptoms="symptoms" in REASONS[level_of(n)],
                        symptoms=["cough"] if level_of(n) == "red" else [],
                        case_contact=level_of(n) != "green",
                    )
                    for n, (pk, _ref, _id, ward) in chunk
                ]
            )
            QrCredential.objects.bulk_create(
                [
                    QrCredential(
                        person_id=d.person_id,
                        issued_at=now,
                        expires_at=now + settings.QR_TOKEN_TTL,
                        risk_level=d.risk_level,
                        declaration=d,
                    )
                    for d in declarations
                ],
                update_conflicts=True,
                unique_fields=["person"],
                update_fields=["issued_at", "expires_at", "risk_level", "declaration_id", "revoked_at"],
            )
    if missing:
        # Fresh statistics for the planner, as autovacuum would take them (it may be off on
        # a benchmark server): the credential and declaration joins need them.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Declaration._meta.db_table}, {QrCredential._meta.db_table}")
    return len(missing)


def guard_and_checkpoint() -> tuple[int, str]:
    ward = Ward.objects.filter(province_id=settings.PROVINCE_CODE).order_by("code").first()
    assert ward is not None, "no ward in the home province: run seed_demo first"
    checkpoint, _ = Checkpoint.objects.get_or_create(
        name="Chốt thử tải (bench)", defaults={"road": "QL4D", "ward": ward, "border": "bench"}
    )
    user, _ = User.objects.get_or_create(username="bench-guard", defaults={"role": Role.CHECKPOINT_STAFF})
    checkpoint.staff.add(user)
    key, _ = Token.objects.get_or_create(user=user)
    return checkpoint.pk, key.key


def main(out: Path, count: int) -> None:
    started = time.perf_counter()
    people = pick(count)
    topped = top_up(people)
    picked = time.perf_counter()
    now = int(timezone.now().timestamp())
    # What declaration_submit signs: sub, iat, exp, lvl. ``iat`` a minute back, so the
    # token is never issued "after" the scan the bench dates now.
    exp = now + int(settings.QR_TOKEN_TTL.total_seconds())
    tokens = [
        signing.sign({"sub": ref, "iat": now - 60, "exp": exp, "lvl": level_of(n)})
        for n, (_pk, ref, _id, _ward) in enumerate(people)
    ]
    signed = time.perf_counter()
    checkpoint, key = guard_and_checkpoint()
    (out / "tokens.txt").write_text("\n".join(tokens) + "\n")
    (out / "ids.txt").write_text("\n".join(p[2] for p in people[:: max(1, len(people) // 5000)] if p[2]) + "\n")
    (out / "checkpoint.txt").write_text(f"{checkpoint}\n")
    (out / "key.txt").write_text(f"{key}\n")
    print(
        f"{len(tokens)} travellers ({topped} given a declaration and credential, {picked - started:.1f} s), "
        f"tokens signed in {signed - picked:.1f} s; checkpoint {checkpoint}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
