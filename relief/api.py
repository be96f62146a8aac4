"""The public map's data: ``GET /api/v1/relief/sos.geojson`` (API.md, Relief).

A GeoJSON FeatureCollection of the help requests on the map, each a Point with only its
type and status, at a place rounded to about a kilometre (``relief.selectors``). Filters:
``status`` and ``type``, each repeated or separated by commas.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from relief.errors import ReliefError
from relief.models import HelpKind, HelpStatus
from relief.selectors import sos_map_features
from truyvet.lib.drf import PublicRateThrottle
from truyvet.lib.errors import DomainError


class GeoJsonRenderer(JSONRenderer):
    """GeoJSON (RFC 7946) is JSON: the same ``format``, so no ``?format=`` choice is offered."""

    media_type = "application/geo+json"
    format = "json"


def _chosen(request: Request, name: str, allowed: list[str], code: str, message: str) -> list[str] | None:
    values = [v.strip() for raw in request.query_params.getlist(name) for v in raw.split(",") if v.strip()]
    if not values:
        return None
    for value in values:
        if value not in allowed:
            raise DomainError(message, code, field=name)
    return values


_FEATURES = inline_serializer(
    "SosFeature",
    many=True,
    fields={
        "type": serializers.ChoiceField(choices=["Feature"]),
        "geometry": inline_serializer(
            "SosPoint",
            {
                "type": serializers.ChoiceField(choices=["Point"]),
                "coordinates": serializers.ListField(
                    child=serializers.FloatField(), min_length=2, max_length=2, help_text="[longitude, latitude]"
                ),
            },
        ),
        "properties": inline_serializer(
            "SosProperties",
            {
                "type": serializers.ChoiceField(choices=HelpKind.choices),
                "status": serializers.ChoiceField(choices=HelpStatus.choices),
            },
        ),
    },
)


class SosMapView(APIView):
    """The help requests on the public SOS map: type, status and a place rounded to about a
    kilometre; never a phone, a name, words or an exact place (public)."""

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
        operation_id="relief_sos_map",
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                required=False,
                description="Only these statuses (repeat, or separate with commas): " + ", ".join(HelpStatus.values),
            ),
            OpenApiParameter(
                "type",
                OpenApiTypes.STR,
                required=False,
                description="Only these types (repeat, or separate with commas): " + ", ".join(HelpKind.values),
            ),
        ],
        responses={
            200: inline_serializer(
                "SosFeatureCollection",
                {"type": serializers.ChoiceField(choices=["FeatureCollection"]), "features": _FEATURES},
            )
        },
        tags=["relief"],
    )
    def get(self, request: Request) -> Response:
        statuses = _chosen(
            request,
            "status",
            HelpStatus.values,
            ReliefError.UNKNOWN_STATUS,
            _("Unknown status; give one or more of: %(choices)s.") % {"choices": ", ".join(HelpStatus.values)},
        )
        kinds = _chosen(
            request,
            "type",
            HelpKind.values,
            ReliefError.UNKNOWN_TYPE,
            _("Unknown type; give one or more of: %(choices)s.") % {"choices": ", ".join(HelpKind.values)},
        )
        features = sos_map_features(statuses=statuses, kinds=kinds)
        response = Response({"type": "FeatureCollection", "features": features})
        response["Cache-Control"] = "public, max-age=60"
        return response
