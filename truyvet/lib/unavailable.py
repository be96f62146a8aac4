"""While the database cannot be reached, every request answers 503 with ``Retry-After``, never
a 500: the API in its error envelope (``{"code": "service_unavailable", ...}``), pages with a
plain page in Vietnamese and English that needs neither the database nor a template context.

Only connection-level errors count (no connection, the server gone or shutting down): a
deadlock, a statement timeout or a constraint error is a bug or a conflict and keeps its
answer. ``DatabaseUnavailableMiddleware`` catches what views raise (DRF's handler leaves
database errors to Django), and turns into a 503 the 500 that Django made of one a middleware
inside it raised (loading the session or the user, saving the session), in DEBUG too.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from truyvet.lib.error_codes import CoreError

log = logging.getLogger(__name__)

# PostgreSQL's classes of errors that mean the connection, not the statement, failed:
# 08 connection exception; 57P01-57P03 the server is shutting down or not accepting yet.
_CONNECTION_SQLSTATES = ("08", "57P01", "57P02", "57P03")

PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tạm thời gián đoạn / Temporarily unavailable</title></head>
<body>
<main>
<h1>Hệ thống tạm thời gián đoạn</h1>
<p>Chúng tôi không kết nối được cơ sở dữ liệu. Dữ liệu của bạn không bị mất. Vui lòng thử lại sau ít phút.</p>
<hr>
<h2 lang="en">Temporarily unavailable</h2>
<p lang="en">The portal cannot reach its database just now. Nothing you sent before is lost. Please try again
in a few minutes.</p>
</main>
</body></html>
"""


def is_connection_error(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database could not be reached (rather than a query failed)."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None:  # psycopg: the server answered with a code
        return str(sqlstate).startswith(_CONNECTION_SQLSTATES)
    if hasattr(cause, "sqlite_errorname"):  # SQLite: only a database file it cannot open
        return getattr(cause, "sqlite_errorname", "") == "SQLITE_CANTOPEN"
    # psycopg without a code: the connection failed or was lost (refused, closed, timed out).
    return cause is None or type(cause).__module__.startswith("psycopg")


def unavailable_response(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "code": str(CoreError.SERVICE_UNAVAILABLE),
                "detail": "The service is unavailable for a moment; try again shortly.",
                "errors": {},
            },
            status=503,
        )
    else:
        response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(settings.DB_UNAVAILABLE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def _note_connection_error(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    """Django sends ``got_request_exception`` inside its ``except`` block, before it turns the
    error into a 500: mark the request, for the middleware to answer 503 instead."""
    if request is not None and is_connection_error(sys.exc_info()[1]):
        request.META[_MARK] = True


_MARK = "truyvet.database_unreachable"


class DatabaseUnavailableMiddleware:
    """A request that could not reach the database answers 503 (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        got_request_exception.connect(_note_connection_error, dispatch_uid=_MARK)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and request.META.pop(_MARK, False):
            return unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_connection_error(exception):
            return None
        log.error("database unreachable: %s %s: %s", request.method, request.path, exception)
        return unavailable_response(request)
