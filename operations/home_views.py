"""The health staff's homes: a station's or health centre's day, the CDC's province
dashboard. Set as their roles' homes in ``settings.STAFF_HOME_PAGES``."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from operations.homes import province_dashboard, today_work_for
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import health_staff_required, province_required
from truyvet.lib.audit import audit_log


@health_staff_required
@require_GET
def today(request: AuthenticatedRequest) -> HttpResponse:
    work = today_work_for(request.user)
    audit_log(
        actor=request.user,
        action="home.today",
        request=request,
        detail={"declarations": len(work.declarations), "follow_ups": len(work.follow_ups)},
    )
    return render(request, "operations/home/today.html", {"work": work})


@province_required
@require_GET
def province(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "operations/home/province.html", {"board": province_dashboard()})


urlpatterns: list[URLPattern] = [
    path("today/", today, name="today"),
    path("province/", province, name="province"),
]
