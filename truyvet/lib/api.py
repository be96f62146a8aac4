from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from truyvet.lib.drf import PublicRateThrottle
from truyvet.lib.signing import jwks

_JWKS = inline_serializer(
    "JWK",
    many=True,
    fields={
        "kty": serializers.CharField(),
        "crv": serializers.CharField(),
        "x": serializers.CharField(),
        "y": serializers.CharField(),
        "kid": serializers.CharField(),
        "use": serializers.CharField(),
        "alg": serializers.CharField(),
    },
)


class KeysView(APIView):
    """The P-256 public keys that sign personal QR tokens (a JWK Set, RFC 7517)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [PublicRateThrottle]

    @extend_schema(
        operation_id="keys_list",
        responses={200: OpenApiResponse(inline_serializer("JWKSet", {"keys": _JWKS}))},
        tags=["keys"],
    )
    def get(self, request: Request) -> Response:
        response = Response(jwks())
        # Tablets cache the keys for offline checks; a rotated key shows up within the hour.
        response["Cache-Control"] = "public, max-age=3600"
        return response
