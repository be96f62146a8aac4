"""The people this phone declared or checked in: a signed cookie of their opaque refs.

It lets a returning visitor check in with one tap, and lets the portal show an exposure
warning to the right phone. It holds no name or id number, only the random refs that QR
tokens carry, signed so it cannot be forged.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core import signing
from django.http import HttpRequest, HttpResponse

from truyvet.people.models import Person

COOKIE = "tv_people"
SALT = "truyvet.people.device"
MAX_PEOPLE = 10
MAX_AGE = 60 * 60 * 24 * 60  # two months


def remembered_refs(request: HttpRequest) -> list[str]:
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return []
    try:
        refs = signing.loads(raw, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return []
    return [r for r in refs if isinstance(r, str)][:MAX_PEOPLE] if isinstance(refs, list) else []


def remembered_people(request: HttpRequest) -> list[Person]:
    refs = remembered_refs(request)
    if not refs:
        return []
    by_ref = {p.ref: p for p in Person.objects.filter(ref__in=refs)}
    return [by_ref[r] for r in refs if r in by_ref]


def remember_people(request: HttpRequest, response: HttpResponse, refs: Iterable[str]) -> None:
    """Put these people first in the phone's list (most recent first)."""
    merged = list(dict.fromkeys([*refs, *remembered_refs(request)]))[:MAX_PEOPLE]
    response.set_cookie(
        COOKIE,
        signing.dumps(merged, salt=SALT, compress=True),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
