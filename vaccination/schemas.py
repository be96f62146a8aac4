"""The dose bodies (API.md, Vaccination), one dose and a batch of them: their one definition,
which the API decodes, the site's page checks and the OpenAPI document describes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, cast

from msgspec import Meta

from truyvet.lib import schema
from truyvet.lib.bounds import MAX_INT
from truyvet.lib.schema import Body, Invalid
from vaccination.dose_batches import DOSE_BATCH_MAX, BatchDose
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


class DoseItem(Body):
    """One dose of a batch, as a site's tablet queued it. `client_id` is required (a replay
    answers the dose it recorded); exactly one of `person_id` and `qr_token` (the person's
    QR code, checked as on the day of the dose) says who. The site is the path's: an item
    naming another `site_id` is rejected."""

    client_id: Annotated[str, Meta(extra_json_schema={"format": "uuid"})]
    product: Annotated[str, Meta(max_length=60, examples=["EU/1/20/1528"])]
    manufacturer: Annotated[str, Meta(max_length=40, examples=["ORG-100030215"])]
    dose_number: Number
    total_doses: Number
    administered_on: Annotated[str, Meta(extra_json_schema={"format": "date"})]
    person_id: Id | None = None
    qr_token: Annotated[str, Meta(max_length=4096)] | None = None
    lot: Annotated[str, Meta(max_length=40)] = ""
    prophylaxis: Annotated[str, Meta(max_length=20)] = ""
    campaign_id: Id | None = None
    site_id: Id | None = None

    def item(self, site_id: int) -> BatchDose:
        """The item as the service takes it; ``Invalid`` naming the field that cannot be."""
        client_id = schema.client_id(self.client_id)
        token = schema.stored_text(self.qr_token, "qr_token") if self.qr_token is not None else ""
        if (self.person_id is None) == (not token):
            raise Invalid("Give person_id or qr_token, one of them.", field="person_id")
        if self.site_id is not None and self.site_id != site_id:
            raise Invalid("The dose's site is the path's.", field="site_id")
        dose = DoseIn(
            person_id=self.person_id or 0,
            product=schema.stored_text(self.product, "product"),
            manufacturer=schema.stored_text(self.manufacturer, "manufacturer"),
            prophylaxis=schema.stored_text(self.prophylaxis, "prophylaxis"),
            dose_number=self.dose_number,
            total_doses=self.total_doses,
            administered_on=schema.day(self.administered_on, "administered_on"),
            site_id=site_id,
            lot=schema.stored_text(self.lot, "lot"),
            campaign_id=self.campaign_id,
        )
        return BatchDose(client_id=client_id, dose=dose, qr_token=token)


class DoseBatch(Body):
    """Doses from a site's tablet (at most 200). Each item stands alone: a bad one is
    rejected with its reason, the others are kept; a replay writes nothing."""

    doses: Annotated[list[DoseItem], Meta(max_length=DOSE_BATCH_MAX)]


def dose_reason(refusal: schema.Refusal) -> str:
    """A rejected item's reason: the field that broke a rule (``administered_on_invalid``),
    ``person_id_invalid`` when it names nobody or two ways, or ``item_not_object``."""
    if not refusal.field:
        return "item_not_object"
    return refusal.field.split(".", 1)[0] + "_invalid"


def dose_item(raw: Any, site_id: int) -> BatchDose | str:
    """A batch item (parsed JSON) as the service takes it, or the reason it is rejected."""
    try:
        return schema.convert(raw, DoseItem).item(site_id)
    except schema.Refused as refused:
        return dose_reason(refused.refusal)
    except schema.Invalid as invalid:
        return dose_reason(schema.Refusal(invalid.field, invalid.message))
