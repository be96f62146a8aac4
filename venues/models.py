from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from truyvet.geo.models import Ward
from truyvet.people.models import Person

# Codes avoid look-alike characters (0/O, 1/I/L) so a code read aloud or typed is right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8  # 31^8 ≈ 8.5e11: unguessable by enumeration through a rate-limited endpoint


def new_venue_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_display_secret() -> str:
    return secrets.token_urlsafe(24)


class Category(models.TextChoices):
    OFFICE = "office", _("Office")
    HOSPITAL = "hospital", _("Hospital or clinic")
    SCHOOL = "school", _("School")
    SUPERMARKET = "supermarket", _("Supermarket")
    MARKET = "market", _("Traditional market")
    LODGING = "lodging", _("Lodging")
    RESTAURANT = "restaurant", _("Restaurant or café")
    OTHER = "other", _("Other")


class Venue(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="venues"
    )
    code = models.CharField(max_length=12, unique=True, default=new_venue_code, editable=False)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    address = models.CharField(_("address"), max_length=300)
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="venues", verbose_name=_("ward"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Venues with a screen show a QR that changes every few minutes (display mode); with
    # this on, only such a fresh code checks in, so a photo of the code cannot be reused.
    require_fresh_code = models.BooleanField(_("only accept the rotating on-screen code"), default=False)
    display_secret = models.CharField(max_length=64, default=new_display_secret, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        indexes = [models.Index(fields=["ward", "category"], name="venues_ward_category")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=8, latitude__lte=24),
                name="venues_latitude_in_vietnam",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=102, longitude__lte=118),
                name="venues_longitude_in_vietnam",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CheckIn(models.Model):
    """One person's stay at one venue. ``ends_at`` is the check-out time, or, until the
    visitor checks out, the end of the category's usual stay (the automatic check-out).

    On PostgreSQL the table is range-partitioned by day on ``checked_in_at`` (migration
    0200; docs/ARCHITECTURE.md): its primary key there is ``(id, checked_in_at)``, which
    Django does not see (``id`` stays the model's primary key and look-ups by id work; one
    that also names ``checked_in_at`` reads one partition). A unique key must include the
    partition key, so ``client_id`` is kept once in ``CheckInReceipt`` instead.
    """

    # Indexed by venues_checkin_venue_cover, which starts with the venue.
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="checkins", db_index=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="checkins")
    # Unique through CheckInReceipt (a replay a day later must find the first stay).
    client_id = models.UUIDField()
    checked_in_at = models.DateTimeField()
    checked_out_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField()
    assisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        indexes = [
            # Covering: exposure matching reads who was there until when for a venue and a
            # time range from the index alone (an index-only scan, no heap page per stay).
            models.Index(
                fields=["venue", "checked_in_at"],
                include=["ends_at", "person", "id"],
                name="venues_checkin_venue_cover",
            ),
            models.Index(fields=["person", "checked_in_at"], name="venues_checkin_person_time"),
            models.Index(fields=["checked_in_at"], name="venues_checkin_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("checked_in_at")), name="venues_checkin_ends_after_start"
            )
        ]


class CheckInReceipt(models.Model):
    """One row per check-in ``client_id``: which stay it made, and when (the stay's
    partition key). Written in the same transaction as the stay; its primary key is what
    makes a replay, even one sent the next day, answer the first stay instead of writing a
    second. Not partitioned (the uniqueness must hold across days); the retention deletes
    it with the stays."""

    client_id = models.UUIDField(primary_key=True)
    # Not a foreign key: the check-in's table is partitioned, its (id) alone is not unique
    # to the database. Read the stay with both: CheckIn(pk=checkin_id, checked_in_at=...).
    checkin_id = models.BigIntegerField()
    checked_in_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["checked_in_at"], name="venues_receipt_time")]

    def __str__(self) -> str:
        return str(self.client_id)
