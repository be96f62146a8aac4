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


View = Callable[..., HttpResponseBase]


def user_passes(test: Callable[[Any], bool]) -> Callable[[View], View]:
    """A view decorator: signed in (else the login page) and passing ``test`` (else 403).
    Which rows the user may then see is the selectors' business (404 outside)."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Signed in and a health role (else 403).
health_staff_required = user_passes(is_health_staff)
