"""The administrator keeps the list of response teams that staff can send. Help requests
and volunteers are handled on the staff pages, where every change is audit-logged."""

from __future__ import annotations

from django.contrib import admin

from relief.models import Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    filter_horizontal = ["wards"]
