"""The red banner of an exposure warning, for phones that remember someone who was warned."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from contacts.selectors import has_recent_exposure_warning
from truyvet.people.device import COOKIE, proven_refs


def exposure_banner(request: HttpRequest) -> dict[str, Any]:
    """No query unless the phone carries the people cookie; then one."""
    if COOKIE not in request.COOKIES:
        return {}
    refs = proven_refs(request)  # a phone that only showed somebody's QR learns nothing of their status
    return {"exposure_warning": bool(refs) and has_recent_exposure_warning(list(refs))}
