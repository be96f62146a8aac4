from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "edge_devices"

urlpatterns: list[URLPattern | URLResolver] = []
