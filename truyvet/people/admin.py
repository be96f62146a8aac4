from __future__ import annotations

from django.contrib import admin

from truyvet.people.models import Household, Person


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["full_name", "id_number", "passport_number", "date_of_birth", "ward"]
    search_fields = ["id_number", "passport_number", "name_key", "phone"]
    list_select_related = ["ward"]
    raw_id_fields = ["ward", "household"]
    readonly_fields = ["ref", "name_key", "created_at", "updated_at"]
    show_full_result_count = False


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["pk", "address", "ward"]
    raw_id_fields = ["ward"]
