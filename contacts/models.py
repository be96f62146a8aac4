"""Tracing: cases (F0), their exposures (F1, F2), follow-up, and the proximity log.

An ``Exposure`` is one contact event found for one case: who was exposed, to whom, how
(venue, proximity, manual) and when. Its ``key`` names the evidence (the two check-ins,
the contact pair, the manual entry), so matching the same evidence twice writes nothing
new: the table is its own idempotency record. A person's quarantine is one ``FollowUp``,
however many cases and exposures put them there.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from truyvet.geo.models import Ward
from truyvet.people.models import Person

# Notifications and alerts about an exposure carry "exposure:<case>:<person>:<level>" as
# their dedupe key (contacts/warnings.py); the citizen's pages find them by this prefix.
EXPOSURE_KEY_PREFIX = "exposure:"


class Classification(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected")
    PROBABLE = "probable", _("Probable")
    CONFIRMED = "confirmed", _("Confirmed")


class Outcome(models.TextChoices):
    UNDER_TREATMENT = "under_treatment", _("Under treatment")
    RECOVERED = "recovered", _("Recovered")
    DIED = "died", _("Died")
    TRANSFERRED = "transferred", _("Transferred out of the province")


class Source(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    LOCAL = "local", _("Local transmission")
    UNKNOWN = "unknown", _("Unknown")


class MatchingState(models.TextChoices):
    PENDING = "pending", _("Matching")
    DONE = "done", _("Done")


class Cluster(models.Model):
    """An outbreak cluster (ổ dịch): cases linked by place or chain."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("ward")
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    # One open case per person (see services.case_open); a person may have had an earlier one.
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases", verbose_name=_("person"))
    # The ward of residence when the case was opened: the case's jurisdiction.
    ward = models.ForeignKey(Ward, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("ward"))
    classification = models.CharField(
        _("classification"), max_length=10, choices=Classification.choices, default=Classification.CONFIRMED
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    onset_date = models.DateField(_("symptom onset"), null=True, blank=True)
    sample_date = models.DateField(_("sample date"), null=True, blank=True)
    isolated_at = models.DateTimeField(_("isolated at"), null=True, blank=True)
    isolation_place = models.CharField(_("isolation place"), max_length=200, blank=True)
    isolation_until = models.DateField(_("isolation until"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.UNDER_TREATMENT)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.UNKNOWN)
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases", verbose_name=_("cluster")
    )
    note = models.TextField(_("note"), blank=True)
    matching = models.CharField(max_length=10, choices=MatchingState.choices, default=MatchingState.PENDING)
    matched_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(outcome="under_treatment"), name="contacts_case_one_open"
            )
        ]
        indexes = [
            models.Index(fields=["ward", "-created_at"], name="contacts_case_ward_created"),
            models.Index(fields=["cluster", "-created_at"], name="contacts_case_cluster"),
        ]

    def __str__(self) -> str:
        return f"F0 #{self.pk}"

    @property
    def is_confirmed(self) -> bool:
        return self.classification == Classification.CONFIRMED


class TestType(models.TextChoices):
    RT_PCR = "rt_pcr", _("RT-PCR")
    RAPID_ANTIGEN = "rapid_antigen", _("Rapid antigen test")
    OTHER = "other", _("Other")


class TestResult(models.TextChoices):
    PENDING = "pending", _("Pending")
    POSITIVE = "positive", _("Positive")
    NEGATIVE = "negative", _("Negative")
    INCONCLUSIVE = "inconclusive", _("Inconclusive")


class LabResult(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lab_results")
    test_type = models.CharField(_("test"), max_length=20, choices=TestType.choices, default=TestType.RT_PCR)
    sample_date = models.DateField(_("sample date"))
    result_date = models.DateField(_("result date"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=20, choices=TestResult.choices, default=TestResult.PENDING)
    laboratory = models.CharField(_("laboratory"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sample_date", "-pk"]
        verbose_name = _("lab result")
        verbose_name_plural = _("lab results")


class Via(models.TextChoices):
    VENUE = "venue", _("Same venue")
    PROXIMITY = "proximity", _("Bluetooth proximity")
    MANUAL = "manual", _("Investigation")


class Exposure(models.Model):
    """A person's exposure to a case: ``person`` met ``source_person`` (the case for F1, an
    F1 for F2) while ``case`` was being traced. One row per case and person, at the lowest
    level they were found at (the way SORMAS keeps one contact per case and person):

    - ``source_person``, ``via``, ``venue`` and ``overlap_start``/``overlap_end`` describe
      the *first* contact at that level (the edge the chain of transmission draws);
    - ``last_contact_at`` is the end of the *last* contact at that level: quarantine runs
      from it.

    Matching upserts these rows by the ten thousand in one INSERT … SELECT from rows it has
    just read, so their foreign keys are not enforced by the database (the deferred checks at
    COMMIT were a third of a big case's matching time); Django still applies ``on_delete``."""

    # Derived rows, written in bulk by matching from rows that exist (see the class
    # docstring): the database does not re-check these keys; Django applies on_delete.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="exposures", db_constraint=False, db_index=False
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="exposures", db_constraint=False)
    source_person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="exposures_caused", db_constraint=False
    )
    level = models.PositiveSmallIntegerField()
    via = models.CharField(max_length=10, choices=Via.choices)
    venue = models.ForeignKey(
        "venues.Venue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    overlap_start = models.DateTimeField()
    overlap_end = models.DateTimeField()
    last_contact_at = models.DateTimeField()
    # The exposed person's ward when found: whose commune follows them up.
    ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["level", "overlap_start", "pk"]
        verbose_name = _("exposure")
        verbose_name_plural = _("exposures")
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="contacts_exposure_once")]


class FollowUpState(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    BECAME_CASE = "became_case", _("Became a case")


class FollowUp(models.Model):
    """A person's quarantine and daily checks, kept by the commune station of residence."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="follow_ups", db_constraint=False)
    ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    level = models.PositiveSmallIntegerField()
    case = models.ForeignKey(
        Case, null=True, on_delete=models.SET_NULL, related_name="follow_ups", db_constraint=False, db_index=False
    )
    last_exposure_at = models.DateTimeField()
    quarantine_until = models.DateField(_("quarantine until"))
    state = models.CharField(_("state"), max_length=12, choices=FollowUpState.choices, default=FollowUpState.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["quarantine_until", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(state="active"), name="contacts_followup_one_active")
        ]
        indexes = [models.Index(fields=["ward", "state", "quarantine_until"], name="contacts_followup_due")]


class FollowUpCheck(models.Model):
    """One day's status of a person under follow-up."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="checks")
    day = models.DateField(_("day"))
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True)
    test_result = models.CharField(_("test result"), max_length=20, choices=TestResult.choices, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["follow_up", "day"], name="contacts_check_once_a_day")]


class Setting(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    WORKPLACE = "workplace", _("Workplace")
    SCHOOL = "school", _("School")
    HEALTHCARE = "healthcare", _("Health care")
    TRANSPORT = "transport", _("Transport")
    SOCIAL = "social", _("Social gathering")
    OTHER = "other", _("Other")


class ManualContact(models.Model):
    """A contact typed in by an investigation team, matched to a person (or creating one)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="manual_contacts")
    source_person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="manual_contacts_given")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="manual_contacts")
    contact_date = models.DateField(_("date of contact"))
    setting = models.CharField(_("setting"), max_length=12, choices=Setting.choices, default=Setting.OTHER)
    relation = models.CharField(_("relation"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "source_person", "person", "contact_date"], name="contacts_manual_once_a_day"
            )
        ]


# --- Proximity (the Bluetooth app) -----------------------------------------------------


def new_device_id() -> str:
    return secrets.token_hex(16)


class ProximityDevice(models.Model):
    device_id = models.CharField(max_length=32, unique=True, default=new_device_id, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="proximity_devices")
    created_at = models.DateTimeField(auto_now_add=True)


class UploadCode(models.Model):
    """A single-use code health staff give a person under tracing to upload their log.
    Only a hash is stored."""

    code_hash = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="upload_codes")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="upload_codes")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)


class ProximityContact(models.Model):
    """One encounter from an uploaded log: the uploader's phone saw ``other_device_id``."""

    device = models.ForeignKey(ProximityDevice, on_delete=models.CASCADE, related_name="contacts")
    other_device_id = models.CharField(max_length=32)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    min_distance_m = models.DecimalField(max_digits=5, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "other_device_id", "first_seen"], name="contacts_proximity_once"),
            models.CheckConstraint(condition=Q(last_seen__gte=models.F("first_seen")), name="contacts_seen_order"),
        ]
        indexes = [
            models.Index(fields=["device", "first_seen"], name="contacts_prox_device"),
            models.Index(fields=["other_device_id", "first_seen"], name="contacts_prox_other"),
            models.Index(fields=["first_seen"], name="contacts_prox_time"),
        ]


class MatchWindow(models.Model):
    """Scratch rows of one matching run: a source person's stay at a venue, widened by the
    margins. Written and read inside the run's transaction, then deleted."""

    run = models.CharField(max_length=32)
    source_person_id = models.BigIntegerField()
    source_checkin_id = models.BigIntegerField()
    venue_id = models.BigIntegerField()
    lo = models.DateTimeField()
    hi = models.DateTimeField()
    scan_from = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["run"], name="contacts_window_run")]
