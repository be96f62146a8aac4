"""Project-level pages: the public landing page, the health check, the administrator's home
and the "coming" page any app not built yet routes."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import administrator_required
from truyvet.accounts.selectors import system_overview
from truyvet.lib.health import outbox_figures, system_health
from truyvet.lib.metrics import exposition, scrape_allowed


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"database", "cache", "tasks", "outbox", "outbox_pending", "outbox_oldest_seconds"}``:
    200 when all answer (a "late" outbox included: restarting this process would not help),
    503 when one is down."""
    parts = system_health()
    body: dict[str, object] = {**parts, **(outbox_figures() if parts["database"] == "ok" else {})}
    return JsonResponse(body, status=503 if "down" in parts.values() else 200)


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus's scrape (``truyvet.lib.metrics``): with ``Authorization: Bearer
    <METRICS_TOKEN>`` or from ``METRICS_ALLOWED_ADDRESSES``; 404 when neither is configured."""
    allowed = scrape_allowed(request)
    if allowed is None:
        raise Http404
    if not allowed:
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


@require_GET
def coming_page(request: HttpRequest, title: str | Promise = "") -> HttpResponse:
    """A plain page saying that this part of the portal is not built yet: an app with no
    pages routes it at its root (``path("", coming_page, {"title": _("…")}, name="index")``),
    and ``STAFF_HOME_PAGES`` sends a role here ("coming") until its app sets its home. Without
    a title it names the signed-in user's role."""
    role = ""
    if not title and request.user.is_authenticated:
        role = str(getattr(request.user, "get_role_display", lambda: "")())
    return render(request, "coming.html", {"title": title, "role": role})


@administrator_required
@require_GET
def admin_home(request: AuthenticatedRequest) -> HttpResponse:
    """The administrator's home: the admin site's main lists and the health of the system."""
    return render(request, "admin_home.html", {"health": system_health(), "overview": system_overview()})
