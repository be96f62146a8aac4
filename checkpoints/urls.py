from __future__ import annotations

from django.urls import URLPattern, URLResolver

from checkpoints.views import manage, monitor, scanner, trips

app_name = "checkpoints"

# Each page module owns its routes: the scanner (tablets), bus trips (operators and the
# checkpoint's trip page), monitoring (leads and the CDC) and managing checkpoints.
urlpatterns: list[URLPattern | URLResolver] = [
    *scanner.urlpatterns,
    *trips.urlpatterns,
    *monitor.urlpatterns,
    *manage.urlpatterns,
]
