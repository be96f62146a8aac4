from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from truyvet.lib.error_codes import CoreError


class ServerTimingMiddleware:
    """``Server-Timing: app;dur=<ms>``: the time Django spent on the request, for browsers'
    developer tools, monitoring and the benchmarks (which quote server time)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        return response


class ContentSecurityPolicyMiddleware:
    """A strict CSP: scripts and styles from our own origin only, no inline code."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        img = " ".join(["'self'", "data:", "blob:", *settings.CSP_IMG_SOURCES])
        self.policy = (
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src {img}; media-src 'self' blob:; connect-src 'self'; font-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; "
            "worker-src 'self'; manifest-src 'self'"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The admin uses a little inline script; it is for administrators on trusted networks.
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class VietnameseFirstLocaleMiddleware:
    """Vietnamese unless the visitor chose English with the switch (the language cookie).

    Django's LocaleMiddleware would follow Accept-Language, and many phones in Vietnam are
    set to English; the portal speaks Vietnamese first and English on request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if code not in self.languages:
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", code)
        patch_vary_headers(response, ["Cookie"])
        return response


_API_ERROR_CODES = {
    400: CoreError.BAD_REQUEST,
    403: CoreError.PERMISSION_DENIED,
    404: CoreError.NOT_FOUND,
    405: CoreError.METHOD_NOT_ALLOWED,
    413: CoreError.TOO_LARGE,
    500: CoreError.SERVER_ERROR,
}
_API_ERROR_DETAILS = {
    400: "Bad request.",
    403: "You may not do this.",
    404: "Not found.",
    405: "Method not allowed.",
    413: "The request body is too large.",
    500: "A server error occurred.",
}


class ApiErrorEnvelopeMiddleware:
    """Errors under /api/ that Django answered itself (no such path, a method a plain view
    refuses, an uncaught exception) come in the API's envelope, as JSON, like DRF's.

    It sits outside CommonMiddleware, so a path missing its slash is still redirected first;
    and it runs whatever DEBUG is, so the development server answers like production.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and not request.path.startswith("/api/docs/")
            and not response.get("Content-Type", "").startswith("application/json")
            and not getattr(response, "streaming", False)
        ):
            status = response.status_code
            code = _API_ERROR_CODES.get(status, CoreError.SERVER_ERROR if status >= 500 else CoreError.ERROR)
            detail = _API_ERROR_DETAILS.get(status, "A server error occurred." if status >= 500 else "Error.")
            envelope = JsonResponse({"code": str(code), "detail": detail, "errors": {}}, status=status)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    envelope[header] = response[header]
            return envelope
        return response
