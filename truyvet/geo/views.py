from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from truyvet.accounts.http import AuthenticatedRequest
from truyvet.geo.forms import OutbreakZoneForm
from truyvet.geo.selectors import outbreak_zone_get, outbreak_zone_ids_active, outbreak_zone_list, ward_list
from truyvet.geo.services import outbreak_zone_create, outbreak_zone_end
from truyvet.lib.errors import DomainError


@login_required
def zones(request: AuthenticatedRequest) -> HttpResponse:
    """Outbreak zones are public knowledge among health staff; only the CDC changes them."""
    if not request.user.has_perm("geo.see_outbreak_zones"):
        raise PermissionDenied
    may_manage = request.user.has_perm("geo.declare_outbreak_zones")
    form = None
    if may_manage:
        form = OutbreakZoneForm(request.POST or None, ward_queryset=ward_list(province_code=settings.PROVINCE_CODE))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                outbreak_zone_create(
                    user=request.user,
                    name=data["name"],
                    level=data["level"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    ward_codes=[w.code for w in data["wards"]],
                    whole_province_code=data["whole_province"].code if data["whole_province"] else None,
                    note=data["note"],
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Outbreak zone saved."))
                return redirect("geo:zones")
    return render(
        request,
        "geo/zones.html",
        {
            "zones": outbreak_zone_list(),
            "active_ids": outbreak_zone_ids_active(),
            "form": form,
            "may_manage": may_manage,
        },
    )


@login_required
@require_POST
def zone_end(request: AuthenticatedRequest, zone_id: int) -> HttpResponse:
    if not request.user.has_perm("geo.declare_outbreak_zones"):
        raise PermissionDenied
    zone = outbreak_zone_get(zone_id)
    try:
        outbreak_zone_end(user=request.user, zone=zone, ends_at=timezone.now())
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Outbreak zone ended."))
    return redirect("geo:zones")
