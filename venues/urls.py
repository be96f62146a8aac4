from __future__ import annotations

from django.urls import path

from venues import assist, owner, reports

app_name = "venues"

urlpatterns = [
    # venue owners (and commune staff for the venues of their wards)
    path("", owner.venue_list, name="list"),
    path("new/", owner.venue_new, name="new"),
    path("owners/new/", owner.owner_new, name="owner_new"),
    path("<int:venue_id>/", owner.venue_detail, name="detail"),
    path("<int:venue_id>/active/", owner.venue_toggle, name="toggle"),
    path("<int:venue_id>/poster.<str:fmt>", owner.poster, name="poster"),
    path("<int:venue_id>/display/", owner.display, name="display"),
    # venue staff scanning a visitor's personal QR
    path("<int:venue_id>/assist/", assist.assist, name="assist"),
    path("<int:venue_id>/assist/checkin/", assist.assist_checkin, name="assist_checkin"),
    # health staff
    path("reports/", reports.reports, name="reports"),
    path("reports/export.<str:fmt>", reports.reports_export, name="reports_export"),
    path("<int:venue_id>/visitors/", reports.visitors, name="visitors"),
]
