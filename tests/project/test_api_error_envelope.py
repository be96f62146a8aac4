"""Every error the API answers, whoever produces it (DRF, Django, the schema), comes as
``{"code", "detail", "errors"}`` in JSON, and the OpenAPI schema says so."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseServerError
from django.test import Client, RequestFactory
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory
from truyvet.accounts.models import Role
from truyvet.lib.middleware import ApiErrorEnvelopeMiddleware

pytestmark = pytest.mark.django_db


def envelope(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "detail", "errors"}
    assert isinstance(body["code"], str) and isinstance(body["detail"], str) and isinstance(body["errors"], dict)
    if code is not None:
        assert body["code"] == code
    return body


def token_for(role: str) -> str:
    return Token.objects.create(user=UserFactory(role=role)).key


def test_an_unknown_api_path_answers_a_json_404_in_the_envelope(client: Client) -> None:
    envelope(client.get("/api/v1/no-such-thing/"), 404, "not_found")
    envelope(client.post("/api/v1/no-such-thing/", {}, content_type="application/json"), 404, "not_found")
    envelope(client.get("/api/v2/keys/"), 404, "not_found")


def test_an_api_path_without_its_slash_is_still_redirected(client: Client) -> None:
    response = client.get("/api/v1/keys")
    assert response.status_code == 301 and response["Location"] == "/api/v1/keys/"


def test_pages_outside_the_api_keep_their_html_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_a_method_the_endpoint_does_not_take_answers_405_in_the_envelope(client: Client) -> None:
    body = envelope(client.delete("/api/v1/keys/"), 405, "method_not_allowed")
    assert body["detail"]


def test_a_body_that_is_not_json_answers_400_malformed_request(client: Client) -> None:
    envelope(
        client.post("/api/v1/declarations/", "{not json", content_type="application/json"), 400, "malformed_request"
    )
    envelope(client.post("/api/v1/checkins/", "[1,", content_type="application/json"), 400, "malformed_request")


def test_another_media_type_answers_415_in_the_envelope(client: Client) -> None:
    response = client.post("/api/v1/declarations/", "kind=daily", content_type="text/plain")
    envelope(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("path", ["/api/v1/declarations/", "/api/v1/checkins/", "/api/v1/venues/"])
def test_a_body_over_the_limit_answers_413_in_the_envelope(client: Client, settings: Any, path: str) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    headers = {"HTTP_AUTHORIZATION": f"Token {token_for(Role.VENUE_OWNER)}"}
    body = json.dumps({"name": "x" * 20_000})
    envelope(client.post(path, body, content_type="application/json", **headers), 413, "too_large")


def test_too_many_public_calls_answer_429_in_the_envelope_with_retry_after(client: Client, settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public": "2/min"}}
    for _ in range(2):
        assert client.get("/api/v1/keys/").status_code == 200
    response = client.get("/api/v1/keys/")
    envelope(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0


def test_no_credentials_answer_401_and_a_bad_token_401_in_the_envelope(client: Client) -> None:
    response = client.get("/api/v1/checkpoints/")
    envelope(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    envelope(client.get("/api/v1/checkpoints/", HTTP_AUTHORIZATION="Token nope"), 401, "authentication_failed")


def test_a_role_that_may_not_answers_403_in_the_envelope(client: Client) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Token {token_for(Role.VENUE_OWNER)}"}
    body = {"person_id": 1, "confirmed_at": "2026-11-20T08:00:00+07:00"}
    envelope(client.post("/api/v1/cases/", body, content_type="application/json", **headers), 403, "permission_denied")


def test_bad_input_answers_400_with_errors_per_field(client: Client) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Token {token_for(Role.PROVINCE_CDC)}"}
    response = client.post("/api/v1/cases/", {"person_id": "x"}, content_type="application/json", **headers)
    body = envelope(response, 400, "invalid")
    assert set(body["errors"]) == {"person_id", "confirmed_at"}


def test_a_server_error_on_an_api_path_answers_json_500_in_the_envelope(monkeypatch: Any) -> None:
    def broken() -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("truyvet.lib.api.jwks", broken)
    client = Client(raise_request_exception=False)
    envelope(client.get("/api/v1/keys/"), 500, "server_error")


def test_errors_django_answers_under_the_api_are_rewritten_and_keep_their_headers() -> None:
    def refuse(request: HttpRequest) -> HttpResponse:
        return HttpResponseNotAllowed(["GET"])

    request = RequestFactory().post("/api/v1/something/")
    response = ApiErrorEnvelopeMiddleware(refuse)(request)
    assert response.status_code == 405 and response["Allow"] == "GET"
    assert json.loads(response.content)["code"] == "method_not_allowed"

    def crash(request: HttpRequest) -> HttpResponse:
        return HttpResponseServerError("<h1>Server Error (500)</h1>")

    response = ApiErrorEnvelopeMiddleware(crash)(RequestFactory().get("/api/v1/keys/"))
    assert response.status_code == 500 and json.loads(response.content)["code"] == "server_error"
    page = ApiErrorEnvelopeMiddleware(crash)(RequestFactory().get("/venues/"))
    assert page["Content-Type"].startswith("text/html"), "pages keep Django's own error pages"


# --- the schema --------------------------------------------------------------------------


@pytest.fixture
def schema(client: Client) -> dict[str, Any]:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def responses(schema: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return schema["paths"][path][method]["responses"]


def test_the_schema_describes_the_error_envelope(schema: dict[str, Any]) -> None:
    error = schema["components"]["schemas"]["ApiError"]
    assert set(error["required"]) == {"code", "detail", "errors"}
    assert error["properties"]["errors"]["additionalProperties"]["items"]["type"] == "string"


def test_every_operation_lists_its_error_answers_with_the_envelope(schema: dict[str, Any]) -> None:
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for status, answer in operation["responses"].items():
                if status.startswith("4"):
                    (media,) = answer["content"]
                    assert media == "application/json", (method, path, status)
            statuses = set(operation["responses"])
            has_body = "requestBody" in operation
            if has_body:
                assert {"400", "413", "415"} <= statuses, (method, path)
            if operation.get("security", [{}]) != [{}]:
                assert {"401", "403"} <= statuses, (method, path)
            if any(p["in"] == "path" for p in operation.get("parameters", [])):
                assert "404" in statuses, (method, path)


def test_the_schema_lists_each_endpoints_own_statuses(schema: dict[str, Any]) -> None:
    def statuses(path: str, method: str) -> set[str]:
        return set(responses(schema, path, method))

    assert statuses("/api/v1/cases/", "post") == {"201", "400", "401", "403", "404", "409", "413", "415"}
    assert statuses("/api/v1/checkins/", "post") == {"200", "201", "400", "409", "413", "415", "429"}
    assert statuses("/api/v1/checkins/{checkin_id}/checkout/", "post") >= {"403", "404", "429"}
    assert statuses("/api/v1/checkpoints/", "get") == {"200", "401", "403"}
    assert statuses("/api/v1/keys/", "get") == {"200", "429"}
    assert statuses("/api/v1/wards/", "get") == {"200", "400", "429"}
    assert statuses("/api/v1/qr/verify/", "get") == {"200", "400", "401", "403"}
    assert "429" not in statuses("/api/v1/venues/", "post"), "staff endpoints are not throttled"


def test_the_proximity_answers_keep_their_own_descriptions(schema: dict[str, Any]) -> None:
    upload = responses(schema, "/api/v1/proximity/uploads/", "post")
    assert "upload_code_used" in upload["409"]["description"]


def test_revoked_is_a_documented_reason_of_qr_verification(schema: dict[str, Any]) -> None:
    verification = schema["components"]["schemas"]["QrVerification"]["properties"]["reason"]
    reasons = verification.get("enum") or schema["components"]["schemas"][verification["$ref"].split("/")[-1]]["enum"]
    assert set(reasons) >= {"bad_signature", "expired", "unknown", "malformed", "revoked"}


def test_the_schema_links_a_new_case_to_its_exposures(schema: dict[str, Any]) -> None:
    link = responses(schema, "/api/v1/cases/", "post")["201"]["links"]["CaseExposures"]
    assert link == {"operationId": "v1_cases_exposures_retrieve", "parameters": {"case_id": "$response.body#/id"}}
    operation_ids = {op["operationId"] for methods in schema["paths"].values() for op in methods.values()}
    for methods in schema["paths"].values():
        for operation in methods.values():
            for answer in operation["responses"].values():
                for target in answer.get("links", {}).values():
                    assert target["operationId"] in operation_ids
