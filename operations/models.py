"""The operations map (bản đồ điều hành chống dịch): what the province's steering committee
looks at every day.

- ``Agency``: a body that enters its own part (the health department, a hospital, a
  laboratory, the military command, the culture department, a district's committee, the
  steering committee's office), with its members. Every record below belongs to one agency
  and only its members change it.
- ``Directive``: a directive or official letter, with its PDF.
- ``WardDay``: one ward's figures for one day, computed from the tracing data by a scheduled
  task (``operations.tasks.compute_ward_days``), so the page reads a few hundred rows.
- ``LabDailyCount``: the tests a laboratory ran in a day, and how many were positive.
- ``MedicalFacility`` / ``ResourceReport``: a hospital's beds, ICU, ventilators, oxygen and
  staff; each update is a row, the latest is the current state.
- ``QuarantinePlace`` / ``OccupancyReport``: concentrated quarantine camps and paid hotels,
  their capacity and occupancy; each update is a row.
- ``ConsultationEntry``: hotlines and on-call doctors per area.
- ``DailyReport``: the steering committee's morning report, as PDF and XLSX files.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from truyvet.geo.models import Ward


class AgencyKind(models.TextChoices):
    STEERING = "steering", _("Steering committee office")
    HEALTH = "health", _("Health department")
    HOSPITAL = "hospital", _("Hospital or treatment facility")
    LABORATORY = "laboratory", _("Laboratory")
    MILITARY = "military", _("Military command")
    CULTURE = "culture", _("Culture, sports and tourism department")
    DISTRICT = "district", _("Local people's committee")


class Agency(models.Model):
    """A body that enters its own part of the operations map; its members are staff users."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="agencies", verbose_name=_("members")
    )
    phone = models.CharField(_("duty phone"), max_length=16, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class Directive(models.Model):
    """A directive, official letter or plan of the province, with its PDF."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="directives", verbose_name=_("agency"))
    number = models.CharField(_("number"), max_length=60)
    issued_on = models.DateField(_("date issued"))
    issuer = models.CharField(_("issued by"), max_length=200)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    pdf = models.FileField(_("PDF"), upload_to="operations/directives/%Y/")
    pdf_size = models.PositiveIntegerField(default=0)
    # Number, title and summary without accents, lower case: what the search matches.
    search_text = models.TextField(default="", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        constraints = [models.UniqueConstraint(fields=["agency", "number"], name="operations_directive_number_once")]
        indexes = [models.Index(fields=["-issued_on", "-id"], name="operations_directive_recent")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class WardDay(models.Model):
    """One ward's epidemic figures for one local day, from the tracing data.

    New cases count confirmed cases by the local day of confirmation and the source the
    case records; ``new_in_follow_up`` are those who were already under follow-up
    (quarantine) when confirmed, and ``new_community`` the local or unknown-source cases
    that were not. F1/F2 are the follow-ups active at the end of the day. The case records
    carry an outcome but not its date, so ``under_treatment``, ``recovered`` and ``died``
    are the ward's totals at the day's last run (null for a day first computed after it
    ended)."""

    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    day = models.DateField()
    new_local = models.PositiveIntegerField(default=0)
    new_imported = models.PositiveIntegerField(default=0)
    new_unknown = models.PositiveIntegerField(default=0)
    new_in_follow_up = models.PositiveIntegerField(default=0)
    new_community = models.PositiveIntegerField(default=0)
    f1_active = models.PositiveIntegerField(default=0)
    f2_active = models.PositiveIntegerField(default=0)
    under_treatment = models.PositiveIntegerField(null=True, blank=True)
    recovered = models.PositiveIntegerField(null=True, blank=True)
    died = models.PositiveIntegerField(null=True, blank=True)
    tests = models.PositiveIntegerField(default=0)
    tests_positive = models.PositiveIntegerField(default=0)
    community_7d = models.PositiveIntegerField(default=0)
    population = models.PositiveIntegerField(null=True, blank=True)
    population_source = models.CharField(max_length=12, blank=True)
    rate_7d = models.DecimalField(max_digits=9, decimal_places=1, null=True, blank=True)
    coverage = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["day", "ward_id"]
        constraints = [models.UniqueConstraint(fields=["day", "ward"], name="operations_ward_day_once")]


class WardProfile(models.Model):
    """What the province knows of a ward that the administrative list lacks: its population
    (for the rate per 100,000) and a point to place it on the map."""

    ward = models.OneToOneField(Ward, on_delete=models.CASCADE, primary_key=True, related_name="+")
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population as of year"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("ward profile")
        verbose_name_plural = _("ward profiles")


class LabDailyCount(models.Model):
    """The tests a laboratory ran on one day, as it reports them."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="lab_counts", verbose_name=_("laboratory")
    )
    day = models.DateField(_("day"))
    tests = models.PositiveIntegerField(_("tests"))
    positives = models.PositiveIntegerField(_("positive"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "agency__name"]
        verbose_name = _("laboratory daily count")
        verbose_name_plural = _("laboratory daily counts")
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="operations_lab_count_once_a_day"),
            models.CheckConstraint(condition=Q(positives__lte=F("tests")), name="operations_lab_positives_le_tests"),
        ]


class FacilityKind(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    TREATMENT = "treatment", _("Treatment facility")
    FIELD_HOSPITAL = "field_hospital", _("Field hospital")


class MedicalFacility(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("agency"))
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices, default=FacilityKind.HOSPITAL)
    ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("ward")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("medical facility")
        verbose_name_plural = _("medical facilities")

    def __str__(self) -> str:
        return self.name


class ResourceReport(models.Model):
    """A facility's resources at one moment; the newest row is its current state."""

    facility = models.ForeignKey(MedicalFacility, on_delete=models.CASCADE, related_name="reports")
    reported_at = models.DateTimeField(_("as of"))
    beds_total = models.PositiveIntegerField(_("beds"))
    beds_occupied = models.PositiveIntegerField(_("beds occupied"))
    icu_total = models.PositiveIntegerField(_("ICU beds"))
    icu_occupied = models.PositiveIntegerField(_("ICU beds occupied"))
    ventilators_total = models.PositiveIntegerField(_("ventilators"))
    ventilators_in_use = models.PositiveIntegerField(_("ventilators in use"))
    oxygen_cylinders = models.PositiveIntegerField(_("oxygen cylinders"))
    oxygen_tanks = models.PositiveIntegerField(_("liquid oxygen tanks"))
    doctors = models.PositiveIntegerField(_("doctors"))
    nurses = models.PositiveIntegerField(_("nurses"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        indexes = [models.Index(fields=["facility", "-reported_at", "-id"], name="operations_resource_latest")]
        constraints = [
            models.CheckConstraint(condition=Q(beds_occupied__lte=F("beds_total")), name="operations_beds_le_total"),
            models.CheckConstraint(condition=Q(icu_occupied__lte=F("icu_total")), name="operations_icu_le_total"),
            models.CheckConstraint(
                condition=Q(ventilators_in_use__lte=F("ventilators_total")), name="operations_ventilators_le_total"
            ),
        ]


class PlaceKind(models.TextChoices):
    CAMP = "camp", _("Concentrated quarantine camp")
    HOTEL = "hotel", _("Paid quarantine hotel")
    ISOLATION = "isolation", _("Isolation facility")


class QuarantinePlace(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="places", verbose_name=_("agency"))
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=PlaceKind.choices)
    ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("ward")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    price_note = models.CharField(_("price"), max_length=200, blank=True, help_text=_("For paid hotels."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("quarantine place")
        verbose_name_plural = _("quarantine places")

    def __str__(self) -> str:
        return self.name


class OccupancyReport(models.Model):
    """A place's capacity and occupancy at one moment; the newest row is its current state."""

    place = models.ForeignKey(QuarantinePlace, on_delete=models.CASCADE, related_name="reports")
    reported_at = models.DateTimeField(_("as of"))
    capacity = models.PositiveIntegerField(_("capacity"))
    occupied = models.PositiveIntegerField(_("occupied"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        indexes = [models.Index(fields=["place", "-reported_at", "-id"], name="operations_occupancy_latest")]


class ConsultationKind(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    DOCTOR = "doctor", _("On-call doctor")


class ConsultationEntry(models.Model):
    """A hotline or an on-call doctor people may call for advice, for an area (a ward, or
    the whole province when no ward is given)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("agency"))
    kind = models.CharField(_("kind"), max_length=10, choices=ConsultationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=16)
    ward = models.ForeignKey(
        Ward,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
        help_text=_("Leave empty for the whole province."),
    )
    hours = models.CharField(_("hours"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("consultation entry")
        verbose_name_plural = _("consultation entries")


class DailyReport(models.Model):
    """The steering committee's report for one day, generated the next morning."""

    day = models.DateField(unique=True)
    pdf = models.FileField(upload_to="operations/reports/")
    xlsx = models.FileField(upload_to="operations/reports/")
    generated_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
