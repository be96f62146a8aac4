"""Passenger lists as files: the CSV or XLSX an operator uploads (the template's headings,
or the headings people write in their own lists), read into rows with their line numbers.

A file is read lazily and within bounds (``MAX_UPLOAD_BYTES``, ``MAX_UPLOAD_LINES``,
``MAX_UPLOAD_ROWS``): a huge or hostile file stops early with a ``DomainError`` naming the
field ``file``. What the rows hold is checked when they are added to a trip
(``checkpoints.services.trips.trip_passengers_import``), each refused row by its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from checkpoints.errors import TripError
from checkpoints.services.trips import PassengerInput, SourceRow
from truyvet.lib.errors import DomainError
from truyvet.lib.tables import uploaded_table
from truyvet.people.normalize import search_key

MAX_UPLOAD_ROWS = 500
MAX_UPLOAD_LINES = 2000  # blank lines included; rows further down are not read
HEADING_SEARCH_ROWS = 10
MAX_UPLOAD_BYTES = 2 * 1024 * 1024

COLUMNS: tuple[tuple[str, Promise], ...] = (
    ("full_name", _("Full name")),
    ("id_number", _("Citizen id or passport number")),
    ("phone", _("Mobile number")),
    ("seat", _("Seat")),
    ("destination_ward", _("Destination commune or ward")),
)
_NOT_A_WORD = re.compile(r"[^a-z0-9/ ]")
# Headings people write in their own lists, compared without accents or case.
_ALIASES = {
    "full_name": {"ho va ten", "ho ten", "ten", "name", "full name", "hanh khach"},
    "id_number": {"cccd", "so cccd", "cmnd", "so cmnd", "cccd/cmnd", "cmnd/cccd", "ho chieu", "so ho chieu",
                  "cccd/ho chieu", "so giay to", "giay to", "id", "id number", "passport", "passport number"},
    "phone": {"sdt", "so dien thoai", "dien thoai", "phone", "mobile", "phone number"},
    "seat": {"ghe", "so ghe", "cho ngoi", "seat", "seat number"},
    "destination_ward": {"noi den", "diem den", "xa den", "xa phuong den", "xa/phuong den", "destination",
                         "destination ward", "ward", "ward code", "ma xa"},
}  # fmt: skip


def template_header() -> list[str]:
    return [str(label) for _key, label in COLUMNS]


def _heading(text: str) -> str:
    """'Họ và tên (*)' -> 'ho va ten': a heading without accents, case or punctuation."""
    return " ".join(_NOT_A_WORD.sub(" ", search_key(text)).split())


def _heading_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for column, label in COLUMNS:
        names = {column, column.replace("_", " "), *_ALIASES.get(column, ())}
        for code, _name in settings.LANGUAGES:
            with override(code):
                names.add(str(label))
        for name in names:
            keys[_heading(name)] = column
    return keys


def _cell(value: Any, column: str) -> str:
    """A spreadsheet cell as the text the operator meant: a spreadsheet turns 001090001234
    and 0912345678 into numbers and drops their leading zeros, so they are put back."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        if column == "id_number" and 10 <= len(text) < 12:
            return text.zfill(12)
        if column == "phone" and len(text) == 9:
            return "0" + text
        return text
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _columns(texts: list[str], keys: dict[str, str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, text in enumerate(texts):
        column = keys.get(_heading(text)) or keys.get(_heading(text.split("/")[0]))
        if column and column not in columns:
            columns[column] = index
    return columns


def _rows(table: Iterable[tuple[int, Sequence[Any]]]) -> list[SourceRow]:
    """The rows under the heading row (the first row that names at least the name and id
    columns, so a title above it is fine), read lazily: a huge file stops early."""
    keys = _heading_keys()
    columns: dict[str, int] | None = None
    found: list[SourceRow] = []
    seen = 0
    for line, cells in table:
        if line > MAX_UPLOAD_LINES:
            break
        texts = [_cell(value, "") for value in cells]
        if not any(texts):
            continue
        seen += 1
        if columns is None:
            heading = _columns(texts, keys)
            if "full_name" in heading and "id_number" in heading:
                columns = heading
            elif seen >= HEADING_SEARCH_ROWS:
                break
            continue
        if len(found) >= MAX_UPLOAD_ROWS:
            raise DomainError(
                _("A file may list at most %(count)s passengers.") % {"count": MAX_UPLOAD_ROWS},
                TripError.TOO_MANY_ROWS,
                field="file",
            )
        values = {
            column: _cell(cells[index], column) if index < len(cells) else "" for column, index in columns.items()
        }
        found.append(SourceRow(line, PassengerInput(**{key: values.get(key, "") for key, _label in COLUMNS})))
    if not seen:
        raise DomainError(_("The file is empty."), TripError.FILE_EMPTY, field="file")
    if columns is None:
        raise DomainError(
            _("No row holds the template's column headings (at least name and id number)."),
            TripError.HEADINGS_MISSING,
            field="file",
        )
    return found


def passenger_file_read(*, name: str, content: bytes) -> list[SourceRow]:
    """The passenger rows of an uploaded CSV or XLSX file, with their line numbers."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError(_("The file is too large (2 MB at most)."), TripError.FILE_TOO_LARGE, field="file")
    table = uploaded_table(
        name=name, content=content, unreadable=TripError.FILE_UNREADABLE, wrong_type=TripError.FILE_TYPE
    )
    return _rows(table)
