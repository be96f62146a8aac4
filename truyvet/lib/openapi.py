"""The OpenAPI schema's shared parts: the error answers of every endpoint, and links.

Error answers are worked out here once, from what the view is, rather than declared on
each view: a body or query parameters can be refused (400, 413, 415), a permission other
than ``AllowAny`` means 401/403, a path id or a record named in the body means 404, an
endpoint that creates with an idempotency key (``client_id``) or for a named record can
meet an existing one (409), a throttled one answers 429. A
view that declares an error status itself keeps its declaration (and gets the envelope
when it gave no body). Every such answer is ``{"code", "detail", "errors"}`` (API.md;
``truyvet.lib.drf.exception_handler`` writes it).
"""

from __future__ import annotations

from typing import Any

import msgspec
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from truyvet.lib.schema import Body, json_schema_hook

ApiErrorSerializer = inline_serializer(
    "ApiError",
    {
        "code": serializers.CharField(help_text="Machine-readable, e.g. `invalid`, `not_found`, `rate_limited`."),
        "detail": serializers.CharField(help_text="Human-readable."),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text='Messages per field, e.g. `{"person.date_of_birth": ["..."]}`; `{}` when none.',
        ),
    },
)


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Bad input: `invalid` (see `errors`), `malformed_request` (not JSON), or a domain code.",
    401: "`not_authenticated` or `authentication_failed`: no valid session or `Authorization: Token <key>`.",
    403: "`permission_denied`: the caller's role may not use this endpoint.",
    404: "`not_found`: absent, or outside the caller's jurisdiction.",
    409: "A conflict with an existing record (e.g. `client_id_conflict`, `case_exists`).",
    413: "`too_large`: the request body is larger than the limit.",
    415: "`unsupported_media_type`: send `application/json`.",
    429: "`rate_limited`: wait the `Retry-After` seconds.",
}

# Keys a request gives for itself (idempotency, the tablet, the phone): not a record to look up.
_OWN_KEYS = frozenset({"client_id", "tablet_id", "device_id"})


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with each operation's error answers (see the module)."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        envelope = self.resolve_serializer(ApiErrorSerializer, "response").ref
        responses: dict[str, Any] = operation["responses"]
        for code in sorted(self._error_statuses(operation)):
            answer = responses.setdefault(str(code), {})
            answer.setdefault("description", ERROR_DESCRIPTIONS.get(code, ""))
            answer.setdefault("content", {"application/json": {"schema": envelope}})
        return operation

    def _error_statuses(self, operation: dict[str, Any]) -> set[int]:
        where = {parameter.get("in") for parameter in operation.get("parameters", [])}
        has_body = "requestBody" in operation
        statuses = {int(code) for code in operation["responses"] if code[:1] in {"4", "5"}}
        if has_body:
            statuses |= {400, 413, 415}
        if "query" in where:
            statuses.add(400)
        if any(not isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            statuses |= {401, 403}
        if "path" in where or (has_body and self._names_a_record()):
            statuses.add(404)
        if "201" in operation["responses"] and has_body and (self._names_a_record() or "client_id" in self._fields()):
            statuses.add(409)
        if self.view.get_throttles():
            statuses.add(429)
        return statuses

    def _fields(self) -> set[str]:
        """The top-level fields of the request body."""
        serializer = self.get_request_serializer()
        if isinstance(serializer, type) and issubclass(serializer, Body):
            return set(serializer.__struct_encode_fields__)
        if isinstance(serializer, type) and issubclass(serializer, serializers.Serializer):
            serializer = serializer()
        return set(serializer.fields) if isinstance(serializer, serializers.Serializer) else set()

    def _names_a_record(self) -> bool:
        return any(name.endswith("_id") and name not in _OWN_KEYS for name in self._fields())


def _openapi_30(node: Any, refs: dict[str, str]) -> Any:
    """JSON Schema (msgspec's) as OpenAPI 3.0 has it: ``nullable`` rather than a ``null``
    type, components under the names serializers would give them."""
    if isinstance(node, list):
        return [_openapi_30(item, refs) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _openapi_30(value, refs) for key, value in node.items() if key != "title" and value != []}
    if isinstance(node.get("description"), str):
        node["description"] = " ".join(node["description"].split())  # a docstring's lines
    if "$ref" in node:
        node["$ref"] = "#/components/schemas/" + refs[node["$ref"]]
    options = node.get("anyOf")
    if options is not None and {"type": "null"} in options:
        rest = [option for option in options if option != {"type": "null"}]
        del node["anyOf"]
        if len(rest) == 1 and "$ref" in rest[0]:
            node.update(allOf=rest, nullable=True)
        elif len(rest) == 1:
            node.update(rest[0], nullable=True)
        else:
            node.update(anyOf=rest, nullable=True)
    return node


class BodySchemaExtension(OpenApiSerializerExtension):
    """A request body defined once as a ``truyvet.lib.schema.Body`` (a msgspec Struct) is
    described from that definition: ``extend_schema(request=SomeBody)``."""

    target_class = Body
    match_subclasses = True

    def get_name(self, auto_schema: AutoSchema, direction: str) -> str:
        return self.target.__name__  # drf-spectacular adds "Request", as for a serializer

    def map_serializer(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        (_root,), components = msgspec.json.schema_components(
            [self.target], schema_hook=json_schema_hook, ref_template="{name}"
        )
        refs = {name: f"{name}Request" for name in components}
        for name, component in components.items():
            if name == self.target.__name__:
                continue
            auto_schema.registry.register_on_missing(
                ResolvedComponent(
                    name=refs[name],
                    type=ResolvedComponent.SCHEMA,
                    object=refs[name],
                    schema=_openapi_30(component, refs),
                )
            )
        schema: dict[str, Any] = _openapi_30(components[self.target.__name__], refs)
        return schema


# Where an answer leads (OpenAPI links, for clients and for stateful API testing):
# (path, method, status) -> {link name: (target operationId, {parameter: runtime expression})}.
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, dict[str, str]]]] = {
    ("/api/v1/cases/", "post", "201"): {
        "CaseExposures": ("v1_cases_exposures_retrieve", {"case_id": "$response.body#/id"}),
    },
    ("/api/v1/checkins/", "post", "201"): {
        "CheckOut": ("v1_checkins_checkout_create", {"checkin_id": "$response.body#/id"}),
    },
    ("/api/v1/venues/", "post", "201"): {
        "VenuePosterPng": ("v1_venues_poster_png_retrieve", {"venue_id": "$response.body#/id"}),
        "VenuePosterPdf": ("v1_venues_poster_pdf_retrieve", {"venue_id": "$response.body#/id"}),
    },
}


def add_links(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """A postprocessing hook (SPECTACULAR_SETTINGS): puts ``LINKS`` into the responses."""
    operation_ids = {
        operation.get("operationId")
        for methods in result.get("paths", {}).values()
        for operation in methods.values()
        if isinstance(operation, dict)
    }
    for (path, method, status), links in LINKS.items():
        response = result.get("paths", {}).get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        for name, (target, parameters) in links.items():
            if target in operation_ids:
                response.setdefault("links", {})[name] = {"operationId": target, "parameters": parameters}
    return result
