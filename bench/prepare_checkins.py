"""Make venues and personal QR tokens for the check-in benchmark (run by run_checkins.py).

Issues a real credential and token to demo people (as a declaration would) and registers
venues across the home province; writes tokens.txt and venues.txt for the Lua script.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "truyvet.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from truyvet.accounts.models import Role, User  # noqa: E402
from truyvet.credentials.services import qr_issue  # noqa: E402
from truyvet.geo.models import Ward  # noqa: E402
from truyvet.people.models import Person  # noqa: E402
from venues.models import Venue  # noqa: E402
from venues.services import VenueInput, venue_create  # noqa: E402


def main(out: Path, people: int, venues: int) -> None:
    owner, _ = User.objects.get_or_create(username="bench-owner", defaults={"role": Role.VENUE_OWNER})
    wards = list(Ward.objects.filter(province_id=settings.PROVINCE_CODE).values_list("code", flat=True))
    have = Venue.objects.filter(owner=owner).count()
    categories = ["market", "supermarket", "restaurant", "office", "school", "hospital"]
    for i in range(have, venues):
        venue_create(
            owner=owner,
            data=VenueInput(
                name=f"Địa điểm thử {i}", category=categories[i % 6], address="x", ward_code=wards[i % len(wards)]
            ),
        )
    codes = list(Venue.objects.filter(owner=owner).values_list("code", flat=True)[:venues])
    tokens = [
        qr_issue(person=p, risk_level="green")[0] for p in Person.objects.filter(is_demo=True).order_by("pk")[:people]
    ]
    (out / "tokens.txt").write_text("\n".join(tokens) + "\n")
    (out / "venues.txt").write_text("\n".join(codes) + "\n")
    print(f"{len(tokens)} tokens, {len(codes)} venues")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
