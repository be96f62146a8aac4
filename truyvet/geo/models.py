"""Administrative units (after the July 2025 reorganisation: provinces and wards only)
and outbreak zones."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from truyvet.geo.names import sort_name


class Province(models.Model):
    code = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=100)
    # The name without its type ("Thành phố"), folded: what lists sort by (``geo.names``).
    sort_name = models.CharField(max_length=100, default="", editable=False)
    codename = models.CharField(max_length=100)
    division_type = models.CharField(max_length=40)

    class Meta:
        ordering = ["sort_name", "name"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sort_name = sort_name(self.name)
        super().save(*args, **kwargs)


class Ward(models.Model):
    """A commune, ward or special zone (xã, phường, đặc khu), by its official code."""

    code = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=100)
    # The name without its type ("Xã", "Phường", "Đặc khu"), folded: what lists sort by (``geo.names``).
    sort_name = models.CharField(max_length=100, default="", editable=False)
    codename = models.CharField(max_length=100)
    division_type = models.CharField(max_length=40)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="wards")

    class Meta:
        ordering = ["sort_name", "name"]
        verbose_name = _("ward")
        verbose_name_plural = _("wards")
        indexes = [
            models.Index(fields=["province", "name"], name="geo_ward_province_name"),
            models.Index(fields=["province", "sort_name"], name="geo_ward_province_sort"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sort_name = sort_name(self.name)
        super().save(*args, **kwargs)


class ZoneLevel(models.IntegerChoices):
    """The four levels of Resolution 128/NQ-CP (2021)."""

    LOW = 1, _("Level 1: low risk (green)")
    MEDIUM = 2, _("Level 2: medium risk (yellow)")
    HIGH = 3, _("Level 3: high risk (orange)")
    VERY_HIGH = 4, _("Level 4: very high risk (red)")


class OutbreakZone(models.Model):
    """A set of wards, or a whole province outside ours, declared an outbreak zone."""

    name = models.CharField(_("name"), max_length=200)
    level = models.PositiveSmallIntegerField(_("level"), choices=ZoneLevel.choices, default=ZoneLevel.HIGH)
    wards = models.ManyToManyField(Ward, blank=True, related_name="outbreak_zones", verbose_name=_("wards"))
    whole_province = models.ForeignKey(
        Province,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outbreak_zones",
        verbose_name=_("whole province"),
        help_text=_("Mark a whole province (usually one outside ours) as a zone."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("outbreak zone")
        verbose_name_plural = _("outbreak zones")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="geo_zone_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="geo_zone_period")]

    def __str__(self) -> str:
        return self.name
