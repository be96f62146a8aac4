"""The safety map's part of /api/v1/ (mounted by truyvet/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from safetymap.api import FacilitiesGeoJsonView, ReportCreateView

urlpatterns: list[URLPattern] = [
    path("safetymap/facilities.geojson", FacilitiesGeoJsonView.as_view(), name="safetymap-facilities"),
    path("safetymap/reports/", ReportCreateView.as_view(), name="safetymap-reports"),
]
