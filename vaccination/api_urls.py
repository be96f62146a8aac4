"""The vaccination API's routes, mounted under /api/v1/ by truyvet/urls.py."""

from __future__ import annotations

from django.urls import path

from vaccination import api, reaction_api, registration_api

urlpatterns = [
    path("vaccination/sites/", api.SiteListView.as_view(), name="vaccination-sites"),
    path("vaccination/doses/", api.DoseCreateView.as_view(), name="vaccination-doses"),
    path("vaccination/sites/<int:site_id>/doses/", api.DoseBatchView.as_view(), name="vaccination-site-doses"),
    path("vaccination/certificates/<int:person_id>/", api.CertificateView.as_view(), name="vaccination-certificate"),
    path("vaccination/dsc/", api.DscView.as_view(), name="vaccination-dsc"),
    path("vaccination/trustlist/", api.TrustListView.as_view(), name="vaccination-trustlist"),
    path("vaccination/verify/", api.VerifyView.as_view(), name="vaccination-verify"),
    path(
        "vaccination/employers/<int:employer_id>/employees/",
        registration_api.EmployeeUploadView.as_view(),
        name="vaccination-employees-upload",
    ),
    path(
        "vaccination/sites/<int:site_id>/appointments/",
        registration_api.SiteAppointmentsView.as_view(),
        name="vaccination-site-appointments",
    ),
    path("vaccination/reactions/", reaction_api.ReactionCreateView.as_view(), name="vaccination-reactions"),
    path("vaccination/coverage/", reaction_api.CoverageView.as_view(), name="vaccination-coverage"),
]
