"""The people this phone declared or checked in: a signed cookie of their opaque refs.

It lets a returning visitor check in with one tap, and lets the portal show an exposure
warning to the right phone. It holds no name or id number, only the random refs that QR
tokens carry, signed so it cannot be forged.

Each ref is marked proven or not. A phone is proven for a person when it created their
record, or declared for them while proven (signed in by a code sent to the phone on file,
or already proven on this phone). Only a proven phone may rewrite the person's record with
a declaration, or see their health status (the exposure banner and page, the reasons from
the server). A phone that only showed or typed somebody's QR code, or declared with an id
number it did not prove, remembers them for one-tap check-in under a masked name.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core import signing
from django.http import HttpRequest, HttpResponse

from truyvet.people.models import Person
from truyvet.people.normalize import mask_name

COOKIE = "tv_people"
SALT = "truyvet.people.device"
MAX_PEOPLE = 10
MAX_AGE = 60 * 60 * 24 * 60  # two months


def _entries(request: HttpRequest) -> dict[str, bool]:
    """ref -> proven, most recent first. A cookie of the earlier form (a bare list of refs,
    written before proof was kept) proves nothing."""
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return {}
    try:
        data = signing.loads(raw, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return {}
    entries: dict[str, bool] = {}
    if isinstance(data, dict):
        proven = data.get("proven")
        proven_set = {r for r in proven if isinstance(r, str)} if isinstance(proven, list) else set()
        refs = data.get("refs")
        if isinstance(refs, list):
            entries = {r: r in proven_set for r in refs if isinstance(r, str)}
    elif isinstance(data, list):
        entries = {r: False for r in data if isinstance(r, str)}
    return dict(list(entries.items())[:MAX_PEOPLE])


def remembered_refs(request: HttpRequest) -> list[str]:
    return list(_entries(request))


def proven_refs(request: HttpRequest) -> frozenset[str]:
    return frozenset(ref for ref, proven in _entries(request).items() if proven)


def remembered_people(request: HttpRequest, *, proven_only: bool = False) -> list[Person]:
    """The people this phone remembers (most recent first), each with ``shown_name``: their
    name where the phone is proven for them, else the masked name a QR check shows."""
    entries = _entries(request)
    refs = [ref for ref, proven in entries.items() if proven or not proven_only]
    if not refs:
        return []
    by_ref = {p.ref: p for p in Person.objects.filter(ref__in=refs)}
    people = [by_ref[r] for r in refs if r in by_ref]
    for person in people:
        person.shown_name = person.full_name if entries[person.ref] else mask_name(person.full_name)  # type: ignore[attr-defined]
    return people


def remember_people(request: HttpRequest, response: HttpResponse, refs: Iterable[str], *, proven: bool) -> None:
    """Put these people first in the phone's list (most recent first). ``proven``: the phone
    has proven to be theirs; a ref once proven stays so, and an unproven remembering never
    takes that away."""
    earlier = _entries(request)
    fresh = {ref: proven or earlier.get(ref, False) for ref in refs}
    merged = dict(list({**fresh, **{r: p for r, p in earlier.items() if r not in fresh}}.items())[:MAX_PEOPLE])
    response.set_cookie(
        COOKIE,
        signing.dumps({"refs": list(merged), "proven": [r for r, p in merged.items() if p]}, salt=SALT, compress=True),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def cookie_value(entries: dict[str, bool]) -> str:
    """The signed cookie for these refs (ref -> proven, most recent first)."""
    return signing.dumps(
        {"refs": list(entries), "proven": [ref for ref, proven in entries.items() if proven]}, salt=SALT, compress=True
    )
