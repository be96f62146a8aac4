from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext_lazy as _

from truyvet.views import coming_page

app_name = "edge_devices"

# Not built yet: its root says so plainly (the portal's shared "coming" page).
urlpatterns: list[URLPattern | URLResolver] = [
    path("", coming_page, {"title": _("Devices and sensors")}, name="index"),
]
