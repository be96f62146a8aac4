"""Registrations for a campaign and the appointments they lead to (imported by ``models``).

- ``Employer``: a business account. The CDC or an administrator creates it in the admin
  (name, tax code, ward) and names its representatives: existing portal users (a venue
  owner, a facility manager, a citizen signed in by phone). A representative uploads the
  employees' file for a campaign; nothing else of the portal opens to them.
- ``Registration``: a person registered for a campaign (one per person and campaign), by
  themselves or their household (``citizen``) or by an employer (``employer``), with the
  priority group, the preferred site and day.
- ``EmployeeUpload``: each file an employer uploaded, what it added, and the row-by-row
  report of a refused file (downloadable as CSV).
- ``SessionSlot``: the counter of booked appointments of a site's morning or afternoon;
  booking locks its row, so two people never take the last place.
- ``Appointment``: a registered person at a site on a day and session, for a dose number;
  one booked appointment per person at a time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from truyvet.geo.models import Ward
from truyvet.people.models import Person
from vaccination.models import Campaign, PriorityGroup, Session, Site


class Employer(models.Model):
    name = models.CharField(_("name"), max_length=200)
    tax_code = models.CharField(_("tax code"), max_length=14, unique=True)
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="+", verbose_name=_("ward"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    representatives = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="vaccination_employers", verbose_name=_("representatives")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("employer")
        verbose_name_plural = _("employers")

    def __str__(self) -> str:
        return self.name


class RegistrationSource(models.TextChoices):
    CITIZEN = "citizen", _("The citizen or their household")
    EMPLOYER = "employer", _("Their employer")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", pgettext_lazy("vaccination registration", "Registered")
    CANCELLED = "cancelled", _("Cancelled")


class EmployeeUpload(models.Model):
    """One uploaded file of employees: ``added`` new registrations, ``already`` rows of
    people registered before (a file uploaded again adds nothing), ``refused`` rows and
    their ``report`` (CSV) when the file was refused."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="uploads")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    already = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    report = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("employee file")
        verbose_name_plural = _("employee files")


class Registration(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="registrations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    priority_group = models.ForeignKey(
        PriorityGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("priority group"),
    )
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("preferred site")
    )
    preferred_on = models.DateField(_("preferred day"), null=True, blank=True)
    source = models.CharField(max_length=10, choices=RegistrationSource.choices)
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.SET_NULL, related_name="registrations"
    )
    upload = models.ForeignKey(EmployeeUpload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.REGISTERED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="vacc_registration_campaign_person"),
        ]
        indexes = [
            # An employer's list of its employees for a campaign.
            models.Index(fields=["employer", "campaign"], name="vacc_registration_employer"),
        ]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.campaign_id}"


class SessionSlot(models.Model):
    """How many appointments a site's session of a day holds; its row is the lock."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    session = models.CharField(max_length=10, choices=Session.choices)
    booked = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "day", "session"], name="vacc_slot_site_day_session"),
        ]


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    # Its day has passed and the person booked their next one (the doses say who came).
    DONE = "done", _("Done")


class Appointment(models.Model):
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="appointments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("site"))
    day = models.DateField(_("day"))
    session = models.CharField(_("session"), max_length=10, choices=Session.choices)
    dose_number = models.PositiveSmallIntegerField(_("dose number"), default=1)
    status = models.CharField(max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day", "session", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="booked"), name="vacc_appointment_one_booked"
            ),
        ]
        indexes = [
            # The site's day list.
            models.Index(fields=["site", "day"], name="vacc_appointment_site_day"),
            # The reminders of tomorrow's booked appointments not yet reminded.
            models.Index(
                fields=["day"],
                condition=Q(status="booked", reminded_at__isnull=True),
                name="vacc_appointment_to_remind",
            ),
        ]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")

    def __str__(self) -> str:
        return f"{self.person_id} {self.day} {self.session}"


class WaitStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    BOOKED = "booked", _("Booked from the waiting list")
    LEFT = "left", _("Left the list")
    # Booked from another of the person's lists, or the registration was withdrawn.
    ENDED = "ended", _("Ended")


class WaitlistEntry(models.Model):
    """A registered person waiting for a place at a site on any day from ``first_day`` to
    ``last_day`` (one day, or "any day in the next N days"). When a place of the site frees
    on one of those days, the first person waiting (by ``created_at``) whom the day fits is
    booked into it (``vaccination.waitlist``). A person waits at most once per site and day."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="waits")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", verbose_name=_("site"))
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    status = models.CharField(max_length=10, choices=WaitStatus.choices, default=WaitStatus.WAITING)
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    joined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="vacc_wait_days"),
            # The same wait twice (the service also refuses overlapping days, under the person's lock).
            models.UniqueConstraint(
                fields=["person", "site", "first_day"], condition=Q(status="waiting"), name="vacc_wait_once"
            ),
        ]
        indexes = [
            # A freed place's offer: the site's people still waiting, in the order they joined.
            models.Index(fields=["site", "created_at"], condition=Q(status="waiting"), name="vacc_wait_site_queue"),
        ]
        verbose_name = _("waiting list entry")
        verbose_name_plural = _("waiting list entries")

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.site_id} {self.first_day}..{self.last_day}"
