"""Provinces and wards as the checkpoint pages offer them: the scanner's places of origin
and destination, the trip forms' pickers."""

from __future__ import annotations

from truyvet.geo.models import Province
from truyvet.geo.selectors import ward_list


def province_options() -> list[tuple[int, str]]:
    """Every province as (code, name), by name."""
    return list(Province.objects.order_by("sort_name", "name").values_list("code", "name"))


def ward_options(province_code: int) -> list[tuple[int, str]]:
    """The province's wards as (code, name), by name."""
    return list(ward_list(province_code=province_code).values_list("code", "name"))
