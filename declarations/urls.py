from __future__ import annotations

from django.urls import path

from declarations import views, views_staff

app_name = "declarations"

urlpatterns = [
    # citizens
    path("", views.start, name="start"),
    path("new/<str:kind>/", views.declare, name="declare"),
    path("done/<int:declaration_id>/", views.result, name="result"),
    path("card/<int:declaration_id>.<str:fmt>", views.card, name="card"),
    path("household/", views.household, name="household"),
    # staff
    path("staff/", views_staff.declaration_list, name="staff_list"),
    path("staff/export.<str:fmt>", views_staff.declaration_export, name="staff_export"),
    path("staff/stats/", views_staff.declaration_stats, name="staff_stats"),
    path("staff/<int:declaration_id>/", views_staff.declaration_detail, name="staff_detail"),
    path("staff/person/<int:person_id>/revoke-qr/", views_staff.qr_revoke_view, name="staff_qr_revoke"),
]
