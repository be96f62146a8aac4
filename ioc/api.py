"""The pull endpoint (API.md, Edge devices): ``GET /api/v1/ioc/events/?cursor=`` with
``Authorization: IOC <token>`` → ``{"events": [CloudEvents], "next_cursor"}``. The cursor is
opaque to the IOC: send back the ``next_cursor`` of the last answer (none: from the start)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ioc.models import IocClient
from ioc.selectors import client_by_token, events_after
from truyvet.lib.bounds import MAX_INT, parse_int


class IocAuthentication(BaseAuthentication):
    keyword = "IOC"

    def authenticate(self, request: Request) -> tuple[AnonymousUser, IocClient] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"ioc":
            return None
        client = client_by_token(parts[1].decode("latin-1"))
        if client is None:
            raise AuthenticationFailed("Invalid IOC token.")
        return AnonymousUser(), client

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class IocAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "ioc.api.IocAuthentication"
    name = "iocToken"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`IOC <token>`"}


class IsIocClient(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.auth, IocClient)


EventPage = inline_serializer(
    "IocEventPage",
    {
        "events": serializers.ListField(child=serializers.DictField(), help_text="CloudEvents 1.0 JSON"),
        "next_cursor": serializers.CharField(),
    },
)


class IocEventsView(APIView):
    authentication_classes = [IocAuthentication]
    permission_classes = [IsIocClient]

    @extend_schema(
        parameters=[OpenApiParameter("cursor", OpenApiTypes.STR, required=False)],
        responses={200: EventPage},
        tags=["ioc"],
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("cursor", "")
        cursor = parse_int(raw, "cursor", minimum=0, maximum=MAX_INT * 4) if raw else 0
        events = events_after(cursor)
        client = request.auth
        if isinstance(client, IocClient):
            IocClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
        return Response(
            {
                "events": [event.cloudevent() for event in events],
                "next_cursor": str(events[-1].pk if events else cursor),
            }
        )
