from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from truyvet.accounts import two_factor
from truyvet.accounts.homes import home_url_for
from truyvet.accounts.navigation import nav_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    # A session that still owes its second factor sees no menu: every page would send it back.
    pending = bool(getattr(request, "session", {}).get(two_factor.STEP_SESSION_KEY))
    return {
        "nav_items": [] if pending else nav_for(request.user, request.path),
        "home_url": "" if pending else home_url_for(request.user),
        "portal_name": settings.PORTAL_NAME,
        "two_factor_pending": pending,
    }
