"""Project-level pages: the public landing page, the health check, the administrator's home
and the "coming" page any app not built yet routes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import administrator_required
from truyvet.accounts.selectors import system_overview
from truyvet.lib.health import system_health


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"database", "cache", "tasks"}``: 200 when all answer, 503 when one does not."""
    body = system_health()
    return JsonResponse(body, status=503 if "down" in body.values() else 200)


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
