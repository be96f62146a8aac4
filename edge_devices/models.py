"""Edge devices at checkpoints (thermal cameras, face kiosks) and what they send.

A device authenticates with ``Authorization: Device <key>``. The key is shown once, when
the device is registered or its key rotated; the table keeps its first characters (to find
the row) and a SHA-256 digest of the whole (to check it). A key has 256 random bits, so a
fast digest is enough: nothing is gained by a slow password hash, and every reading pays it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from checkpoints.models import Checkpoint, Passage
from truyvet.people.models import Person


class DeviceKind(models.TextChoices):
    THERMAL_CAMERA = "thermal_camera", _("Thermal camera")
    FACE_KIOSK = "face_kiosk", _("Face kiosk")


class Device(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=DeviceKind.choices)
    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="devices", verbose_name=_("checkpoint")
    )
    serial = models.CharField(_("serial number"), max_length=64)
    mac = models.CharField(_("MAC address"), max_length=17, blank=True)
    label = models.CharField(_("label"), max_length=100, blank=True)
    key_prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    key_rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["checkpoint_id", "kind", "serial"]
        verbose_name = _("edge device")
        verbose_name_plural = _("edge devices")
        constraints = [
            # One registration per physical device while it is in service.
            models.UniqueConstraint(
                fields=["kind", "serial"], condition=Q(revoked_at__isnull=True), name="edge_devices_serial_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Reading(models.Model):
    """One reading: a temperature at a time, maybe a snapshot, maybe the traveller's QR.

    The full snapshot (``image``) lives only until the worker has looked at it; what stays
    is the face count and, when there was a face, a small thumbnail of the largest, deleted
    after ``EDGE_THUMBNAIL_RETENTION_DAYS``.
    """

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="readings")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    client_id = models.UUIDField()
    captured_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    temperature_c = models.DecimalField(max_digits=3, decimal_places=1)
    fever = models.BooleanField(default=False)
    # A fever reading within EDGE_FEVER_GROUP_MINUTES of an earlier one at the same device
    # belongs to that one's alert (the same traveller standing in front of the camera).
    fever_group = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="repeats", db_constraint=False
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    passage = models.ForeignKey(
        Passage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    image = models.FileField(upload_to="edge/frames/", blank=True)
    thumbnail = models.FileField(upload_to="edge/faces/", blank=True)
    faces_detected = models.SmallIntegerField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, default="json")

    class Meta:
        ordering = ["-captured_at"]
        # A device's client_id is once per device in ReadingReceipt, not here: on PostgreSQL
        # the table is partitioned by day on captured_at, and a unique key of a partitioned
        # table must hold the partition key (docs/ARCHITECTURE.md, "Partitioned tables").
        constraints = [
            models.CheckConstraint(
                condition=Q(temperature_c__gte=30, temperature_c__lte=45), name="edge_devices_reading_plausible"
            ),
        ]
        indexes = [
            models.Index(fields=["checkpoint", "captured_at"], name="edge_devices_reading_cp_time"),
            models.Index(fields=["device", "captured_at"], condition=Q(fever=True), name="edge_devices_reading_fever"),
            models.Index(fields=["processed_at"], condition=~Q(thumbnail=""), name="edge_devices_reading_thumb"),
        ]

    @property
    def processed(self) -> bool:
        return self.processed_at is not None


class ReadingReceipt(models.Model):
    """One row per reading's ``(device, client_id)``: which reading it made, and when (the
    reading's partition key). Written in the same statement (or transaction) as the reading;
    its primary key is what makes a device's retry, even one sent after midnight, answer the
    first reading instead of writing a second. Not partitioned (the uniqueness must hold
    across days); the retention deletes it with the readings."""

    pk = models.CompositePrimaryKey("device_id", "client_id")
    # Indexed by the primary key, which starts with it.
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+", db_index=False)
    client_id = models.UUIDField()
    # Not a foreign key: the readings' table is partitioned, its (id) alone is not unique to
    # the database. Read the reading with both: Reading(pk=reading_id, captured_at=...).
    reading_id = models.BigIntegerField()
    captured_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["captured_at"], name="edge_devices_receipt_time")]

    def __str__(self) -> str:
        return f"{self.device_id}/{self.client_id}"
