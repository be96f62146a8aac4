from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from vaccination import reaction_views, site_views, views

app_name = "vaccination"

urlpatterns: list[URLPattern | URLResolver] = [
    path("verify/", views.verify_page, name="verify"),
    path("me/", views.my_certificates, name="mine"),
    *site_views.urlpatterns,
    *reaction_views.urlpatterns,
]
