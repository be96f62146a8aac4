from __future__ import annotations

from django.urls import path

from truyvet.geo import views

app_name = "geo"

urlpatterns = [
    path("", views.zones, name="zones"),
    path("<int:zone_id>/end/", views.zone_end, name="zone_end"),
]
