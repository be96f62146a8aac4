"""Sane bounds for dates, times and integers that people type or clients send.

One place, so the API (``truyvet.lib.fields``), the staff forms (``validate_past_day``,
``validate_past_time``) and the services (``check_past``) agree. Nothing the portal
records happened before 2019 (the first cases of COVID-19); a date that means the past is
not after tomorrow (a day of slack for clocks and time zones: the services keep their own
stricter "not in the future" rules). Integers fit PostgreSQL's ``integer``: a larger id,
code or count is nonsense, and would otherwise overflow a query.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from truyvet.lib.days import day_start
from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError

EARLIEST_DAY = date(2019, 1, 1)
MAX_INT = 2**31 - 1


_TWO_DAYS = timedelta(days=2)


@cache
def _earliest_time() -> datetime:
    return day_start(EARLIEST_DAY)


def latest_day() -> date:
    """Tomorrow, local time: the last day a date of the past may name."""
    return timezone.localdate() + timedelta(days=1)


def _lateness(value: date | datetime) -> int:
    """-1 before 2019-01-01, 1 after the end of tomorrow (local time), else 0. Comparing
    aware times never overflows, whatever their offset; a naive time counts as too early."""
    if isinstance(value, datetime):
        if value.utcoffset() is None or value < _earliest_time():
            return -1
        # Local midnight after tomorrow (a hot path: cheaper than day_start; a sanity bound
        # needs no care for a daylight-saving hour).
        local = timezone.localtime()
        return 1 if value >= local.replace(hour=0, minute=0, second=0, microsecond=0) + _TWO_DAYS else 0
    if value < EARLIEST_DAY:
        return -1
    return 1 if value > latest_day() else 0


def in_bounds(value: date | datetime) -> bool:
    """Whether a date (or an aware time) lies between 2019-01-01 and the end of tomorrow."""
    return _lateness(value) == 0


def out_of_bounds_message() -> str:
    return str(
        _("Give a date between %(earliest)s and %(latest)s.")
        % {"earliest": EARLIEST_DAY.isoformat(), "latest": latest_day().isoformat()}
    )


def _refusal(value: date | datetime) -> tuple[str, CoreError]:
    """The message and code for a value out of bounds (the services' own "not in the
    future" rules say the same for the upper bound)."""
    if _lateness(value) > 0:
        return str(_("This date is in the future.")), CoreError.IN_FUTURE
    return out_of_bounds_message(), CoreError.TOO_EARLY


def check_past(value: date | datetime | None, field: str) -> None:
    """A DomainError naming ``field`` if ``value`` is outside the bounds: ``too_early``, or
    ``in_future`` (the code the services' own "not in the future" rules give)."""
    if value is not None and not in_bounds(value):
        message, code = _refusal(value)
        raise DomainError(message, code, field=field)


def validate_past_day(value: date | None) -> None:
    """Form validator for a date (or, from a form's DateTimeField, an aware time) of the past."""
    if value is not None and not in_bounds(value):
        message, code = _refusal(value)
        raise ValidationError(message, code=code)


validate_past_time = validate_past_day


def parse_int(text: str | None, field: str, *, minimum: int = 1, maximum: int = MAX_INT) -> int:
    """A query parameter as an integer within bounds, or a DomainError naming ``field``."""
    raw = (text or "").strip()
    if not raw.isascii() or not raw.isdecimal() or len(raw) > len(str(maximum)) or not minimum <= int(raw) <= maximum:
        raise DomainError(
            _("Give a whole number from %(min)s to %(max)s.") % {"min": minimum, "max": maximum},
            CoreError.INVALID,
            field=field,
        )
    return int(raw)
