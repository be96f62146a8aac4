"""The COVID-safe map: facilities, their checklists, their daily self-assessments and the
citizens' reports about them.

A facility (a school, a clinic, a market...) has managers (users of the ``facility_manager``
role; one may run several, several one) who assess it every day against the current
checklist of its type. A checklist is versioned: a CDC edit makes a new version and old
assessments keep the one they answered. A citizen's report goes to the moderation queue of
the commune station of the facility's ward; a verified report lowers the facility's status
until the manager's next passing assessment after the report is resolved.

The facility row carries its current status (``status``, ``score``, ``assessed_at``),
written by the services (``safetymap.status``), so the public map reads one table; whether
an assessment is too old ("not assessed") is decided when reading, from ``assessed_at``.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from truyvet.geo.models import Ward


class FacilityType(models.TextChoices):
    SCHOOL = "school", _("School")
    HEALTH = "health", _("Health facility")
    MARKET = "market", _("Market")
    SUPERMARKET = "supermarket", _("Supermarket")
    FACTORY = "factory", _("Factory or industrial park")
    OFFICE = "office", _("Office")
    TRANSPORT = "transport", _("Transport station")
    HOTEL = "hotel", _("Hotel or guest house")
    RESTAURANT = "restaurant", _("Restaurant")
    RELIGIOUS = "religious", _("Religious site")


class SafetyStatus(models.TextChoices):
    SAFE = "safe", _("Safe")
    AT_RISK = "at_risk", _("At risk")
    HIGH_RISK = "high_risk", _("High risk")
    UNSAFE = "unsafe", _("Unsafe")
    NOT_ASSESSED = "not_assessed", _("Not assessed")


# From the best to the worst: a verified report moves a status one step to the right.
STATUS_ORDER: tuple[str, ...] = (SafetyStatus.SAFE, SafetyStatus.AT_RISK, SafetyStatus.HIGH_RISK, SafetyStatus.UNSAFE)


class Facility(models.Model):
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, help_text="The name without accents, for search.")
    type = models.CharField(_("type"), max_length=20, choices=FacilityType.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("ward"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_facilities", verbose_name=_("managers")
    )
    venue = models.ForeignKey(
        "venues.Venue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilities",
        verbose_name=_("QR venue"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The current status, written by safetymap.status.facility_status_refresh.
    status = models.CharField(
        _("status"), max_length=20, choices=SafetyStatus.choices, default=SafetyStatus.NOT_ASSESSED
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    assessed_at = models.DateTimeField(_("last assessed"), null=True, blank=True)
    lowered = models.BooleanField(_("lowered by a report"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_key", "pk"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        indexes = [
            models.Index(fields=["ward", "type"], name="safetymap_facility_ward_type"),
            models.Index(fields=["type", "status"], name="safetymap_facility_type_st"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__gte=8, latitude__lte=24), name="safetymap_facility_latitude"),
            models.CheckConstraint(
                condition=Q(longitude__gte=102, longitude__lte=118), name="safetymap_facility_longitude"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100), name="safetymap_facility_score_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Checklist(models.Model):
    """One version of the checklist of a facility type. The newest version is the current
    one; an edit makes a new version, so assessments keep the questions they answered."""

    type = models.CharField(_("type"), max_length=20, choices=FacilityType.choices)
    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("what changed"), max_length=300, blank=True)

    class Meta:
        ordering = ["type", "-version"]
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        constraints = [models.UniqueConstraint(fields=["type", "version"], name="safetymap_checklist_version")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} v{self.version}"

    @property
    def total_points(self) -> int:
        return sum(c.points for c in self.criteria.all())


class Criterion(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(_("criterion (Vietnamese)"), max_length=300)
    text_en = models.CharField(_("criterion (English)"), max_length=300, blank=True)
    points = models.PositiveSmallIntegerField(_("points"))
    critical = models.BooleanField(_("critical"), default=False)

    class Meta:
        ordering = ["checklist", "position"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["checklist", "position"], name="safetymap_criterion_position"),
            models.CheckConstraint(condition=Q(points__gte=1, points__lte=100), name="safetymap_criterion_points"),
        ]

    def __str__(self) -> str:
        return self.text

    def label(self, language: str) -> str:
        return self.text_en if language.startswith("en") and self.text_en else self.text


class Assessment(models.Model):
    """A manager's self-assessment: the checklist version answered, the criteria failed,
    the score (percent of the points) and the status it gave."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="assessments")
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="assessments")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("assessed at"))
    failed = models.JSONField(_("criteria failed"), default=list, help_text="Ids of the criteria not met.")
    score = models.PositiveSmallIntegerField(_("score"))
    critical_failed = models.BooleanField(_("a critical criterion failed"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=SafetyStatus.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["facility", "-at"], name="safetymap_assessment_recent")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.at:%Y-%m-%d} {self.score}"


class ReportState(models.TextChoices):
    NEW = "new", _("Waiting for moderation")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Not confirmed")
    RESOLVED = "resolved", _("Resolved")


OPEN_REPORT_STATES: frozenset[str] = frozenset({ReportState.NEW, ReportState.VERIFIED})


def new_ref() -> str:
    """The reporter's follow link: 128 random bits, never the database id."""
    return secrets.token_urlsafe(16)


class Report(models.Model):
    """A citizen's report about a facility. Who sent it is never stored (the limits count
    the sender in the cache only); the follow link is the reporter's only key."""

    ref = models.CharField(max_length=32, unique=True, default=new_ref, editable=False)
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="reports")
    text = models.TextField(_("what is wrong"))
    photo = models.FileField(_("photo"), upload_to="safetymap/reports/%Y/%m/", blank=True)
    state = models.CharField(_("state"), max_length=20, choices=ReportState.choices, default=ReportState.NEW)
    created_at = models.DateTimeField(_("received at"))
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderation_note = models.CharField(_("moderator's note"), max_length=500, blank=True)
    answer = models.TextField(_("the facility's answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # When the manager's first passing assessment after the resolution came: the report no
    # longer lowers the status.
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("citizen report")
        verbose_name_plural = _("citizen reports")
        indexes = [
            models.Index(fields=["facility", "state"], name="safetymap_report_facility"),
            models.Index(fields=["state", "created_at"], name="safetymap_report_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state=ReportState.RESOLVED, resolved_at__isnull=False) | ~Q(state=ReportState.RESOLVED),
                name="safetymap_report_resolved_when",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def lowers_status(self) -> bool:
        return self.state in {ReportState.VERIFIED, ReportState.RESOLVED} and self.lifted_at is None
