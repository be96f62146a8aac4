from __future__ import annotations

from django.urls import URLPattern, URLResolver

from contacts import chain_views, proximity_views, staff_views

app_name = "contacts"

urlpatterns: list[URLPattern | URLResolver] = [
    *staff_views.urlpatterns,  # cases, exposures, manual contacts, follow-up (staff pages)
    *chain_views.urlpatterns,  # chains of transmission: graph and table
    *proximity_views.urlpatterns,  # upload codes issued by staff
]
