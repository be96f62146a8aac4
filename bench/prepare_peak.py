"""What the peak mix needs beyond prepare_checkins.py and prepare_checkpoints.py (run by
run_peak.py): the demo CDC officer's session cookie (staff pages) and API token (cases), the
ids of existing cases (case pages), and people who checked in during the last week, each of
whom may be confirmed as a case once during the run.

    prepare_peak.py OUT_DIR [HARNESS_PEOPLE]

HARNESS_PEOPLE (default 0) is how many demo people, first by id, carry the tokens the run checks
in with (prepare_checkins.py): they are never confirmed, because their check-ins during the run
would make every harness visitor their F1 and each case would grow with the run.

Needs the demo accounts (``seed_demo``). Writes staff.json.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from contacts.models import Case  # noqa: E402
from truyvet.accounts.models import User  # noqa: E402
from truyvet.people.models import Person  # noqa: E402
from venues.models import CheckIn  # noqa: E402


def main(out: Path, harness_people: int = 0) -> None:
    cdc = User.objects.get(username="cdc")
    client = Client()
    client.force_login(cdc)
    token, _ = Token.objects.get_or_create(user=cdc)
    with_case = Case.objects.values_list("person_id", flat=True)
    harness = Person.objects.filter(is_demo=True).order_by("pk").values_list("pk", flat=True)[:harness_people]
    candidates = list(
        CheckIn.objects.filter(checked_in_at__gte=timezone.now() - timedelta(days=7))
        .exclude(person_id__in=with_case)
        .exclude(person_id__in=list(harness))
        .values_list("person_id", flat=True)
        .distinct()[:2000]
    )
    cases = list(Case.objects.order_by("-pk").values_list("pk", flat=True)[:200])
    (out / "staff.json").write_text(
        json.dumps(
            {"session": client.cookies["sessionid"].value, "token": token.key, "cases": cases, "candidates": candidates}
        )
    )
    print(f"staff session and token; {len(cases)} cases to open; {len(candidates)} people who may become cases")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0)
