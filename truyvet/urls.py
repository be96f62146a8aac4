from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from checkpoints import api_urls as checkpoint_api_urls
from contacts import api_urls as contact_api_urls
from declarations.api import DeclarationCreateView, QrVerifyView
from edge_devices import api_urls as edge_device_api_urls
from ioc import api_urls as ioc_api_urls
from relief import api_urls as relief_api_urls
from safetymap import api_urls as safetymap_api_urls
from truyvet import views
from truyvet.geo.api import ProvinceListView, WardListView
from truyvet.lib.api import KeysView
from vaccination import api_urls as vaccination_api_urls
from venues import views as venue_views
from venues.api import CheckInCreateView, CheckOutView, VenueCreateView
from venues.poster_api import VenuePosterPdfView, VenuePosterPngView

api_v1 = [
    path("keys/", KeysView.as_view(), name="keys"),
    path("provinces/", ProvinceListView.as_view(), name="provinces"),
    path("wards/", WardListView.as_view(), name="wards"),
    path("declarations/", DeclarationCreateView.as_view(), name="declarations"),
    path("qr/verify/", QrVerifyView.as_view(), name="qr-verify"),
    path("venues/", VenueCreateView.as_view(), name="venues"),
    path("venues/<int:venue_id>/poster.png", VenuePosterPngView.as_view(), name="venue-poster-png"),
    path("venues/<int:venue_id>/poster.pdf", VenuePosterPdfView.as_view(), name="venue-poster-pdf"),
    path("checkins/", CheckInCreateView.as_view(), name="checkins"),
    path("checkins/<int:checkin_id>/checkout/", CheckOutView.as_view(), name="checkout"),
    *contact_api_urls.urlpatterns,
    *checkpoint_api_urls.urlpatterns,
    *relief_api_urls.urlpatterns,
    *safetymap_api_urls.urlpatterns,
    *vaccination_api_urls.urlpatterns,
    *edge_device_api_urls.urlpatterns,
    *ioc_api_urls.urlpatterns,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
    path("coming/", views.coming_page, name="coming"),
    path("home/admin/", views.admin_home, name="admin_home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("truyvet.accounts.urls")),
    path("zones/", include("truyvet.geo.urls")),
    path("people/", include("truyvet.people.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("declarations/", include("declarations.urls")),
    path("venues/", include("venues.urls")),
    path("v/<str:code>", venue_views.checkin_page, name="venue_checkin"),
    path("contacts/", include("contacts.urls")),
    path("checkpoints/", include("checkpoints.urls")),
    path("safetymap/", include("safetymap.urls")),
    path("vaccination/", include("vaccination.urls")),
    path("devices/", include("edge_devices.urls")),
    path("ioc/", include("ioc.urls")),
    path("operations/", include("relief.urls")),
    path("operations/", include("operations.urls")),
]

admin.site.site_header = f"{settings.PORTAL_NAME}: quản trị / administration"

if settings.BENCH_BASELINE:
    from truyvet.lib import bench_views

    urlpatterns += [
        path("bench/insert-one", bench_views.insert_one),
        path("bench/read-one", bench_views.read_one),
        path("bench/insert-batch", bench_views.insert_batch),
        path("bench/insert-doses", bench_views.insert_doses),
    ]
