"""Errors that users can cause, and the codes they carry.

Each carries a machine-readable ``code``: HTML views turn it into a form message, the API
into ``{"code": ..., "detail": ..., "errors": ...}`` with ``status`` (400 unless said).

Every code is a member of an app's ``ErrorCode`` enum (``<app>/errors.py``; the core's in
``truyvet/lib/error_codes.py``) with an English label marked for translation, so the API
documents what it may answer and every page can say it in the reader's language.
``tests/project/test_error_codes.py`` fails when a code has no label of its own or no
Vietnamese words.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class ErrorCode(models.TextChoices):
    """The base of each app's enum of error codes: ``class VenueError(ErrorCode): ...``."""


def error_code_enums() -> list[type[ErrorCode]]:
    """Every enum of error codes defined so far (import the apps' ``errors`` first)."""
    found: list[type[ErrorCode]] = []
    pending: list[type[ErrorCode]] = list(ErrorCode.__subclasses__())
    while pending:
        enum = pending.pop()
        found.append(enum)
        pending.extend(enum.__subclasses__())
    return sorted(found, key=lambda enum: enum.__module__ + "." + enum.__qualname__)


class DomainError(Exception):
    def __init__(
        self,
        detail: Any,
        code: str,
        *,
        field: str | None = None,
        status: int = 400,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.code = str(code)
        self.status = status
        self.errors = dict(errors or {})
        if field:
            self.errors.setdefault(field, []).append(str(detail))

    def __str__(self) -> str:
        return str(self.detail)
