from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from truyvet.geo.services import geo_sync_from_package


class Command(BaseCommand):
    help = "Refresh provinces and wards from the installed vietnam-provinces package."

    def handle(self, *args: Any, **options: Any) -> None:
        provinces, wards = geo_sync_from_package()
        self.stdout.write(f"{provinces} provinces, {wards} wards.")
