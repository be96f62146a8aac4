"""Errors that users can cause.

Each carries a machine-readable ``code``: HTML views turn it into a form message, the API
into ``{"code": ..., "detail": ..., "errors": ...}`` with ``status`` (400 unless said).
"""

from __future__ import annotations

from typing import Any


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
        self.code = code
        self.status = status
        self.errors = dict(errors or {})
        if field:
            self.errors.setdefault(field, []).append(str(detail))

    def __str__(self) -> str:
        return str(self.detail)
