from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from truyvet.people.models import ChangeSource, Household, Person
from truyvet.people.normalize import search_key
from truyvet.people.services import HISTORY_FIELDS, person_history_write


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["full_name", "id_number", "passport_number", "date_of_birth", "ward"]
    search_fields = ["id_number", "passport_number", "name_key", "phone"]
    list_select_related = ["ward"]
    raw_id_fields = ["ward", "household"]
    readonly_fields = ["ref", "name_key", "created_at", "updated_at"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        """An edit here is a change of identity like any other: written to the history."""
        obj.name_key = search_key(obj.full_name)
        if change:
            before = Person.objects.get(pk=obj.pk)
            values = {key: getattr(obj, key) for key in HISTORY_FIELDS}
            person_history_write(person=before, values=values, changed_by=request.user, source=ChangeSource.ADMIN)
        super().save_model(request, obj, form, change)


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["pk", "address", "ward"]
    raw_id_fields = ["ward"]
