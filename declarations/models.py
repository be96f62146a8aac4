from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from truyvet.credentials.models import RiskLevel
from truyvet.geo.models import Ward
from truyvet.people.models import ChangeSource, Gender, Household, Person


class Kind(models.TextChoices):
    DAILY = "daily", _("Daily declaration")
    ENTRY = "entry", _("Entry declaration (arriving from abroad)")
    DOMESTIC = "domestic", _("Domestic travel declaration")


class VehicleType(models.TextChoices):
    CAR = "car", _("Car")
    MOTORBIKE = "motorbike", _("Motorbike")
    BUS = "bus", _("Bus")
    TRUCK = "truck", _("Truck")
    TRAIN = "train", _("Train")
    PLANE = "plane", _("Plane")
    OTHER = "other", _("Other")


class Declaration(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="declarations")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Who the declaration is for, as the declarant typed it. The person record changes only
    # when the declarant proved to be that person (``proof``); otherwise these stay here.
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # The ward the declarant gave as where they live: jurisdiction follows it.
    ward = models.ForeignKey(Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # How the declarant proved to be the person: "new" (this declaration created the record),
    # a ChangeSource (sms, device, staff), or blank: unproven, the record was left as it was.
    proof = models.CharField(_("identity proven by"), max_length=10, blank=True)
    # The name or date of birth typed disagrees with the record for this id number.
    identity_mismatch = models.BooleanField(_("details differ from the record"), default=False)
    created_at = models.DateTimeField(_("declared at"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by the client (API) or the form: the same id again is the same declaration.
    client_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    has_symptoms = models.BooleanField(default=False)
    case_contact = models.BooleanField(_("contact with a case"), default=False)
    outbreak_zone = models.BooleanField(_("been in an outbreak zone"), default=False)
    abroad_14d = models.BooleanField(_("arrived from abroad in the last 14 days"), default=False)
    # entry
    port_of_entry = models.CharField(_("port of entry"), max_length=100, blank=True)
    flight_number = models.CharField(_("flight or vehicle number"), max_length=20, blank=True)
    seat = models.CharField(_("seat"), max_length=10, blank=True)
    countries_visited = models.JSONField(_("countries visited in the last 14 days"), default=list, blank=True)
    quarantine_address = models.CharField(_("quarantine address in Viet Nam"), max_length=300, blank=True)
    # domestic
    origin_ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("coming from")
    )
    destination_ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("going to")
    )
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=20, blank=True)
    vehicle_type = models.CharField(_("vehicle type"), max_length=10, choices=VehicleType.choices, blank=True)
    purpose = models.CharField(_("purpose of travel"), max_length=200, blank=True)
    # assessment
    risk_level = models.CharField(_("risk level"), max_length=6, choices=RiskLevel.choices)
    risk_reasons = models.JSONField(_("risk reasons"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("health declaration")
        verbose_name_plural = _("health declarations")
        indexes = [
            models.Index(fields=["ward", "-created_at", "-id"], name="decl_ward_recent"),
            models.Index(fields=["-created_at", "-id"], name="decl_recent"),
            models.Index(fields=["person", "-created_at"], name="decl_person_recent"),
            models.Index(fields=["ward", "-created_at"], condition=~Q(risk_level="green"), name="decl_ward_risky"),
            # The review list of declarations whose details disagree with the record.
            models.Index(fields=["-created_at"], condition=Q(identity_mismatch=True), name="decl_identity_mismatch"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


NEW_PERSON = "new"
PROOFS = frozenset({NEW_PERSON, ChangeSource.SMS, ChangeSource.DEVICE, ChangeSource.STAFF})
