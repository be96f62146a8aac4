from __future__ import annotations

from django.contrib import admin

from truyvet.geo.models import OutbreakZone, Province, Ward


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type"]
    search_fields = ["name", "codename"]


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province", "division_type"]
    list_filter = ["province"]
    search_fields = ["name", "codename"]
    list_select_related = ["province"]


@admin.register(OutbreakZone)
class OutbreakZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "whole_province", "starts_at", "ends_at"]
    autocomplete_fields = ["wards"]
    list_select_related = ["whole_province"]
