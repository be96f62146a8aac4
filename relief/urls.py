"""The relief pages, under /operations/ (truyvet/urls.py): the SOS map at ``sos/``, the
volunteer register at ``volunteers/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from relief import roster_views, staff_views, views, volunteer_views

app_name = "relief"

urlpatterns: list[URLPattern] = [
    # The SOS map: public
    path("sos/", views.sos_map, name="sos_map"),
    path("sos/new/", views.sos_new, name="sos_new"),
    path("sos/r/<str:ref>/", views.sos_follow, name="sos_follow"),
    # The SOS map: staff
    path("sos/staff/", staff_views.sos_list, name="staff_list"),
    path("sos/staff/export.<str:fmt>", staff_views.sos_export, name="staff_export"),
    path("sos/staff/<int:sos_id>/", staff_views.sos_detail, name="staff_detail"),
    path("sos/staff/<int:sos_id>/assign/", staff_views.sos_assign_view, name="staff_assign"),
    path("sos/staff/<int:sos_id>/step/", staff_views.sos_step_view, name="staff_step"),
    path("sos/staff/<int:sos_id>/duplicate/", staff_views.sos_duplicate_view, name="staff_duplicate"),
    path("sos/staff/<int:sos_id>/note/", staff_views.sos_note_view, name="staff_note"),
    # Volunteers: public sign-up, sign-in, their own pages
    path("volunteers/", volunteer_views.volunteer_signup, name="volunteer_signup"),
    path("volunteers/thanks/", volunteer_views.volunteer_thanks, name="volunteer_thanks"),
    path("volunteers/signin/", volunteer_views.volunteer_signin, name="volunteer_signin"),
    path("volunteers/signin/code/", volunteer_views.volunteer_code, name="volunteer_code"),
    path("volunteers/me/", volunteer_views.volunteer_home, name="volunteer_home"),
    path("volunteers/me/<int:sos_id>/", volunteer_views.volunteer_assignment, name="volunteer_assignment"),
    path("volunteers/me/withdraw/", volunteer_views.volunteer_withdraw_view, name="volunteer_withdraw"),
    # Volunteers: the staff register
    path("volunteers/staff/", roster_views.volunteer_list, name="roster"),
    path("volunteers/staff/export.<str:fmt>", roster_views.volunteer_export, name="roster_export"),
    path("volunteers/staff/<int:volunteer_id>/", roster_views.volunteer_detail, name="roster_detail"),
]
