"""Shared pieces of the JSON API: authentication, errors, rate limits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.text import storable

if TYPE_CHECKING:  # rest_framework.views imports this module through the settings
    from rest_framework.views import APIView


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` as in API.md (DRF's token, under its own name in the schema)."""

    keyword = "Token"


class PlainJsonNegotiation(DefaultContentNegotiation):
    """DRF's content negotiation, answered at once for what every client of the API sends:
    no ``Accept`` header, ``*/*`` or ``application/json``, and no ``?format=``. DRF would pick
    the same renderer and media type after parsing the header (a fifteenth of a check-in's
    processor time, docs/BENCHMARKS.md); anything else is negotiated by DRF as before (a
    406 for a type no renderer gives)."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        listed = renderers if isinstance(renderers, list) else list(renderers)
        meta = request._request.META
        accept = meta.get("HTTP_ACCEPT")
        override = self.settings.URL_FORMAT_OVERRIDE
        if listed and format_suffix is None and not (override and override in meta.get("QUERY_STRING", "")):
            first = listed[0]
            if accept is None or accept == "*/*" or (accept == first.media_type == "application/json"):
                return first, first.media_type
        chosen: tuple[BaseRenderer, str] = super().select_renderer(request, listed, format_suffix)
        return chosen


_CODES: dict[type[exceptions.APIException], CoreError] = {
    exceptions.ParseError: CoreError.MALFORMED_REQUEST,
    exceptions.NotAuthenticated: CoreError.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: CoreError.AUTHENTICATION_FAILED,
    exceptions.PermissionDenied: CoreError.PERMISSION_DENIED,
    exceptions.NotFound: CoreError.NOT_FOUND,
    exceptions.MethodNotAllowed: CoreError.METHOD_NOT_ALLOWED,
    exceptions.NotAcceptable: CoreError.NOT_ACCEPTABLE,
    exceptions.UnsupportedMediaType: CoreError.UNSUPPORTED_MEDIA_TYPE,
    exceptions.Throttled: CoreError.RATE_LIMITED,
    exceptions.ValidationError: CoreError.INVALID,
}


def _flatten(errors: Any) -> dict[str, list[str]]:
    if isinstance(errors, dict):
        flat: dict[str, list[str]] = {}
        for field, value in errors.items():
            if isinstance(value, dict):
                for sub, messages in _flatten(value).items():
                    flat[f"{field}.{sub}"] = messages
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for index, item in enumerate(value):
                    for sub, messages in _flatten(item).items():
                        flat[f"{field}[{index}].{sub}"] = messages
            else:
                flat[str(field)] = [str(m) for m in (value if isinstance(value, list) else [value])]
        return flat
    return {"non_field_errors": [str(m) for m in (errors if isinstance(errors, list) else [errors])]}


def _printable(text: str) -> str:
    """Messages may quote the input: a lone surrogate in it could not be written as UTF-8."""
    return text.encode("utf-8", "replace").decode("utf-8")


def error_response(code: str, detail: str, http_status: int, errors: dict[str, list[str]] | None = None) -> Response:
    body = {
        "code": str(code),
        "detail": _printable(detail),
        "errors": {_printable(field): [_printable(m) for m in messages] for field, messages in (errors or {}).items()},
    }
    return Response(body, status=http_status)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error as ``{"code", "detail", "errors"}`` (API.md conventions)."""
    from truyvet.lib.schema import Invalid  # schema reads DRF's request, whose settings read this module

    if isinstance(exc, DomainError):
        return error_response(exc.code, str(exc.detail), exc.status, exc.errors)
    if isinstance(exc, Invalid):  # a schema rule checked on a query parameter rather than in a body
        return error_response(exc.code, exc.message, status.HTTP_400_BAD_REQUEST, {exc.field or "": [exc.message]})
    if isinstance(exc, RequestDataTooBig):
        return error_response(
            CoreError.TOO_LARGE, "The request body is too large.", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), CoreError.ERROR)
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = next(iter(errors.values()), ["Invalid input."])[0]
        response = error_response(code, first, exc.status_code, errors)
    else:
        response = error_response(code, str(exc.detail), exc.status_code)
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        response["Retry-After"] = str(int(wait))
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        response["WWW-Authenticate"] = auth_header
    return response


def echoed_client_id(item: object) -> str | None:
    """The ``client_id`` of a rejected item of an offline batch (checkpoint scans, doses) as
    the tablet sent it, so it can match the answer; None when it cannot be sent back (not
    text, too long, or not storable text)."""
    client = item.get("client_id") if isinstance(item, dict) else None
    return client if isinstance(client, str) and len(client) <= 40 and storable(client) else None


class PublicRateThrottle(SimpleRateThrottle):
    """Anonymous public endpoints, limited per client address; ``RATELIMIT_ENABLE=0`` turns it off."""

    scope = "public"

    def get_rate(self) -> str | None:
        # Read at each request, not frozen at import, so the setting can change at run time.
        return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope)

    def allow_request(self, request: Request, view: APIView) -> bool:
        if not settings.RATELIMIT_ENABLE:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class OffsetDateTimeField(serializers.DateTimeField):
    """ISO 8601 with its UTC offset, as API.md requires: a naive time is refused rather than
    silently read as local time (a phone sending UTC without saying so would be 7 hours off)."""

    def to_internal_value(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                naive = datetime.fromisoformat(value.strip()).tzinfo is None
            except ValueError:
                naive = False  # not ISO 8601 at all: DRF says so below
            if naive:
                raise DomainError(
                    "Give the time with its UTC offset, e.g. 2026-11-23T08:30:00+07:00.",
                    CoreError.TIME_WITHOUT_OFFSET,
                    field=self.field_name,
                )
        return super().to_internal_value(value)
