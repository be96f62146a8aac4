"""The administrator keeps the sites (with their staff and stock), the priority groups and
the campaigns. Doses are recorded on the site's pages and through the API, audit-logged;
document signers are made by ``manage.py vaccination_signer``."""

from __future__ import annotations

from django.contrib import admin

from vaccination.models import (
    Campaign,
    CampaignProduct,
    PriorityGroup,
    PriorityMembership,
    Site,
    StockLot,
    TargetPopulation,
)
from vaccination.registration_models import Appointment, Employer, Registration, WaitlistEntry


class StockLotInline(admin.TabularInline):
    model = StockLot
    extra = 0


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "ward", "capacity_morning", "capacity_afternoon", "active"]
    list_filter = ["active"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["ward"]
    filter_horizontal = ["staff"]
    inlines = [StockLotInline]


@admin.register(PriorityGroup)
class PriorityGroupAdmin(admin.ModelAdmin):
    list_display = ["order", "name", "code", "active"]
    list_editable = ["active"]
    ordering = ["order"]


class CampaignProductInline(admin.TabularInline):
    model = CampaignProduct
    extra = 1


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on"]
    filter_horizontal = ["wards", "priority_groups"]
    inlines = [CampaignProductInline]


# --- Registrations and appointments ---------------------------------------------------------


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["name", "tax_code", "ward", "active"]
    search_fields = ["name", "tax_code"]
    filter_horizontal = ["representatives"]
    raw_id_fields = ["ward"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["person", "campaign", "source", "employer", "status", "created_at"]
    list_filter = ["campaign", "source", "status"]
    raw_id_fields = ["person", "site", "employer", "upload", "registered_by"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["person", "site", "day", "session", "dose_number", "status", "reminded_at"]
    list_filter = ["status", "session", "site"]
    date_hierarchy = "day"
    raw_id_fields = ["person", "registration", "site"]


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ["person", "site", "first_day", "last_day", "status", "created_at", "appointment"]
    list_filter = ["status", "site"]
    date_hierarchy = "first_day"
    raw_id_fields = ["person", "registration", "site", "appointment", "joined_by"]


# Coverage: the wards' target populations and the members of the priority groups.
@admin.register(TargetPopulation)
class TargetPopulationAdmin(admin.ModelAdmin):
    list_display = ["ward", "population", "note", "updated_at"]
    autocomplete_fields = ["ward"]


@admin.register(PriorityMembership)
class PriorityMembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "group", "created_at"]
    list_filter = ["group"]
    raw_id_fields = ["person"]
