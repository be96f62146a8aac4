"""SOS help requests, what was done about each, and the volunteers who help.

A help request comes from the public (no account): its type, a pin, the ward, a phone and
what is needed. Staff of the ward take it through new → assigned → in progress → done (or
mark it a duplicate of another); every step is a row of ``HelpRequestEvent`` (who, when,
from and to which status, the note). The public map shows only the type, the status and
the pin rounded to about a kilometre (``relief.selectors.sos_map_features``).

A volunteer signs up on a public form with an explicit consent (its version and the very
words shown are stored), signs in later by an SMS code to the same phone, and sees the
requests assigned to them.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from truyvet.geo.models import Ward


class HelpKind(models.TextChoices):
    FOOD = "food", _("Food")
    MEDICINE = "medicine", _("Medicine")
    OXYGEN = "oxygen", _("Oxygen")
    MEDICAL = "medical", _("Medical care")
    RESCUE = "rescue", _("Rescue")
    OTHER = "other", _("Other help")


class HelpStatus(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DUPLICATE = "duplicate", _("Duplicate")


OPEN_STATUSES: frozenset[str] = frozenset({HelpStatus.NEW, HelpStatus.ASSIGNED, HelpStatus.IN_PROGRESS})
CLOSED_STATUSES: frozenset[str] = frozenset({HelpStatus.DONE, HelpStatus.DUPLICATE})


class Skill(models.TextChoices):
    FIRST_AID = "first_aid", _("First aid")
    HEALTH_WORKER = "health_worker", _("Doctor, nurse or pharmacist")
    CAR = "car", _("Driving a car")
    MOTORBIKE = "motorbike", _("Riding a motorbike")
    DELIVERY = "delivery", _("Carrying and delivering goods")
    COOKING = "cooking", _("Cooking")
    LANGUAGES = "languages", _("Ethnic minority or foreign languages")
    COUNSELLING = "counselling", _("Listening and counselling")
    RESCUE = "rescue", _("Rescue (swimming, climbing, boats)")
    TECH = "tech", _("Phones and computers")


class Availability(models.TextChoices):
    ANY_TIME = "any_time", _("Any time, day or night")
    DAYTIME = "daytime", _("Daytime")
    EVENINGS = "evenings", _("Evenings")
    WEEKENDS = "weekends", _("Weekends")


def new_ref() -> str:
    """The requester's follow link: 128 random bits, never the database id."""
    return secrets.token_urlsafe(16)


class Team(models.Model):
    """A response team (rescue, delivery, a commune's militia) that staff can send; the
    administrator keeps the list. A team with no ward serves the whole province."""

    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("duty phone"), max_length=16, blank=True)
    wards = models.ManyToManyField(Ward, blank=True, related_name="relief_teams", verbose_name=_("wards"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("response team")
        verbose_name_plural = _("response teams")
        constraints = [models.UniqueConstraint(fields=["name"], name="relief_team_unique_name")]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    full_name = models.CharField(_("full name"), max_length=100)
    name_key = models.CharField(max_length=100, db_index=True, help_text="The name without accents, for search.")
    phone = models.CharField(_("phone"), max_length=16)
    skills_other = models.CharField(_("other skills"), max_length=200, blank=True)
    wards = models.ManyToManyField(Ward, related_name="relief_volunteers", verbose_name=_("area"))
    availability = models.CharField(_("availability"), max_length=20, choices=Availability.choices)
    language = models.CharField(max_length=8, default="vi")
    consent_version = models.CharField(_("consent version"), max_length=20)
    consent_text = models.TextField(_("consent, as shown"))
    consented_at = models.DateTimeField(_("consented at"))
    is_active = models.BooleanField(_("active"), default=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    phone_confirmed_at = models.DateTimeField(
        _("phone confirmed at"), null=True, blank=True, help_text=_("When the volunteer first signed in by SMS code.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name_key", "pk"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=Q(is_active=True), name="relief_volunteer_active_phone")
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def skill_list(self) -> list[str]:
        """The skills' codes (from a prefetch of ``skills`` when there is one)."""
        return sorted(s.skill for s in self.skills.all())


class VolunteerSkill(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="skills")
    skill = models.CharField(max_length=20, choices=Skill.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["volunteer", "skill"], name="relief_volunteer_skill_once")]
        indexes = [models.Index(fields=["skill", "volunteer"], name="relief_skill_volunteer")]


class HelpRequest(models.Model):
    ref = models.CharField(max_length=32, unique=True, default=new_ref, editable=False)
    kind = models.CharField(_("type"), max_length=20, choices=HelpKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=HelpStatus.choices, default=HelpStatus.NEW)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="help_requests", verbose_name=_("ward"))
    phone = models.CharField(_("phone"), max_length=16)
    name = models.CharField(_("name"), max_length=100, blank=True)
    address = models.CharField(_("how to find the place"), max_length=300, blank=True)
    text = models.TextField(_("what is needed"))
    language = models.CharField(max_length=8, default="vi")
    volunteer = models.ForeignKey(
        Volunteer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
        verbose_name=_("volunteer"),
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments", verbose_name=_("team")
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField()
    taken_up_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        indexes = [
            models.Index(fields=["ward", "status", "-created_at"], name="relief_sos_ward_status"),
            models.Index(fields=["status", "status_changed_at"], name="relief_sos_status_changed"),
            models.Index(fields=["-created_at", "-id"], name="relief_sos_newest"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90), name="relief_sos_latitude"),
            models.CheckConstraint(condition=Q(longitude__gte=-180, longitude__lte=180), name="relief_sos_longitude"),
            models.CheckConstraint(
                condition=Q(status=HelpStatus.DUPLICATE, duplicate_of__isnull=False)
                | (~Q(status=HelpStatus.DUPLICATE) & Q(duplicate_of__isnull=True)),
                name="relief_sos_duplicate_has_original",
            ),
            models.CheckConstraint(condition=~Q(duplicate_of=F("pk")), name="relief_sos_not_duplicate_of_itself"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventAction(models.TextChoices):
    SUBMITTED = "submitted", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    STARTED = "started", _("Work started")
    DONE = "done", _("Done")
    DUPLICATE = "duplicate", _("Marked as a duplicate")
    UNASSIGNED = "unassigned", _("Volunteer withdrew")
    NOTE = "note", _("Note")


class HelpRequestEvent(models.Model):
    """One step of a help request: who, when, from and to which status, and the note."""

    sos = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=EventAction.choices)
    from_status = models.CharField(max_length=20, choices=HelpStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=HelpStatus.choices)
    volunteer = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    duplicate_of = models.ForeignKey(HelpRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("help request step")
        verbose_name_plural = _("help request steps")
