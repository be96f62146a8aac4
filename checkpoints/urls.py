from __future__ import annotations

from django.urls import URLPattern, URLResolver

from checkpoints import monitor_views, scanner_views, trip_views

app_name = "checkpoints"

# Each page module owns its routes: the scanner (tablets), bus trips (operators and the
# checkpoint's trip page), monitoring and management (leads and the CDC).
urlpatterns: list[URLPattern | URLResolver] = [
    *scanner_views.urlpatterns,
    *trip_views.urlpatterns,
    *monitor_views.urlpatterns,
]
