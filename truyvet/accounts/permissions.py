"""Who may open staff pages: one decorator per kind of page, so each view states it once."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http.response import HttpResponseBase

from truyvet.accounts.models import HEALTH_ROLES, Role


def is_health_staff(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in HEALTH_ROLES | {Role.ADMINISTRATOR}))


def health_staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed in (else the login page) and a health role (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_health_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
