"""Display mode: a venue's screen shows a QR whose code changes every few minutes.

The code is ``<window>.<mac>``: the time window number and an HMAC of the venue's secret
over it. A check-in accepts the current and the previous window, so a code photographed
now stops working within two windows.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from django.conf import settings

from venues.models import Venue


def _window(at: datetime) -> int:
    return int(at.timestamp()) // settings.VENUE_CODE_ROTATE_SECONDS


def _mac(venue: Venue, window: int) -> str:
    digest = hmac.new(venue.display_secret.encode(), f"{venue.code}:{window}".encode(), hashlib.sha256).hexdigest()
    return digest[:12]


def fresh_code(venue: Venue, at: datetime) -> str:
    window = _window(at)
    return f"{window}.{_mac(venue, window)}"


def seconds_left(at: datetime) -> int:
    period = settings.VENUE_CODE_ROTATE_SECONDS
    return period - int(at.timestamp()) % period


def fresh_code_is_valid(venue: Venue, value: str, at: datetime) -> bool:
    window_text, _, mac = value.partition(".")
    if not window_text.isdecimal() or not mac:
        return False
    window = int(window_text)
    return window in {_window(at), _window(at) - 1} and hmac.compare_digest(mac, _mac(venue, window))
