"""The operations map in the admin: agencies and their members (who enters what), ward
profiles (population and map point). Figures are entered on the staff pages, where each
change is audited."""

from __future__ import annotations

from django.contrib import admin

from operations.models import Agency, DailyReport, WardProfile


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "phone"]
    list_filter = ["kind"]
    search_fields = ["name"]
    filter_horizontal = ["members"]


@admin.register(WardProfile)
class WardProfileAdmin(admin.ModelAdmin):
    list_display = ["ward", "population", "population_year", "latitude", "longitude"]
    search_fields = ["ward__name"]
    autocomplete_fields = ["ward"]
    list_select_related = ["ward"]


@admin.register(DailyReport)
class DailyReportAdmin(admin.ModelAdmin):
    list_display = ["day", "generated_at", "sent_at"]
    readonly_fields = ["day", "pdf", "xlsx", "generated_at", "sent_at", "recipients"]
