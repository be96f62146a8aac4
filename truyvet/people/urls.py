from __future__ import annotations

from django.urls import path

from truyvet.people import views

app_name = "people"

urlpatterns = [
    path("duplicates/", views.duplicates, name="duplicates"),
    path("merge/<int:first_id>/<int:second_id>/", views.merge, name="merge"),
]
