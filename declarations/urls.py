from __future__ import annotations

from django.urls import path

from declarations import staff_views, views

app_name = "declarations"

urlpatterns = [
    # citizens
    path("", views.start, name="start"),
    path("new/<str:kind>/", views.declare, name="declare"),
    path("done/<int:declaration_id>/", views.result, name="result"),
    path("card/<int:declaration_id>.<str:fmt>", views.card, name="card"),
    path("household/", views.household, name="household"),
    # staff
    path("staff/", staff_views.declaration_list, name="staff_list"),
    path("staff/export.<str:fmt>", staff_views.declaration_export, name="staff_export"),
    path("staff/stats/", staff_views.declaration_stats, name="staff_stats"),
    path("staff/mismatches/", staff_views.identity_mismatches, name="staff_mismatches"),
    path("staff/<int:declaration_id>/", staff_views.declaration_detail, name="staff_detail"),
    path("staff/person/<int:person_id>/revoke-qr/", staff_views.revoke_qr, name="staff_qr_revoke"),
]
