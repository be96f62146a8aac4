from __future__ import annotations

from django.urls import path

from truyvet.people import staff

app_name = "people"

urlpatterns = [
    path("duplicates/", staff.duplicates, name="duplicates"),
    path("merge/<int:first_id>/<int:second_id>/", staff.merge, name="merge"),
]
