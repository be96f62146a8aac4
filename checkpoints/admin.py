"""Checkpoints in the admin: the checkpoints themselves (with their staff), duty shifts,
tablets and bus trips. Passages and trip passengers are personal health data and are not
listed here: staff read them on the audited pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import ManyToManyField
from django.forms import ModelMultipleChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from checkpoints.models import BusTrip, Checkpoint, DutyShift, Tablet
from truyvet.accounts.models import Role, User


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    list_display = ["name", "road", "border", "ward", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "road", "border"]
    list_select_related = ["ward"]
    autocomplete_fields = ["ward"]
    filter_horizontal = ["staff"]
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["name", "road", "border", "ward", "is_active"]}),
        (_("Location"), {"fields": ["latitude", "longitude"]}),
        (_("Staff"), {"fields": ["staff"]}),
        (None, {"fields": ["created_at"]}),
    ]

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField | None:
        if db_field.name == "staff":
            # Only checkpoint staff scan at a checkpoint; the list stays short.
            kwargs["queryset"] = User.objects.filter(role=Role.CHECKPOINT_STAFF).order_by("last_name", "first_name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = ["user", "checkpoint", "started_at", "ended_at"]
    list_filter = ["checkpoint"]
    list_select_related = ["user", "checkpoint"]
    raw_id_fields = ["user", "checkpoint"]
    date_hierarchy = "started_at"


@admin.register(Tablet)
class TabletAdmin(admin.ModelAdmin):
    list_display = ["device_id", "label", "checkpoint", "user", "last_seen_at", "last_sync_at", "pending"]
    list_filter = ["checkpoint"]
    list_select_related = ["checkpoint", "user"]
    search_fields = ["device_id", "label"]
    raw_id_fields = ["user", "checkpoint"]
    readonly_fields = ["device_id", "last_seen_at", "last_sync_at", "pending"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a tablet appears when it first syncs


@admin.register(BusTrip)
class BusTripAdmin(admin.ModelAdmin):
    list_display = ["code", "route", "operator_name", "vehicle_plate", "departure_at"]
    search_fields = ["code", "route", "vehicle_plate", "operator_name"]
    list_select_related = ["operator"]
    raw_id_fields = ["operator", "origin_ward", "destination_ward"]
    readonly_fields = ["code", "created_at"]
    date_hierarchy = "departure_at"
