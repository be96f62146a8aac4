"""The bodies of a help request and of a volunteer's sign-up: their one definition, which the
public forms check their answers against (and an API would read).

The rules a type cannot say are here too: the phone is a Vietnamese mobile number (as the
portal reads phones everywhere, ``truyvet.people.normalize.normalize_phone``), names and
addresses hold no invisible characters, the pin lies inside the province's rough bounding
box (``RELIEF_AREA``), a volunteer gives at least one skill and their consent. Whether the
ward is one of the province's is the service's question (it needs the database).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from django.conf import settings
from django.utils.translation import gettext as _
from msgspec import Meta

from relief.errors import ReliefError
from relief.models import Availability, HelpKind, Skill
from truyvet.lib import schema
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.schema import Body, Invalid
from truyvet.lib.text import refuse_invisible
from truyvet.people.normalize import normalize_name, normalize_phone

WardCode = Annotated[int, Meta(ge=1, le=99999)]
TEXT_MIN = 3
TEXT_MAX = 1000
NAME_MAX = 100
ADDRESS_MAX = 300
SKILLS_OTHER_MAX = 200
AREA_WARDS_MAX = 20
_SIX_PLACES = Decimal("0.000001")


def _visible(value: str, field: str) -> str:
    """Stripped text with nothing invisible in it (a name or an address that staff read)."""
    value = schema.text(value, field)
    try:
        return refuse_invisible(value, field)
    except DomainError as error:
        raise Invalid(str(error.detail), field=field, code=CoreError.INVALID_CHARACTERS) from None


def _phone(value: str) -> str:
    e164 = normalize_phone(value)
    if e164 is None:
        raise Invalid(
            _("Enter a Vietnamese mobile number, e.g. 0912 345 678."), field="phone", code=ReliefError.INVALID_PHONE
        )
    return e164


def area() -> tuple[float, float, float, float]:
    """The province's rough bounding box: (south, west, north, east)."""
    south, west, north, east = settings.RELIEF_AREA
    return float(south), float(west), float(north), float(east)


def _point(latitude: float, longitude: float) -> tuple[Decimal, Decimal]:
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise Invalid(
            _("Choose the place on the map, or give a valid latitude and longitude."),
            field="latitude",
            code=ReliefError.INVALID_LOCATION,
        )
    south, west, north, east = area()
    if not (south <= latitude <= north and west <= longitude <= east):
        raise Invalid(
            _("This place is outside the province. Move the pin to where help is needed."),
            field="latitude",
            code=ReliefError.OUTSIDE_AREA,
        )
    return (
        Decimal(repr(latitude)).quantize(_SIX_PLACES),
        Decimal(repr(longitude)).quantize(_SIX_PLACES),
    )


class HelpRequestIn(Body):
    """A request for help: what kind, where (a pin and the ward), a phone to call back, and
    what is needed in the requester's words."""

    kind: HelpKind
    latitude: float
    longitude: float
    ward_code: WardCode
    phone: Annotated[str, Meta(min_length=1, max_length=20)]
    text: Annotated[str, Meta(min_length=1, max_length=TEXT_MAX)]
    name: Annotated[str, Meta(max_length=NAME_MAX)] = ""
    address: Annotated[str, Meta(max_length=ADDRESS_MAX)] = ""
    if TYPE_CHECKING:
        point: tuple[Decimal, Decimal] = (Decimal(0), Decimal(0))

    def __post_init__(self) -> None:
        self.text = schema.stored_text(self.text, "text")
        if len(self.text) < TEXT_MIN:
            raise Invalid(_("Say in a few words what you need."), field="text")
        self.name = normalize_name(_visible(self.name, "name"))
        self.address = _visible(self.address, "address")
        self.phone = _phone(self.phone)
        self.point = _point(self.latitude, self.longitude)


class VolunteerSignUp(Body):
    """A volunteer's sign-up: who, how to reach them, what they can do, where and when, and
    their consent (required)."""

    full_name: Annotated[str, Meta(min_length=1, max_length=NAME_MAX)]
    phone: Annotated[str, Meta(min_length=1, max_length=20)]
    ward_codes: Annotated[list[WardCode], Meta(min_length=1, max_length=AREA_WARDS_MAX)]
    availability: Availability
    skills: Annotated[list[Skill], Meta(max_length=len(Skill))] = []
    skills_other: Annotated[str, Meta(max_length=SKILLS_OTHER_MAX)] = ""
    consent: bool = False

    def __post_init__(self) -> None:
        self.full_name = normalize_name(_visible(self.full_name, "full_name"))
        if not self.full_name:
            raise Invalid(_("This field may not be blank."), field="full_name")
        self.phone = _phone(self.phone)
        self.skills = sorted(set(self.skills))
        self.skills_other = _visible(self.skills_other, "skills_other")
        if not self.skills and not self.skills_other:
            raise Invalid(
                _("Choose at least one skill, or say what you can do."),
                field="skills",
                code=ReliefError.SKILLS_REQUIRED,
            )
        self.ward_codes = sorted(set(self.ward_codes))
        if self.consent is not True:
            raise Invalid(
                _("Tick the box to agree, or we cannot register you."),
                field="consent",
                code=ReliefError.CONSENT_REQUIRED,
            )
