"""The safety map's pages, under /safetymap/ (truyvet/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from safetymap import manager_views, staff_views, views

app_name = "safetymap"

urlpatterns: list[URLPattern | URLResolver] = [
    # Public
    path("", views.public_map, name="map"),
    path("report/<int:facility_id>/", views.report_new, name="report"),
    path("r/<str:ref>/", views.report_follow, name="follow"),
    # Facility managers
    path("mine/", manager_views.my_facilities, name="my_facilities"),
    path("mine/<int:facility_id>/assess/", manager_views.assess, name="assess"),
    path("mine/<int:facility_id>/reports/", manager_views.facility_reports, name="manager_reports"),
    path("mine/reports/<int:report_id>/answer/", manager_views.answer, name="answer"),
    # Staff
    path("facilities/", staff_views.facility_list, name="facilities"),
    path("facilities/new/", staff_views.facility_new, name="facility_new"),
    path("facilities/import/", staff_views.facility_import, name="facility_import"),
    path("facilities/import/template.<str:fmt>", staff_views.import_template, name="import_template"),
    path("facilities/<int:facility_id>/", staff_views.history, name="history"),
    path("facilities/<int:facility_id>/edit/", staff_views.facility_edit, name="facility_edit"),
    path("moderation/", staff_views.moderation_queue, name="moderation"),
    path("moderation/<int:report_id>/", staff_views.report_detail, name="report_detail"),
    path("moderation/<int:report_id>/step/", staff_views.report_step, name="report_step"),
    path("moderation/<int:report_id>/photo/", staff_views.report_photo, name="report_photo"),
    path("statistics/", staff_views.statistics, name="statistics"),
    path("statistics/export.<str:fmt>", staff_views.statistics_export, name="statistics_export"),
    path("checklists/", staff_views.checklists, name="checklists"),
    path("checklists/<str:type>/", staff_views.checklist_edit_view, name="checklist_edit"),
]
