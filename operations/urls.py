from __future__ import annotations

from django.urls import path

from operations import home_views, staff_views, views

app_name = "operations"

urlpatterns = [
    path("", views.index, name="index"),
    path("directives/", views.directive_list, name="directives"),
    path("directives/<int:directive_id>.pdf", views.directive_pdf, name="directive_pdf"),
    path("staff/", staff_views.home, name="staff_home"),
    path("staff/directives/", staff_views.directives, name="staff_directives"),
    path("staff/directives/new/", staff_views.directive_edit, name="staff_directive_new"),
    path("staff/directives/<int:directive_id>/", staff_views.directive_edit, name="staff_directive_edit"),
    path("staff/lab-counts/", staff_views.lab_counts, name="staff_lab_counts"),
    path("staff/facilities/", staff_views.facilities, name="staff_facilities"),
    path("staff/facilities/new/", staff_views.facility_edit, name="staff_facility_new"),
    path("staff/facilities/<int:facility_id>/", staff_views.facility_edit, name="staff_facility_edit"),
    path("staff/facilities/<int:facility_id>/resources/", staff_views.facility_report, name="staff_facility_report"),
    path("staff/places/", staff_views.places, name="staff_places"),
    path("staff/places/new/", staff_views.place_edit, name="staff_place_new"),
    path("staff/places/<int:place_id>/", staff_views.place_edit, name="staff_place_edit"),
    path("staff/places/<int:place_id>/occupancy/", staff_views.place_occupancy, name="staff_place_occupancy"),
    path("staff/consultations/", staff_views.consultations, name="staff_consultations"),
    path("staff/consultations/new/", staff_views.consultation_edit, name="staff_consultation_new"),
    path("staff/consultations/<int:entry_id>/", staff_views.consultation_edit, name="staff_consultation_edit"),
    path("staff/reports/", staff_views.reports, name="staff_reports"),
    path("staff/reports/<int:report_id>.<str:fmt>", staff_views.report_file, name="staff_report_file"),
    *home_views.urlpatterns,  # the health staff's homes: a station's day, the province dashboard
]
