"""The contacts app's part of /api/v1/ (mounted by truyvet/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern

from contacts import api, proximity_api

urlpatterns: list[URLPattern] = [*api.urlpatterns, *proximity_api.urlpatterns]
