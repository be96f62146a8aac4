from __future__ import annotations

from django.urls import URLPattern, URLResolver

from edge_devices import views

app_name = "edge_devices"

urlpatterns: list[URLPattern | URLResolver] = [*views.urlpatterns]
