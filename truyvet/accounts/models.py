from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from truyvet.geo.models import Ward
from truyvet.lib.messages import Rendered, render


class Role(models.TextChoices):
    PROVINCE_CDC = "province_cdc", _("Province CDC")
    HEALTH_CENTRE = "health_centre", _("Health centre")
    COMMUNE_STATION = "commune_station", _("Commune health station")
    CHECKPOINT_STAFF = "checkpoint_staff", _("Checkpoint staff")
    VENUE_OWNER = "venue_owner", _("Venue owner")
    FACILITY_MANAGER = "facility_manager", _("Facility manager")
    VACCINATION_STAFF = "vaccination_staff", _("Vaccination site staff")
    BUS_OPERATOR = "bus_operator", _("Bus operator")
    # Staff of an agency that enters its part of the operations map (the military command,
    # the culture department, a laboratory, ...): their agencies say what (operations.Agency).
    AGENCY_STAFF = "agency_staff", _("Agency staff")
    ADMINISTRATOR = "administrator", _("Administrator")
    CITIZEN = "citizen", _("Citizen")


HEALTH_ROLES: frozenset[str] = frozenset({Role.PROVINCE_CDC, Role.HEALTH_CENTRE, Role.COMMUNE_STATION})
STAFF_ROLES: frozenset[str] = frozenset(set(Role) - {Role.CITIZEN})


class UnitKind(models.TextChoices):
    PROVINCE_CDC = "province_cdc", _("Province CDC")
    HEALTH_CENTRE = "health_centre", _("Health centre")
    COMMUNE_STATION = "commune_station", _("Commune health station")
    CHECKPOINT_TEAM = "checkpoint_team", _("Checkpoint team")
    VACCINATION_SITE = "vaccination_site", _("Vaccination site")


class HealthUnit(models.Model):
    """A unit whose staff share a jurisdiction: a set of wards (or the whole home province).

    Health centres cover groups of communes that need not follow any old district line.
    """

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    wards = models.ManyToManyField(Ward, blank=True, related_name="health_units", verbose_name=_("wards"))
    whole_province = models.BooleanField(
        _("whole province"), default=False, help_text=_("Covers every ward of the home province (the CDC).")
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children", verbose_name=_("parent")
    )
    phone = models.CharField(_("duty phone"), max_length=16, blank=True)
    email = models.EmailField(_("duty email"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("health unit")
        verbose_name_plural = _("health units")
        constraints = [models.UniqueConstraint(fields=["name"], name="accounts_unit_unique_name")]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    phone = models.CharField(_("phone"), max_length=16, null=True, blank=True)
    health_unit = models.ForeignKey(
        HealthUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="members", verbose_name=_("unit")
    )
    person = models.OneToOneField(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="account"
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=Q(phone__isnull=False), name="accounts_user_unique_phone"
            )
        ]

    def get_full_name(self) -> str:
        # Vietnamese order: family and middle names (last_name) before the given name.
        return f"{self.last_name} {self.first_name}".strip()


class LoginCode(models.Model):
    """A one-time code sent by SMS for a citizen's sign-in; only its hash is stored."""

    phone = models.CharField(max_length=16, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone", "-created_at"], name="accounts_logincode_recent")]


class AlertSeverity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    URGENT = "urgent", _("Urgent")


class Alert(models.Model):
    """Something staff on duty must look at, for one health unit; open until acknowledged.

    A big case's warnings write alerts by the hundred thousand from rows just read: the
    database does not re-check their unit, ward and person at commit (Django applies
    on_delete, PROTECT included), and the unique (unit, dedupe_key) index serves lookups by
    unit."""

    unit = models.ForeignKey(
        HealthUnit, on_delete=models.CASCADE, related_name="alerts", db_constraint=False, db_index=False
    )
    kind = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices, default=AlertSeverity.WARNING)
    # The words: a message code and its parameters (``truyvet.lib.messages``), rendered in
    # the reader's language; ``title`` and ``body`` keep them as written, and are all there
    # is for rows without a code.
    code = models.CharField(max_length=60, blank=True)
    params = models.JSONField(default=dict, blank=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts", db_constraint=False
    )
    dedupe_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["unit", "dedupe_key"], name="accounts_alert_once_per_unit")]
        indexes = [
            models.Index(
                fields=["unit", "-created_at"], condition=Q(acknowledged_at__isnull=True), name="accounts_alert_open"
            ),
            # The province dashboard's open alerts by unit and severity (selectors.open_alerts_by_unit):
            # an index-only scan instead of reading every open alert's row.
            models.Index(
                fields=["unit", "severity"],
                condition=Q(acknowledged_at__isnull=True),
                name="accounts_alert_open_severity",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def shown(self) -> Rendered:
        """Title and body in the active language: what a page shows."""
        return render(self.code, self.params, title=self.title, body=self.body)

    @property
    def link(self) -> str:
        """Where this one alert opens: its page (``url``, the page its alike alerts share),
        about its person when it names one (``?person=``), so that the page can open what
        the alerted unit may see of that person."""
        if not self.url or self.person_id is None or "?" in self.url:
            return self.url
        return f"{self.url}?person={self.person_id}"
