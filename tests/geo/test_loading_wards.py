"""The administrative units: the migration loads the 2025 provinces and wards, and syncing
them from the package again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from truyvet.geo.models import Province, Ward
from truyvet.geo.selectors import ward_list

pytestmark = pytest.mark.django_db


def test_the_migration_loads_the_34_provinces_and_3321_wards_of_2025() -> None:
    assert Province.objects.count() == 34 and Ward.objects.count() == 3321
    assert Province.objects.get(code=12).name == "Lai Châu"
    assert ward_list(province_code=12).count() == 38


def test_syncing_from_the_package_twice_changes_nothing() -> None:
    call_command("sync_geo")
    call_command("sync_geo")
    assert Ward.objects.count() == 3321
