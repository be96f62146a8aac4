from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from truyvet.accounts.models import Alert, HealthUnit, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "health_unit", "is_active"]
    list_filter = ["role", "is_active", "health_unit"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("truyvet", {"fields": ["role", "phone", "health_unit", "person"]}),
    ]
    raw_id_fields = ["person"]


@admin.register(HealthUnit)
class HealthUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "whole_province", "parent"]
    list_filter = ["kind"]
    filter_horizontal = ["wards"]
    search_fields = ["name"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "severity", "created_at", "acknowledged_at"]
    list_filter = ["severity", "kind"]
    raw_id_fields = ["person", "ward", "acknowledged_by"]
