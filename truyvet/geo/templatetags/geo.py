"""``{{ venue.address|with_ward:venue.ward }}``: an address and its ward, the ward written once."""

from __future__ import annotations

from typing import Any

from django import template

from truyvet.geo.names import address_with_ward

register = template.Library()


@register.filter
def with_ward(address: str | None, ward: Any) -> str:
    return address_with_ward(address or "", getattr(ward, "name", ward) or "")
