from __future__ import annotations

from django.urls import path

from venues import views_assist, views_owner, views_reports

app_name = "venues"

urlpatterns = [
    # venue owners (and commune staff for the venues of their wards)
    path("", views_owner.venue_list, name="list"),
    path("new/", views_owner.venue_new, name="new"),
    path("owners/new/", views_owner.owner_new, name="owner_new"),
    path("<int:venue_id>/", views_owner.venue_detail, name="detail"),
    path("<int:venue_id>/active/", views_owner.venue_toggle, name="toggle"),
    path("<int:venue_id>/poster.<str:fmt>", views_owner.poster, name="poster"),
    path("<int:venue_id>/display/", views_owner.display, name="display"),
    # venue staff scanning a visitor's personal QR
    path("<int:venue_id>/assist/", views_assist.assist, name="assist"),
    path("<int:venue_id>/assist/checkin/", views_assist.assist_checkin, name="assist_checkin"),
    # health staff
    path("reports/", views_reports.reports, name="reports"),
    path("reports/export.<str:fmt>", views_reports.reports_export, name="reports_export"),
    path("<int:venue_id>/visitors/", views_reports.visitors, name="visitors"),
]
