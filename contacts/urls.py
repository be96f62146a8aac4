from __future__ import annotations

from django.urls import URLPattern, URLResolver

from contacts import chains, proximity_views, staff

app_name = "contacts"

urlpatterns: list[URLPattern | URLResolver] = [
    *staff.urlpatterns,  # cases, exposures, manual contacts, follow-up (staff pages)
    *chains.urlpatterns,  # chains of transmission: graph and table
    *proximity_views.urlpatterns,  # upload codes issued by staff
]
