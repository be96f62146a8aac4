"""Checkpoints (chốt kiểm dịch), the passages recorded at them, and bus trips.

A passage is one traveller crossing one checkpoint. Tablets send passages in batches;
each batch item carries a ``client_id`` (a UUID made on the tablet) and yields one
passage (a personal QR, a typed id) or one per passenger (a bus trip code). The item's
passages share that ``client_id`` and are numbered by ``seq``; each has a receipt keyed by
``(client_id, seq)`` (``PassageReceipt``), so a replayed item is recognised and nothing is
written twice, even a day later (passages are partitioned by day on PostgreSQL).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from truyvet.geo.models import Ward
from truyvet.people.models import Person

# Codes avoid look-alike characters (0/O, 1/I/L) so a code read aloud or typed is right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRIP_CODE_PREFIX = "TRIP-"


def new_trip_code() -> str:
    return TRIP_CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


class Direction(models.TextChoices):
    IN = "in", _("Entering")
    OUT = "out", _("Leaving")


class Verdict(models.TextChoices):
    ALLOW = "allow", _("Allow")
    DECLARE = "declare", _("Declare first")
    REFER = "refer", _("To the health desk")
    DENY = "deny", _("Deny")


FLAGGED_VERDICTS: frozenset[str] = frozenset({Verdict.REFER, Verdict.DENY})


class VehicleType(models.TextChoices):
    ON_FOOT = "on_foot", _("On foot")
    MOTORBIKE = "motorbike", _("Motorbike")
    CAR = "car", _("Car")
    TRUCK = "truck", _("Truck")
    BUS = "bus", _("Bus or coach")
    OTHER = "other", _("Other")


class Checkpoint(models.Model):
    name = models.CharField(_("name"), max_length=200)
    road = models.CharField(_("road"), max_length=200, blank=True)
    border = models.CharField(
        _("border guarded"), max_length=200, blank=True, help_text=_("For example: the border with Hà Nội.")
    )
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="checkpoints", verbose_name=_("ward"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="checkpoints", verbose_name=_("staff")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=8, latitude__lte=24),
                name="checkpoints_latitude_in_vietnam",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=102, longitude__lte=118),
                name="checkpoints_longitude_in_vietnam",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DutyShift(models.Model):
    """A staff member on duty at a checkpoint, from the start of the shift to its end."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="shifts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty_shifts")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(ended_at__isnull=True), name="checkpoints_one_open_shift_per_user"
            )
        ]
        indexes = [models.Index(fields=["checkpoint", "-started_at"], name="checkpoints_shift_recent")]


class BusTrip(models.Model):
    """A coach trip registered by its operator: one code lists every passenger."""

    code = models.CharField(max_length=16, unique=True, default=new_trip_code, editable=False)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="bus_trips"
    )
    operator_name = models.CharField(_("bus company"), max_length=200, blank=True)
    route = models.CharField(_("route"), max_length=200)
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=20)
    departure_at = models.DateTimeField(_("departure"))
    origin_ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("origin")
    )
    destination_ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("destination")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-departure_at"]
        verbose_name = _("bus trip")
        verbose_name_plural = _("bus trips")
        indexes = [models.Index(fields=["operator", "-departure_at"], name="checkpoints_trip_operator")]

    def __str__(self) -> str:
        return f"{self.code} {self.route}"


class TripPassenger(models.Model):
    """One passenger of a trip: a known person (from their personal QR or id number), or,
    until they declare, only the name and id the operator typed."""

    trip = models.ForeignKey(BusTrip, on_delete=models.CASCADE, related_name="passengers")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    full_name = models.CharField(_("full name"), max_length=200)
    id_number = models.CharField(_("id or passport number"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    seat = models.CharField(_("seat"), max_length=10, blank=True)
    destination_ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("destination")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trip", "person"], condition=Q(person__isnull=False), name="checkpoints_passenger_once"
            ),
            models.UniqueConstraint(
                fields=["trip", "id_number"], condition=~Q(id_number=""), name="checkpoints_passenger_id_once"
            ),
        ]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def passage_url(passage_id: int, scanned_at: datetime) -> str:
    """A passage's page, its time in the link (``?at=``, microseconds since 1970, exact) so
    that the page reads the one day's partition that holds it."""
    return f"{reverse('checkpoints:passage', args=[passage_id])}?at={(scanned_at - _EPOCH) // _MICROSECOND}"


def passage_time_from_link(value: str | None) -> datetime | None:
    """The time ``passage_url`` put in a link, or None when there is none (or not one of ours)."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 17:
        return None
    return _EPOCH + int(value) * _MICROSECOND


class Passage(models.Model):
    """One traveller crossing a checkpoint, as the tablet recorded it.

    An append-only log written 500 rows at a time: its foreign keys are not enforced by the
    database (Django still applies on_delete), because each row's checks locked the
    referenced person, checkpoint and ward rows and were a third of the insert. The service
    writes only references it has just read or validated.
    """

    client_id = models.UUIDField()
    seq = models.PositiveSmallIntegerField(default=0)
    # The batch item's digest, which tells a replay from a reused client_id, is kept by the
    # receipt alone: a replay reads the receipts, never the passages.
    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="passages", db_index=False, db_constraint=False
    )
    # Indexed by checkpoints_passage_person, which starts with the person.
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="passages",
        db_index=False,
        db_constraint=False,
    )
    # What staff typed when there was no code (an id number or phone), kept for the record.
    identifier = models.CharField(max_length=20, blank=True)
    trip = models.ForeignKey(
        BusTrip,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="passages",
        db_index=False,
        db_constraint=False,
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    vehicle_plate = models.CharField(max_length=20, blank=True)
    vehicle_type = models.CharField(max_length=10, choices=VehicleType.choices, blank=True)
    origin_ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    destination_ward = models.ForeignKey(
        Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    temperature = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    verdict = models.CharField(max_length=7, choices=Verdict.choices)
    risk_level = models.CharField(max_length=6, blank=True)
    f_level = models.SmallIntegerField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    scanned_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    tablet_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scanned_at"]
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        # (client_id, seq) is unique through PassageReceipt: on PostgreSQL the table is
        # range-partitioned by day on scanned_at, and a unique key there must contain it.
        constraints = [
            models.CheckConstraint(
                condition=Q(temperature__isnull=True) | Q(temperature__gte=30, temperature__lte=45),
                name="checkpoints_passage_temperature_plausible",
            ),
        ]
        indexes = [
            models.Index(fields=["checkpoint", "scanned_at"], name="checkpoints_passage_cp_time"),
            models.Index(fields=["person", "scanned_at"], name="checkpoints_passage_person"),
            models.Index(fields=["scanned_at"], name="checkpoints_passage_time"),
            models.Index(fields=["trip"], condition=Q(trip__isnull=False), name="checkpoints_passage_trip"),
            models.Index(
                fields=["scanned_at"],
                condition=Q(verdict__in=["refer", "deny"]),
                name="checkpoints_passage_flagged",
            ),
        ]

    def get_absolute_url(self) -> str:
        return passage_url(self.pk, self.scanned_at)


class PassageReceipt(models.Model):
    """One row per passage, keyed by what the tablet sent: ``(client_id, seq)``. It holds
    what a replay of the batch item is answered with (the passage, its time, the item's
    fingerprint, the verdict and risk level), so a replay reads this small table alone,
    one index probe per item, whatever day the passage is in. Written by the statement (or
    transaction) that writes the passages: of two racing batches the second one's receipts
    conflict and its passages are rolled back. Not partitioned (the uniqueness must hold
    across days); the retention deletes it with the passages."""

    pk = models.CompositePrimaryKey("client_id", "seq")
    client_id = models.UUIDField()
    seq = models.PositiveSmallIntegerField()
    # Not a foreign key: the passages' table is partitioned, its (id) alone is not unique
    # to the database. Read the passage with both: Passage(pk=passage_id, scanned_at=...).
    passage_id = models.BigIntegerField()
    scanned_at = models.DateTimeField()
    fingerprint = models.CharField(max_length=32)
    verdict = models.CharField(max_length=7, choices=Verdict.choices)
    risk_level = models.CharField(max_length=6, blank=True)

    class Meta:
        indexes = [models.Index(fields=["scanned_at"], name="checkpoints_receipt_time")]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.seq}"


class Tablet(models.Model):
    """A scanning tablet, known by the random id it keeps in its storage: when it last
    reached the server and how many passages it said were still waiting."""

    device_id = models.CharField(max_length=64, unique=True)
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="tablets")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    label = models.CharField(max_length=100, blank=True)
    last_seen_at = models.DateTimeField()
    last_sync_at = models.DateTimeField(null=True, blank=True)
    pending = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["checkpoint", "-last_seen_at"]
