"""The relief app's part of /api/v1/ (mounted by truyvet/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from relief.api import SosMapView

urlpatterns: list[URLPattern] = [
    path("relief/sos.geojson", SosMapView.as_view(), name="relief-sos-geojson"),
]
