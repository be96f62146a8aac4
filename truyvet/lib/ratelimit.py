"""Limits on public forms (a citizen's report, a help request, a sign-up), per client.

The JSON API has DRF's ``PublicRateThrottle``; HTML forms of the public pages count here,
in the cache (Redis in production), per address and per browser (a long-lived cookie the
page sets), so that neither a shared address nor a cleared cookie escapes the limit.
``RATELIMIT_ENABLE=0`` turns every limit off.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from truyvet.lib.audit import client_ip

BROWSER_COOKIE = "truyvet_browser"
BROWSER_COOKIE_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Limit:
    """At most ``count`` submissions per ``seconds``, for one scope (e.g. "safetymap-report")."""

    scope: str
    count: int
    seconds: int


def browser_id(request: HttpRequest) -> str:
    """The browser's random id from its cookie, or a new one (``remember_browser`` sets it)."""
    value = request.COOKIES.get(BROWSER_COOKIE, "")
    if len(value) == 32 and value.isalnum():
        return value
    new = getattr(request, "_truyvet_browser_id", None)
    if new is None:
        new = secrets.token_hex(16)
        request._truyvet_browser_id = new  # type: ignore[attr-defined]
    return str(new)


def remember_browser(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Set the browser cookie on ``response`` when the request came without one."""
    if request.COOKIES.get(BROWSER_COOKIE) != browser_id(request):
        response.set_cookie(
            BROWSER_COOKIE,
            browser_id(request),
            max_age=BROWSER_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def client_keys(request: HttpRequest) -> list[str]:
    """The keys a public submission is counted under: its address and its browser."""
    keys = [f"browser:{browser_id(request)}"]
    address = client_ip(request)
    if address:
        keys.append(f"ip:{address}")
    return keys


def _cache_key(limit: Limit, key: str) -> str:
    return f"ratelimit:{limit.scope}:{key}"


def over_limit(limit: Limit, keys: Iterable[str]) -> bool:
    """Count one submission under each key; True when any key has gone past the limit.

    Fixed windows that start at the first submission; the count is atomic in Redis and in
    the local-memory cache alike (``add`` then ``incr``).
    """
    if not settings.RATELIMIT_ENABLE:
        return False
    exceeded = False
    for key in keys:
        name = _cache_key(limit, key)
        if cache.add(name, 1, timeout=limit.seconds):
            count = 1
        else:
            try:
                count = cache.incr(name)
            except ValueError:  # expired between add and incr
                cache.add(name, 1, timeout=limit.seconds)
                count = 1
        exceeded = exceeded or count > limit.count
    return exceeded
