"""The safety map's part of the public API (API.md, Safety map):

- ``GET /api/v1/safetymap/facilities.geojson``: every active facility as a GeoJSON Point
  with ``id``, ``name``, ``type``, ``status`` (stale: ``not_assessed``), ``assessed_at``
  and ``score``; filters ``type``, ``status`` (each repeated or separated by commas) and
  ``ward_code``. Built in one SQL statement on PostgreSQL, gzipped when the client accepts
  it, with an ETag (a conditional GET answers 304).
- ``POST /api/v1/safetymap/reports/``: a citizen's report (multipart: ``facility_id``,
  ``text``, ``photo``?), to moderation; limited per address and per browser cookie.
"""

from __future__ import annotations

import gzip
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from safetymap.errors import SafetymapError
from safetymap.limits import report_over_limit
from safetymap.models import FacilityType, SafetyStatus
from safetymap.photos import photo_clean
from safetymap.schemas import ReportIn, report_data
from safetymap.selectors import MapFilter, facility_public_get, map_geojson, map_version
from safetymap.services import report_submit
from truyvet.lib.drf import PublicRateThrottle
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.ratelimit import remember_browser
from truyvet.lib.schema import Refused, convert


def _chosen(request: Request, name: str, allowed: list[str], code: SafetymapError, message: str) -> tuple[str, ...]:
    values = [v.strip() for raw in request.query_params.getlist(name) for v in raw.split(",") if v.strip()]
    for value in values:
        if value not in allowed:
            raise DomainError(message, code, field=name)
    return tuple(sorted(set(values)))


def map_filter_from(request: Request) -> MapFilter:
    types = _chosen(
        request,
        "type",
        FacilityType.values,
        SafetymapError.UNKNOWN_TYPE,
        _("Unknown type; give one or more of: %(choices)s.") % {"choices": ", ".join(FacilityType.values)},
    )
    statuses = _chosen(
        request,
        "status",
        SafetyStatus.values,
        SafetymapError.UNKNOWN_STATUS,
        _("Unknown status; give one or more of: %(choices)s.") % {"choices": ", ".join(SafetyStatus.values)},
    )
    ward_code = None
    if "ward_code" in request.query_params:  # given, it must be a code: an empty one is no code
        raw_ward = request.query_params["ward_code"].strip()
        if not raw_ward.isdigit() or len(raw_ward) > 9:
            raise DomainError(_("A ward code is a number."), CoreError.UNKNOWN_WARD, field="ward_code")
        ward_code = int(raw_ward)
    return MapFilter(types=types, statuses=statuses, ward_code=ward_code)


class GeoJsonRenderer(JSONRenderer):
    """GeoJSON (RFC 7946) is JSON: the same ``format``, so no ``?format=`` choice is offered."""

    media_type = "application/geo+json"
    format = "json"


class FacilitiesGeoJsonView(APIView):
    """Every facility on the COVID-safe map with its status (public)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]
    renderer_classes = [GeoJsonRenderer, JSONRenderer]

    def handle_exception(self, exc: Exception) -> Response:
        """Errors in the API's envelope, as JSON (the data alone is GeoJSON)."""
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    @extend_schema(
        operation_id="safetymap_facilities",
        parameters=[
            OpenApiParameter(
                "type", OpenApiTypes.STR, required=False, description="Types: " + ", ".join(FacilityType.values)
            ),
            OpenApiParameter(
                "status", OpenApiTypes.STR, required=False, description="Statuses: " + ", ".join(SafetyStatus.values)
            ),
            OpenApiParameter("ward_code", OpenApiTypes.INT, required=False, description="One commune or ward"),
        ],
        responses={
            200: inline_serializer(
                "SafetyFeatureCollection",
                {
                    "type": serializers.CharField(help_text="FeatureCollection"),
                    "features": inline_serializer(
                        "SafetyFeature",
                        many=True,
                        fields={
                            "type": serializers.CharField(help_text="Feature"),
                            "geometry": serializers.JSONField(help_text="Point, [longitude, latitude]"),
                            "properties": inline_serializer(
                                "SafetyProperties",
                                {
                                    "id": serializers.IntegerField(),
                                    "name": serializers.CharField(),
                                    "type": serializers.CharField(
                                        help_text="One of: " + ", ".join(FacilityType.values)
                                    ),
                                    "status": serializers.CharField(
                                        help_text="One of: " + ", ".join(SafetyStatus.values)
                                    ),
                                    "assessed_at": serializers.DateTimeField(allow_null=True),
                                    "score": serializers.IntegerField(allow_null=True),
                                },
                            ),
                        },
                    ),
                },
            )
        },
        tags=["safetymap"],
    )
    def get(self, request: Request) -> HttpResponse:
        filters = map_filter_from(request)
        now = timezone.now()
        version = map_version(filters, now=now)
        etag = f'"{version}"'
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            response = HttpResponse(status=304)
        else:
            body = _zipped_body(filters, version, now)
            response = HttpResponse(content_type="application/geo+json")
            if "gzip" in request.headers.get("Accept-Encoding", ""):
                response.content = body
                response["Content-Encoding"] = "gzip"
            else:
                response.content = gzip.decompress(body)
        response["ETag"] = etag
        response["Cache-Control"] = "public, max-age=30"
        patch_vary_headers(response, ["Accept-Encoding"])
        return response


def _zipped_body(filters: MapFilter, version: str, now: datetime) -> bytes:
    """The gzipped FeatureCollection of ``version``: from the cache when another request
    built it already (``SAFETYMAP_GEOJSON_CACHE_SECONDS``; 0 builds it every time)."""
    seconds = settings.SAFETYMAP_GEOJSON_CACHE_SECONDS
    key = f"safetymap:geojson:{version}"
    if seconds:
        found = cache.get(key)
        if isinstance(found, bytes):
            return found
    body = gzip.compress(map_geojson(filters, now=now).encode(), compresslevel=6 if seconds else 1, mtime=0)
    if seconds:
        cache.set(key, body, timeout=seconds)
    return body


class ReportCreateView(APIView):
    """A citizen's report about a facility (public; limited per address and browser)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="safetymap_report_create",
        request={
            "multipart/form-data": inline_serializer(
                "SafetyReportIn",
                {
                    "facility_id": serializers.IntegerField(),
                    "text": serializers.CharField(max_length=2000),
                    "photo": serializers.ImageField(required=False, help_text="JPEG, PNG or WebP, 5 MB at most"),
                },
            )
        },
        responses={
            201: inline_serializer(
                "SafetyReportOut", {"id": serializers.IntegerField(), "follow_url": serializers.URLField()}
            )
        },
        tags=["safetymap"],
    )
    def post(self, request: Request) -> Response:
        try:
            body = convert(report_data(request.data), ReportIn)
        except Refused as refused:
            raise refused.refusal.error() from None
        try:
            facility = facility_public_get(body.facility_id)
        except Http404:
            raise DomainError(
                _("No facility on the map has this number."), SafetymapError.UNKNOWN_FACILITY, field="facility_id"
            ) from None
        upload = request.FILES.get("photo")
        photo = photo_clean(upload, upload.size or 0) if upload else None
        if report_over_limit(request._request):
            raise DomainError(
                _("Too many reports from this phone or network in the last hour; try again later."),
                CoreError.RATE_LIMITED,
                status=429,
            )
        report = report_submit(facility=facility, text=body.text, photo=photo)
        follow = request.build_absolute_uri(reverse("safetymap:follow", args=[report.ref]))
        response = Response({"id": report.pk, "follow_url": follow}, status=201)
        remember_browser(request._request, response)
        return response
