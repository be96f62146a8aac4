"""Staff pages of edge devices: the devices of the checkpoints a user oversees, registering
one (its key shown once), rotating its key, withdrawing it, and one reading.

Who: a checkpoint's overseers (``edge_devices.selectors``); anybody else gets a 404 for a
device or checkpoint, and a 403 for the pages of a role that oversees no checkpoint.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from edge_devices.forms import DeviceForm
from edge_devices.selectors import (
    checkpoint_for_devices,
    checkpoints_with_devices_for,
    device_get_for,
    devices_for,
    offline_after,
    reading_get_for,
    recent_readings,
)
from edge_devices.services import device_register, device_revoke, device_rotate_key
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import checkpoint_overseer_required
from truyvet.lib.audit import audit_log
from truyvet.lib.errors import DomainError


@checkpoint_overseer_required
def device_list(request: AuthenticatedRequest) -> HttpResponse:
    since = timezone.now() - offline_after()
    devices = list(devices_for(request.user).order_by("checkpoint__name", "revoked_at", "kind", "serial"))
    for device in devices:
        device.offline = device.is_active and (device.last_seen_at is None or device.last_seen_at < since)  # type: ignore[attr-defined]
    return render(
        request,
        "edge_devices/list.html",
        {"devices": devices, "checkpoints": checkpoints_with_devices_for(request.user)},
    )


@checkpoint_overseer_required
def device_new(request: AuthenticatedRequest, checkpoint_id: int) -> HttpResponse:
    checkpoint = checkpoint_for_devices(request.user, checkpoint_id)
    form = DeviceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, key = device_register(user=request.user, checkpoint=checkpoint, data=form.device(), request=request)
        except DomainError as error:
            field = next((name for name in error.errors if name in form.fields), None)
            form.add_error(field, str(error.detail))
        else:
            return render(request, "edge_devices/key.html", {"device": device, "key": key})
    return render(request, "edge_devices/new.html", {"form": form, "checkpoint": checkpoint})


@require_POST
@checkpoint_overseer_required
def device_rotate(request: AuthenticatedRequest, device_id: int) -> HttpResponse:
    device = device_get_for(request.user, device_id)
    try:
        key = device_rotate_key(user=request.user, device=device, request=request)
    except DomainError:
        return redirect("edge_devices:list")
    return render(request, "edge_devices/key.html", {"device": device, "key": key, "rotated": True})


@require_POST
@checkpoint_overseer_required
def device_withdraw(request: AuthenticatedRequest, device_id: int) -> HttpResponse:
    device = device_get_for(request.user, device_id)
    device_revoke(user=request.user, device=device, request=request)
    return redirect("edge_devices:list")


@checkpoint_overseer_required
def checkpoint_readings(request: AuthenticatedRequest, checkpoint_id: int) -> HttpResponse:
    checkpoint = checkpoint_for_devices(request.user, checkpoint_id)
    return render(
        request,
        "edge_devices/readings.html",
        {"checkpoint": checkpoint, "readings": recent_readings(checkpoint)},
    )


@checkpoint_overseer_required
def reading_detail(request: AuthenticatedRequest, reading_id: int) -> HttpResponse:
    reading = reading_get_for(request.user, reading_id)
    if reading.person_id is not None:
        audit_log(
            actor=request.user,
            action="edge_device.reading.view",
            obj=reading,
            person_id=reading.person_id,
            request=request,
        )
    return render(request, "edge_devices/reading.html", {"r": reading})


@checkpoint_overseer_required
def reading_thumbnail(request: AuthenticatedRequest, reading_id: int) -> HttpResponse:
    """The face thumbnail, to staff who may see the reading (never a public media URL)."""
    reading = reading_get_for(request.user, reading_id)
    if not reading.thumbnail:
        return HttpResponse(status=404)
    audit_log(
        actor=request.user,
        action="edge_device.thumbnail.view",
        obj=reading,
        person_id=reading.person_id,
        request=request,
    )
    with reading.thumbnail.open("rb") as stored:
        response = HttpResponse(stored.read(), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("", device_list, name="list"),
    path("checkpoints/<int:checkpoint_id>/new/", device_new, name="new"),
    path("checkpoints/<int:checkpoint_id>/readings/", checkpoint_readings, name="readings"),
    path("<int:device_id>/rotate/", device_rotate, name="rotate"),
    path("<int:device_id>/withdraw/", device_withdraw, name="withdraw"),
    path("readings/<int:reading_id>/", reading_detail, name="reading"),
    path("readings/<int:reading_id>/face.jpg", reading_thumbnail, name="thumbnail"),
]
