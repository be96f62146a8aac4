from __future__ import annotations

from django.urls import path

from declarations import staff, views

app_name = "declarations"

urlpatterns = [
    # citizens
    path("", views.start, name="start"),
    path("new/<str:kind>/", views.declare, name="declare"),
    path("done/<int:declaration_id>/", views.result, name="result"),
    path("card/<int:declaration_id>.<str:fmt>", views.card, name="card"),
    path("household/", views.household, name="household"),
    # staff
    path("staff/", staff.declaration_list, name="staff_list"),
    path("staff/export.<str:fmt>", staff.declaration_export, name="staff_export"),
    path("staff/stats/", staff.declaration_stats, name="staff_stats"),
    path("staff/mismatches/", staff.identity_mismatches, name="staff_mismatches"),
    path("staff/<int:declaration_id>/", staff.declaration_detail, name="staff_detail"),
    path("staff/person/<int:person_id>/revoke-qr/", staff.revoke_qr, name="staff_qr_revoke"),
]
