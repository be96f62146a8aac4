"""The dose bodies (API.md, Vaccination), one dose and a batch of them: their one definition,
which the API decodes, the site's page checks and the OpenAPI document describes."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, cast

from django.utils import timezone
from msgspec import Meta

from truyvet.lib import schema
from truyvet.lib.bounds import MAX_INT
from truyvet.lib.schema import Body, Invalid
from vaccination.dose_batches import DOSE_BATCH_MAX, BatchDose, ScreeningIn
from vaccination.errors import VaccinationError
from vaccination.models import ScreeningOutcome
from vaccination.screening import QUESTIONS
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


# A tablet's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=10)


class ScreeningItem(Body):
    """The pre-vaccination screening of the person, recorded with the dose (one transaction):
    `answers` has every question of the ministry's checklist (`anaphylaxis`, `allergy`,
    `acute_illness`, `covid_recent`, `other_vaccine`, `immunosuppressed`, `pregnant`,
    `chronic_uncontrolled`, `bleeding`, `abnormal_signs`) answered true or false; `outcome`
    is `vaccinate`, `postpone` or `refer` (the last two write the screening and no dose);
    `screened_at` is when (with its offset; on the dose's day), else the server's time."""

    answers: dict[str, bool]
    outcome: Annotated[str, Meta(max_length=10, examples=["vaccinate"])]
    note: Annotated[str, Meta(max_length=300)] = ""
    screened_at: Annotated[str, Meta(max_length=40, extra_json_schema={"format": "date-time"})] | None = None

    def screening(self, day: Any) -> ScreeningIn:
        """The screening as the service takes it; ``Invalid`` naming the field that cannot be."""
        keys = [key for key, _question, _outcome in QUESTIONS]
        if set(self.answers) != set(keys):
            raise Invalid("Answer every question of the checklist, and only those.", field="answers")
        if self.outcome not in ScreeningOutcome.values:
            raise Invalid(
                str(VaccinationError.UNKNOWN_OUTCOME.label), field="outcome", code=VaccinationError.UNKNOWN_OUTCOME
            )
        at = None
        if self.screened_at is not None:
            at = schema.aware_time(self.screened_at, "screened_at")
            if at > timezone.now() + CLOCK_SKEW or timezone.localtime(at).date() != day:
                raise Invalid("The screening's time is on the dose's day, not in the future.", field="screened_at")
        return ScreeningIn(
            answers=tuple((key, self.answers[key]) for key in keys),
            outcome=self.outcome,
            note=schema.stored_text(self.note, "note"),
            screened_at=at,
        )


class DoseItem(Body):
    """One dose of a batch, as a site's tablet queued it. `client_id` is required (a replay
    answers the dose it recorded); exactly one of `person_id`, `qr_token` (the person's QR
    code, checked as on the day of the dose) and `id_number` (the citizen id number) says
    who. The site is the path's: an item naming another `site_id` is rejected. With a
    `screening`, the screening is recorded with the dose, both or neither; when its outcome
    is `postpone` or `refer`, the screening alone (the dose's fields may then be left out;
    `administered_on` is the day of the visit)."""

    client_id: Annotated[str, Meta(extra_json_schema={"format": "uuid"})]
    administered_on: Annotated[str, Meta(extra_json_schema={"format": "date"})]
    product: Annotated[str, Meta(max_length=60, examples=["EU/1/20/1528"])] | None = None
    manufacturer: Annotated[str, Meta(max_length=40, examples=["ORG-100030215"])] | None = None
    dose_number: Number | None = None
    total_doses: Number | None = None
    person_id: Id | None = None
    qr_token: Annotated[str, Meta(max_length=4096)] | None = None
    id_number: Annotated[str, Meta(max_length=12, pattern="^[0-9]{12}$")] | None = None
    lot: Annotated[str, Meta(max_length=40)] = ""
    prophylaxis: Annotated[str, Meta(max_length=20)] = ""
    campaign_id: Id | None = None
    site_id: Id | None = None
    screening: ScreeningItem | None = None

    def item(self, site_id: int) -> BatchDose:
        """The item as the service takes it; ``Invalid`` naming the field that cannot be."""
        client_id = schema.client_id(self.client_id)
        token = schema.stored_text(self.qr_token, "qr_token") if self.qr_token is not None else ""
        if [self.person_id is not None, bool(token), self.id_number is not None].count(True) != 1:
            raise Invalid("Give person_id, qr_token or id_number, one of them.", field="person_id")
        if self.site_id is not None and self.site_id != site_id:
            raise Invalid("The dose's site is the path's.", field="site_id")
        day = schema.day(self.administered_on, "administered_on")
        screening = None
        if self.screening is not None:
            try:
                screening = self.screening.screening(day)
            except Invalid as invalid:
                raise Invalid(invalid.message, field=f"screening.{invalid.field}", code=invalid.code) from None
        writes_dose = screening is None or screening.outcome == ScreeningOutcome.VACCINATE
        if writes_dose:
            for name in ("product", "manufacturer", "dose_number", "total_doses"):
                if getattr(self, name) is None:
                    if screening is not None:  # to vaccinate, say which vaccine
                        raise Invalid(
                            str(VaccinationError.DOSE_REQUIRED.label), field=name, code=VaccinationError.DOSE_REQUIRED
                        )
                    raise Invalid("This field is required.", field=name)
        dose = DoseIn(
            person_id=self.person_id or 0,
            product=schema.stored_text(self.product or "", "product") if writes_dose else "",
            manufacturer=schema.stored_text(self.manufacturer or "", "manufacturer") if writes_dose else "",
            prophylaxis=schema.stored_text(self.prophylaxis, "prophylaxis") if writes_dose else "",
            dose_number=self.dose_number or 1 if writes_dose else 1,
            total_doses=self.total_doses or 1 if writes_dose else 1,
            administered_on=day,
            site_id=site_id,
            lot=schema.stored_text(self.lot, "lot") if writes_dose else "",
            campaign_id=self.campaign_id if writes_dose else None,
        )
        return BatchDose(
            client_id=client_id, dose=dose, qr_token=token, id_number=self.id_number or "", screening=screening
        )


class DoseBatch(Body):
    """Doses from a site's tablet (at most 200). Each item stands alone: a bad one is
    rejected with its reason, the others are kept; a replay writes nothing."""

    doses: Annotated[list[DoseItem], Meta(max_length=DOSE_BATCH_MAX)]


def dose_reason(refusal: schema.Refusal) -> str:
    """A rejected item's reason: the code of a rule of its own (``unknown_outcome``,
    ``dose_required``), else the field that broke a rule (``administered_on_invalid``; in
    the screening ``screening_answers_invalid``), ``person_id_invalid`` when it names nobody
    or two ways, or ``item_not_object``."""
    if refusal.code in (VaccinationError.UNKNOWN_OUTCOME, VaccinationError.DOSE_REQUIRED):
        return str(refusal.code.value)
    if not refusal.field:
        return "item_not_object"
    parts = refusal.field.split("[", 1)[0].split(".")  # a dict's value: answers[...]
    if parts[0] == "screening" and len(parts) > 1 and parts[1] in ScreeningItem.__struct_fields__:
        return f"screening_{parts[1]}_invalid"
    return parts[0] + "_invalid"


def dose_item(raw: Any, site_id: int) -> BatchDose | str:
    """A batch item (parsed JSON) as the service takes it, or the reason it is rejected."""
    try:
        return schema.convert(raw, DoseItem).item(site_id)
    except schema.Refused as refused:
        return dose_reason(refused.refusal)
    except schema.Invalid as invalid:
        return dose_reason(schema.Refusal(invalid.field, invalid.message, invalid.code))
