"""The admin, discovering every app's ``admin`` module except django-leaflet's.

django-leaflet's admin needs GeoDjango (GDAL); we store plain latitude/longitude and use
the package only for its map widget and vendored Leaflet, so its admin is skipped.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import SimpleAdminConfig
from django.http import HttpRequest
from django.utils.module_loading import module_has_submodule

SKIPPED = {"leaflet"}


class PortalAdminSite(AdminSite):
    """The admin, closed to a session that still owes its second factor (django-otp's
    OTPAdminSite does the same with its own login form; the portal's sign-in pages ask for
    the code, and ``TwoFactorGateMiddleware`` sends such a session there first)."""

    def has_permission(self, request: HttpRequest) -> bool:
        from truyvet.accounts import two_factor

        return super().has_permission(request) and not request.session.get(two_factor.STEP_SESSION_KEY)


class AdminConfig(SimpleAdminConfig):
    default_site = "truyvet.admin_config.PortalAdminSite"

    def ready(self) -> None:
        super().ready()
        for app_config in apps.get_app_configs():
            if app_config.label not in SKIPPED and module_has_submodule(app_config.module, "admin"):
                import_module(f"{app_config.name}.admin")
