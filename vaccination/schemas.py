"""The dose body (API.md, Vaccination): its one definition, which the API decodes, the site's
page checks and the OpenAPI document describes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

from msgspec import Meta

from truyvet.lib import schema
from truyvet.lib.bounds import MAX_INT
from truyvet.lib.schema import Body
from vaccination.services import MAX_DOSE_NUMBER, DoseIn

Id = Annotated[int, Meta(ge=1, le=MAX_INT)]
Number = Annotated[int, Meta(ge=1, le=MAX_DOSE_NUMBER)]


class DoseBody(Body):
    """One dose given. `product`, `manufacturer` and `prophylaxis` are codes of the EU DCC
    value sets (vaccine-medicinal-product, vaccine-mah-manf, vaccine-prophylaxis; the
    prophylaxis defaults to the product's). A `dose_number` above `total_doses` is a
    booster. A `client_id` (UUID) makes a retry return the dose already recorded."""

    person_id: Id
    product: Annotated[str, Meta(max_length=60, examples=["EU/1/20/1528"])]
    manufacturer: Annotated[str, Meta(max_length=40, examples=["ORG-100030215"])]
    dose_number: Number
    total_doses: Number
    administered_on: Annotated[str, Meta(extra_json_schema={"format": "date"})]
    site_id: Id
    lot: Annotated[str, Meta(max_length=40)] = ""
    prophylaxis: Annotated[str, Meta(max_length=20)] = ""
    campaign_id: Id | None = None
    client_id: Annotated[str, Meta(extra_json_schema={"format": "uuid"})] | None = None

    if TYPE_CHECKING:
        dose: DoseIn = cast(DoseIn, None)  # what __post_init__ read: the service's input

    def __post_init__(self) -> None:
        self.dose = DoseIn(
            person_id=self.person_id,
            product=schema.stored_text(self.product, "product"),
            manufacturer=schema.stored_text(self.manufacturer, "manufacturer"),
            prophylaxis=schema.stored_text(self.prophylaxis, "prophylaxis"),
            dose_number=self.dose_number,
            total_doses=self.total_doses,
            administered_on=schema.day(self.administered_on, "administered_on"),
            site_id=self.site_id,
            lot=schema.stored_text(self.lot, "lot"),
            campaign_id=self.campaign_id,
            client_id=None if self.client_id is None else schema.client_id(self.client_id),
        )
