from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from truyvet.accounts.navigation import nav_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {"nav_items": nav_for(request.user), "portal_name": settings.PORTAL_NAME}
