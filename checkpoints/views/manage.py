"""Pages of those who manage checkpoints: the list, a new checkpoint, editing one, and
assigning its staff.

Who: administrators, the province CDC and checkpoint teams, each for the checkpoints in
their wards (``checkpoints.selectors.manage``); the services leave alone the assignments the
user may not make.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from checkpoints.forms.manage import CheckpointForm, StaffForm
from checkpoints.models import Checkpoint
from checkpoints.selectors.manage import (
    assignable_staff,
    assigned_staff,
    checkpoint_list_managed_by,
    checkpoint_managed_get,
    staff_not_assignable,
    ward_options,
)
from checkpoints.services.manage import checkpoint_create, checkpoint_staff_set, checkpoint_update
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import checkpoint_manager_required
from truyvet.lib.errors import DomainError


@checkpoint_manager_required
def manage_list(request: AuthenticatedRequest) -> HttpResponse:
    checkpoints = checkpoint_list_managed_by(request.user)
    return render(request, "checkpoints/monitor/manage_list.html", {"checkpoints": checkpoints})


def _form_page(request: AuthenticatedRequest, form: CheckpointForm, checkpoint: Checkpoint | None) -> HttpResponse:
    return render(
        request,
        "checkpoints/monitor/checkpoint_form.html",
        {"form": form, "checkpoint": checkpoint, "tiles": settings.LEAFLET_CONFIG["TILES"]},
    )


@checkpoint_manager_required
def checkpoint_new(request: AuthenticatedRequest) -> HttpResponse:
    form = CheckpointForm(request.POST or None, wards=ward_options(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            checkpoint = checkpoint_create(user=request.user, data=form.checkpoint_input())
        except DomainError as error:
            form.add_error("ward" if "ward" in error.errors else None, str(error.detail))
        else:
            messages.success(request, _("Checkpoint created. Now assign its staff."))
            return redirect("checkpoints:checkpoint_staff", checkpoint_id=checkpoint.pk)
    return _form_page(request, form, None)


@checkpoint_manager_required
def checkpoint_edit(request: AuthenticatedRequest, checkpoint_id: int) -> HttpResponse:
    checkpoint = checkpoint_managed_get(request.user, checkpoint_id)
    initial = {
        "name": checkpoint.name,
        "road": checkpoint.road,
        "border": checkpoint.border,
        "ward": checkpoint.ward_id,
        "latitude": checkpoint.latitude,
        "longitude": checkpoint.longitude,
        "is_active": checkpoint.is_active,
    }
    form = CheckpointForm(request.POST or None, initial=initial, wards=ward_options(request.user, checkpoint))
    if request.method == "POST" and form.is_valid():
        try:
            checkpoint_update(user=request.user, checkpoint=checkpoint, data=form.checkpoint_input())
        except DomainError as error:
            form.add_error("ward" if "ward" in error.errors else None, str(error.detail))
        else:
            messages.success(request, _("Checkpoint saved."))
            return redirect("checkpoints:manage")
    return _form_page(request, form, checkpoint)


@checkpoint_manager_required
def checkpoint_staff(request: AuthenticatedRequest, checkpoint_id: int) -> HttpResponse:
    checkpoint = checkpoint_managed_get(request.user, checkpoint_id)
    choices = assignable_staff(request.user)
    assigned = assigned_staff(checkpoint)
    # Not ``request.POST or None``: clearing every box posts no field at all.
    form = StaffForm(
        request.POST if request.method == "POST" else None, choices=choices, initial={"staff": [u.pk for u in assigned]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            checkpoint_staff_set(user=request.user, checkpoint=checkpoint, staff=form.cleaned_data["staff"])
        except DomainError as error:
            form.add_error("staff", str(error.detail))
        else:
            messages.success(request, _("Staff saved."))
            return redirect("checkpoints:manage")
    return render(
        request,
        "checkpoints/monitor/checkpoint_staff.html",
        {"checkpoint": checkpoint, "form": form, "others": staff_not_assignable(request.user, assigned)},
    )


urlpatterns: list[URLPattern] = [
    path("manage/", manage_list, name="manage"),
    path("manage/new/", checkpoint_new, name="checkpoint_new"),
    path("manage/<int:checkpoint_id>/", checkpoint_edit, name="checkpoint_edit"),
    path("manage/<int:checkpoint_id>/staff/", checkpoint_staff, name="checkpoint_staff"),
]
