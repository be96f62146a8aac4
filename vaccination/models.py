"""Vaccination sites, campaigns, the doses given and the keys that sign certificates.

- ``Site``: a place that vaccinates, in a ward, with its opening hours, a capacity for each
  session of the day (morning, afternoon), its staff (``vaccinator`` users, who see only
  their sites) and its stock (``StockLot``: product, lot, expiry, doses left).
- ``PriorityGroup``: the target groups of the national plan (Resolution 21/NQ-CP), seeded
  by the migration and editable in the admin.
- ``Campaign``: dates, wards, target groups and its products (``CampaignProduct``), each
  with its series and the interval between doses (minimum and maximum days).
- ``Dose``: one dose given to a person, coded with the EU DCC value sets
  (``vaccination/valuesets``); ``client_id`` makes recording idempotent.
- ``DocumentSigner``: the X.509 document signer certificates (DSC) whose keys sign EU
  Digital COVID Certificates; the current one signs, earlier ones stay in the trust list.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from truyvet.accounts.models import HealthUnit
from truyvet.geo.models import Ward
from truyvet.people.models import Person


class Session(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")


class Site(models.Model):
    name = models.CharField(_("name"), max_length=200)
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="+", verbose_name=_("ward"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True, default="07:30-11:30, 13:30-17:00")
    capacity_morning = models.PositiveIntegerField(_("capacity per morning"), default=100)
    capacity_afternoon = models.PositiveIntegerField(_("capacity per afternoon"), default=100)
    health_unit = models.ForeignKey(
        HealthUnit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("health centre"),
        help_text=_("The health centre alerted when a serious reaction is reported at this site."),
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="vaccination_sites", verbose_name=_("staff")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("vaccination site")
        verbose_name_plural = _("vaccination sites")

    def __str__(self) -> str:
        return self.name

    def capacity(self, session: str) -> int:
        return self.capacity_morning if session == Session.MORNING else self.capacity_afternoon


class StockLot(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="stock", verbose_name=_("site"))
    product = models.CharField(_("vaccine product"), max_length=60)
    manufacturer = models.CharField(_("marketing authorisation holder"), max_length=40)
    lot = models.CharField(_("lot"), max_length=40)
    expires_on = models.DateField(_("expires on"))
    doses_left = models.PositiveIntegerField(_("doses left"), default=0)

    class Meta:
        ordering = ["expires_on", "lot"]
        constraints = [models.UniqueConstraint(fields=["site", "product", "lot"], name="vacc_stock_site_product_lot")]
        verbose_name = _("stock lot")
        verbose_name_plural = _("stock lots")

    def __str__(self) -> str:
        return f"{self.product} {self.lot}"


class PriorityGroup(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=300)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("priority group")
        verbose_name_plural = _("priority groups")

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    wards = models.ManyToManyField(Ward, blank=True, related_name="+", verbose_name=_("wards"))
    priority_groups = models.ManyToManyField(
        PriorityGroup, blank=True, related_name="+", verbose_name=_("target groups")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="vacc_campaign_dates")]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class CampaignProduct(models.Model):
    """A product of a campaign: its series and the days between two doses of it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="products")
    product = models.CharField(_("vaccine product"), max_length=60)
    manufacturer = models.CharField(_("marketing authorisation holder"), max_length=40)
    series_doses = models.PositiveSmallIntegerField(_("doses in the primary series"), default=2)
    min_interval_days = models.PositiveSmallIntegerField(_("minimum days between doses"), default=21)
    max_interval_days = models.PositiveSmallIntegerField(_("maximum days between doses"), default=84)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "product"], name="vacc_campaign_product"),
            models.CheckConstraint(
                condition=Q(max_interval_days__gte=F("min_interval_days")), name="vacc_campaign_product_interval"
            ),
            models.CheckConstraint(condition=Q(series_doses__gte=1), name="vacc_campaign_product_series"),
        ]

    def __str__(self) -> str:
        return self.product


class Dose(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="vaccine_doses")
    product = models.CharField(_("vaccine product"), max_length=60)
    manufacturer = models.CharField(_("marketing authorisation holder"), max_length=40)
    prophylaxis = models.CharField(_("vaccine or prophylaxis"), max_length=20)
    lot = models.CharField(_("lot"), max_length=40, blank=True)
    dose_number = models.PositiveSmallIntegerField(_("dose number"))
    total_doses = models.PositiveSmallIntegerField(_("doses in the series"))
    administered_on = models.DateField(_("date of vaccination"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="doses", verbose_name=_("site"))
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="doses")
    vaccinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_id = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person_id", "administered_on", "dose_number"]
        constraints = [
            models.UniqueConstraint(fields=["client_id"], name="vacc_dose_client_id"),
            models.UniqueConstraint(fields=["person", "dose_number"], name="vacc_dose_person_number"),
            models.UniqueConstraint(fields=["person", "administered_on"], name="vacc_dose_person_day"),
            models.CheckConstraint(condition=Q(dose_number__gte=1, total_doses__gte=1), name="vacc_dose_numbers"),
        ]
        indexes = [
            models.Index(fields=["site", "administered_on"], name="vacc_dose_site_day"),
            models.Index(fields=["administered_on"], name="vacc_dose_day"),
        ]
        verbose_name = _("dose")
        verbose_name_plural = _("doses")

    def __str__(self) -> str:
        return f"{self.product} {self.dose_number}/{self.total_doses}"


class DocumentSigner(models.Model):
    """A document signer certificate and its key. ``kid`` is the first 8 bytes of the
    SHA-256 of the certificate's DER (base64), as the EU DCC specification says. The key of
    a signer whose private key is kept elsewhere (the ministry's) is empty here."""

    kid = models.CharField(max_length=16, unique=True)
    certificate_pem = models.TextField()
    private_key_pem = models.TextField(blank=True)
    csca_pem = models.TextField(blank=True)
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    signing = models.BooleanField(default=False, help_text=_("Signs new certificates (one at a time)."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["signing"], condition=Q(signing=True), name="vacc_one_signing_dsc"),
        ]
        verbose_name = _("document signer certificate")
        verbose_name_plural = _("document signer certificates")

    def __str__(self) -> str:
        return self.kid


class ScreeningOutcome(models.TextChoices):
    VACCINATE = "vaccinate", _("Vaccinate")
    POSTPONE = "postpone", _("Postpone")
    REFER = "refer", _("Refer to hospital")


class Screening(models.Model):
    """The pre-vaccination screening of a person at a site: the ministry's checklist
    (``vaccination.screening.QUESTIONS``), the answers and the outcome."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="screenings")
    answers = models.JSONField(default=dict)
    outcome = models.CharField(_("outcome"), max_length=10, choices=ScreeningOutcome.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    screened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    screened_at = models.DateTimeField(auto_now_add=True)
    # The offline queue's id of the visit (a batch item's ``client_id``): a replayed screening
    # is recognised, and a screening of a dose carries the dose's ``client_id``.
    client_id = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-screened_at"]
        constraints = [models.UniqueConstraint(fields=["client_id"], name="vacc_screening_client_id")]
        indexes = [models.Index(fields=["site", "screened_at"], name="vacc_screening_site_time")]


# Registrations and appointments live in their own module; importing it here registers them.
from vaccination.registration_models import (  # noqa: E402, F401
    Appointment,
    AppointmentStatus,
    EmployeeUpload,
    Employer,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SessionSlot,
)

# --- Reactions after vaccination (AEFI) --------------------------------------------------------


class ReactionKind(models.TextChoices):
    """The reactions of the WHO AEFI core variables (the DHIS2 AEFI package's list), with the
    adverse events of special interest that COVID-19 vaccines added."""

    SEVERE_LOCAL = "severe_local", _("Severe local reaction (beyond the nearest joint or over 3 days)")
    FEVER = "fever", _("Fever of 38 °C or more")
    SEIZURES = "seizures", _("Seizures")
    ABSCESS = "abscess", _("Abscess at the injection site")
    SEPSIS = "sepsis", _("Sepsis")
    ENCEPHALOPATHY = "encephalopathy", _("Encephalopathy")
    TOXIC_SHOCK = "toxic_shock", _("Toxic shock syndrome")
    THROMBOCYTOPENIA = "thrombocytopenia", _("Thrombocytopenia")
    ANAPHYLAXIS = "anaphylaxis", _("Anaphylaxis")
    MYOCARDITIS = "myocarditis", _("Myocarditis or pericarditis")
    TTS = "tts", _("Thrombosis with thrombocytopenia")
    GBS = "gbs", _("Guillain-Barré syndrome")
    OTHER = "other", _("Other (describe it)")


class SeriousReason(models.TextChoices):
    DEATH = "death", _("Death")
    LIFE_THREATENING = "life_threatening", _("Life-threatening")
    HOSPITALISATION = "hospitalisation", _("Hospitalisation or a longer stay")
    DISABILITY = "disability", _("Disability")
    CONGENITAL_ANOMALY = "congenital_anomaly", _("Congenital anomaly")
    OTHER = "other", _("Other important medical event")


class ReactionOutcome(models.TextChoices):
    RECOVERED = "recovered", _("Recovered")
    RECOVERING = "recovering", _("Recovering")
    NOT_RECOVERED = "not_recovered", _("Not recovered")
    SEQUELAE = "sequelae", _("Recovered with sequelae")
    DIED = "died", _("Died")
    UNKNOWN = "unknown", _("Unknown")


class ReporterKind(models.TextChoices):
    CITIZEN = "citizen", _("The vaccinated person or their household")
    STAFF = "staff", _("Health or vaccination staff")


class Reaction(models.Model):
    """A reaction after vaccination (AEFI) reported about one dose: the WHO core variables.

    ``ward`` is the person's ward when reported (else the site's): the line list is scoped
    by it or by the site's ward. ``client_id`` makes a retried report harmless."""

    dose = models.ForeignKey(Dose, on_delete=models.PROTECT, related_name="reactions", verbose_name=_("dose"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    ward = models.ForeignKey(Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kinds = models.JSONField(_("reactions"), default=list)
    onset_at = models.DateTimeField(_("onset"))
    description = models.TextField(_("description"), blank=True)
    serious = models.BooleanField(_("serious"), default=False)
    serious_reason = models.CharField(_("why serious"), max_length=20, choices=SeriousReason.choices, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=15, choices=ReactionOutcome.choices, default=ReactionOutcome.UNKNOWN
    )
    died_on = models.DateField(_("date of death"), null=True, blank=True)
    reporter_kind = models.CharField(max_length=10, choices=ReporterKind.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_id = models.UUIDField(null=True, blank=True, editable=False)
    reported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-reported_at"]
        constraints = [
            models.UniqueConstraint(fields=["client_id"], name="vacc_reaction_client_id"),
            models.CheckConstraint(
                condition=Q(serious=False, serious_reason="") | Q(serious=True) & ~Q(serious_reason=""),
                name="vacc_reaction_serious_reason",
            ),
        ]
        indexes = [
            # The CDC's line list, newest first, and its "serious only" filter.
            models.Index(fields=["-reported_at"], name="vacc_reaction_recent"),
            models.Index(fields=["ward", "-reported_at"], name="vacc_reaction_ward_recent"),
        ]
        verbose_name = _("reaction after vaccination")
        verbose_name_plural = _("reactions after vaccination")

    def __str__(self) -> str:
        return f"AEFI {self.pk}"


# --- Coverage: who is counted ------------------------------------------------------------------


class TargetPopulation(models.Model):
    """A ward's target population for coverage, as the province counts it (census, household
    lists); without one, the people registered in the ward at or above
    ``VACCINATION_COVERAGE_MIN_AGE`` are the target."""

    ward = models.OneToOneField(Ward, on_delete=models.CASCADE, primary_key=True, related_name="+")
    population = models.PositiveIntegerField(_("target population"))
    note = models.CharField(_("source"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("target population")
        verbose_name_plural = _("target populations")

    def __str__(self) -> str:
        return f"{self.ward_id}: {self.population}"


class PriorityMembership(models.Model):
    """A person in a priority group of the national plan (health worker, aged 65 or more,
    ...): coverage by group counts these people."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(PriorityGroup, on_delete=models.CASCADE, related_name="members")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "group"], name="vacc_priority_member_once")]
        indexes = [models.Index(fields=["group", "person"], name="vacc_priority_member_group")]
        verbose_name = _("priority group member")
        verbose_name_plural = _("priority group members")

    def __str__(self) -> str:
        return f"{self.group_id}: {self.person_id}"


class CoverageSummary(models.Model):
    """A ward's coverage on a day as the scheduled task last computed it
    (``coverage.coverage_store``, every ``VACCINATION_COVERAGE_REFRESH_MINUTES``): the live
    statistics read 1.5 million people and their doses (seconds), this is read in
    milliseconds. Counts as lists ``[people, one dose, full series, booster]``; the target
    population is applied when read, so an entered figure counts at once."""

    day = models.DateField()
    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="+")
    min_age = models.PositiveSmallIntegerField()
    by_age = models.JSONField(default=dict)
    in_target = models.JSONField(default=list)
    doses = models.JSONField(default=list)  # [[product, dose number, doses], ...]
    groups = models.JSONField(default=dict)  # {priority group id: counts}
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "ward"], name="vacc_coverage_summary_day_ward")]
        verbose_name = _("coverage summary")
        verbose_name_plural = _("coverage summaries")

    def __str__(self) -> str:
        return f"{self.ward_id} {self.day}"
