"""How often one browser, and one address, may send the public forms (per hour): a browser
is held to a few, an address to more, as a village, a dormitory or a mobile network share
one. Both are counted on every accepted submission (``truyvet.lib.ratelimit``)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from truyvet.lib.ratelimit import Limit, client_keys, over_limit

HOUR = 3600


def _over(request: HttpRequest, scope: str, per_browser: int, per_address: int) -> bool:
    keys = client_keys(request)
    by_browser = over_limit(Limit(f"{scope}-browser", per_browser, HOUR), [k for k in keys if k.startswith("browser:")])
    by_address = over_limit(Limit(f"{scope}-address", per_address, HOUR), [k for k in keys if k.startswith("ip:")])
    return by_browser or by_address


def sos_over_limit(request: HttpRequest) -> bool:
    """Count one help request from this client; True when it is one too many."""
    return _over(request, "relief-sos", settings.RELIEF_SOS_PER_BROWSER, settings.RELIEF_SOS_PER_ADDRESS)


def signup_over_limit(request: HttpRequest) -> bool:
    """Count one volunteer sign-up (or sign-in code asked) from this client."""
    return _over(request, "relief-signup", settings.RELIEF_SIGNUPS_PER_BROWSER, settings.RELIEF_SIGNUPS_PER_ADDRESS)


# Sign-in codes are also limited per phone by the accounts service; these stop one client
# from asking codes for many phones.
SIGNIN_PER_BROWSER = 10
SIGNIN_PER_ADDRESS = 60


def signin_over_limit(request: HttpRequest) -> bool:
    """Count one sign-in code asked from this client."""
    return _over(request, "relief-signin", SIGNIN_PER_BROWSER, SIGNIN_PER_ADDRESS)
