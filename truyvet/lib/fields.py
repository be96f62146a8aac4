"""DRF fields for the API's input, strict where DRF is lenient.

- ``StrictUUIDField``: a UUID as a string only (DRF's ``UUIDField`` also takes the integer
  ``5`` as ``00000000-...-0005``, so two tablets could share a client_id without knowing).
- ``PastDateField``, ``PastDateTimeField``: a date or time between 2019 and tomorrow
  (``truyvet.lib.bounds``); the time keeps ``OffsetDateTimeField``'s offset rule. Like it,
  they raise the DomainError of ``check_past``, so the answer's code says which bound
  (``too_early``, ``in_future``).
- ``StrictCharField``: text as a JSON string only (DRF's ``CharField`` also takes the number
  ``0`` as ``"0"``).
- ``BoundedIntegerField``: an ``IntegerField`` with a maximum by default (PostgreSQL's
  ``integer``), so 2**63 is a 400, not an overflow.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from truyvet.lib.bounds import MAX_INT, check_past
from truyvet.lib.drf import OffsetDateTimeField


def uuid_from_text(value: object) -> uuid.UUID | None:
    """The UUID a string spells (hex, with or without dashes or braces), else None."""
    if not isinstance(value, str) or len(value) > 45 or not value.isascii():
        return None
    try:
        return uuid.UUID(hex=value)
    except ValueError:
        return None


class StrictUUIDField(serializers.UUIDField):
    def to_internal_value(self, data: Any) -> uuid.UUID:
        parsed = uuid_from_text(data)
        if parsed is None:
            self.fail("invalid")
        return parsed


class PastDateField(serializers.DateField):
    def to_internal_value(self, value: Any) -> date:
        parsed = super().to_internal_value(value)
        check_past(parsed, self.field_name or "")
        return parsed


class PastDateTimeField(OffsetDateTimeField):
    def to_internal_value(self, value: Any) -> datetime:
        # Checked before DRF moves the time to local time, which overflows at year 1 or 9999.
        if isinstance(value, str):
            try:
                early = parse_datetime(value.strip())
            except ValueError:
                early = None
            if early is not None and early.tzinfo is not None:
                check_past(early, self.field_name or "")
        parsed = super().to_internal_value(value)
        check_past(parsed, self.field_name or "")
        return parsed


class BoundedIntegerField(serializers.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_value", MAX_INT)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
