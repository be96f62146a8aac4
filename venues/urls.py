from __future__ import annotations

from django.urls import path

from venues import assist_views, owner_views, report_views

app_name = "venues"

urlpatterns = [
    # venue owners (and commune staff for the venues of their wards)
    path("", owner_views.venue_list, name="list"),
    path("new/", owner_views.venue_new, name="new"),
    path("owners/new/", owner_views.owner_new, name="owner_new"),
    path("<int:venue_id>/", owner_views.venue_detail, name="detail"),
    path("<int:venue_id>/active/", owner_views.venue_toggle, name="toggle"),
    path("<int:venue_id>/poster.<str:fmt>", owner_views.poster, name="poster"),
    path("<int:venue_id>/display/", owner_views.display, name="display"),
    # venue staff scanning a visitor's personal QR
    path("<int:venue_id>/assist/", assist_views.assist, name="assist"),
    path("<int:venue_id>/assist/checkin/", assist_views.assist_checkin, name="assist_checkin"),
    # health staff
    path("reports/", report_views.reports, name="reports"),
    path("reports/export.<str:fmt>", report_views.reports_export, name="reports_export"),
    path("<int:venue_id>/visitors/", report_views.visitors, name="visitors"),
]
