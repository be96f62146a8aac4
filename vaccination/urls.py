from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from vaccination import (
    certificate_views,
    coverage_views,
    offline_views,
    reaction_views,
    registration_views,
    site_views,
    views,
    waitlist_views,
)

app_name = "vaccination"

urlpatterns: list[URLPattern | URLResolver] = [
    path("verify/", views.verify_page, name="verify"),
    path("me/", views.my_certificates, name="mine"),
    *site_views.urlpatterns,
    *offline_views.urlpatterns,
    *waitlist_views.urlpatterns,
    *registration_views.urlpatterns,
    *reaction_views.urlpatterns,
    *coverage_views.urlpatterns,
    *certificate_views.urlpatterns,
]
