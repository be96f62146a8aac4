"""The admin, discovering every app's ``admin`` module except django-leaflet's.

django-leaflet's admin needs GeoDjango (GDAL); we store plain latitude/longitude and use
the package only for its map widget and vendored Leaflet, so its admin is skipped.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.contrib.admin.apps import SimpleAdminConfig
from django.utils.module_loading import module_has_submodule

SKIPPED = {"leaflet"}


class AdminConfig(SimpleAdminConfig):
    def ready(self) -> None:
        super().ready()
        for app_config in apps.get_app_configs():
            if app_config.label not in SKIPPED and module_has_submodule(app_config.module, "admin"):
                import_module(f"{app_config.name}.admin")
