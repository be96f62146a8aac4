"""Facilities as a file: the CSV or XLSX staff upload to register many at once, read into
rows with their line numbers (as ``checkpoints/passenger_files.py`` reads passenger lists).

The heading row may use the template's headings in Vietnamese or English, or the column
codes (``name``, ``type``, ``ward_code``, ``address``, ``latitude``, ``longitude``,
``capacity``, ``managers``, ``venue_code``). A type may be its code or its words; a ward its
code. What the rows hold is checked by ``safetymap.services.facilities_import``, every row
before any is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from safetymap.errors import SafetymapError
from safetymap.models import FacilityType
from safetymap.services import FacilityInput, ImportRow
from truyvet.lib.errors import DomainError
from truyvet.lib.tables import uploaded_table
from truyvet.people.normalize import search_key

MAX_UPLOAD_ROWS = 5000
MAX_UPLOAD_LINES = 10000
HEADING_SEARCH_ROWS = 10
MAX_UPLOAD_BYTES = 5 * 1024 * 1024

COLUMNS: tuple[tuple[str, Promise], ...] = (
    ("name", _("Name")),
    ("type", _("Type")),
    ("ward_code", _("Ward code")),
    ("address", _("Address")),
    ("latitude", _("Latitude")),
    ("longitude", _("Longitude")),
    ("capacity", _("Capacity")),
    ("managers", _("Managers")),
    ("venue_code", _("QR venue code")),
)
_ALIASES = {
    "name": {"ten", "ten co so", "co so"},
    "type": {"loai", "loai hinh", "loai co so"},
    "ward_code": {"ma xa", "ma phuong", "ma xa phuong", "xa phuong", "ward"},
    "address": {"dia chi"},
    "latitude": {"vi do", "lat"},
    "longitude": {"kinh do", "lng", "lon"},
    "capacity": {"suc chua", "quy mo"},
    "managers": {"nguoi quan ly", "quan ly", "manager"},
    "venue_code": {"ma qr", "ma dia diem", "venue"},
}
_NOT_A_WORD = re.compile(r"[^a-z0-9 ]")


def template_header() -> list[str]:
    return [str(label) for _key, label in COLUMNS]


def _heading(text: str) -> str:
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


def _type_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for value, label in FacilityType.choices:
        keys[_heading(value)] = value
        for code, _name in settings.LANGUAGES:
            with override(code):
                keys[_heading(str(label))] = value
    return keys


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _row_input(values: dict[str, str], types: dict[str, str]) -> FacilityInput:
    ward_text = values.get("ward_code", "")
    capacity_text = values.get("capacity", "")
    return FacilityInput(
        name=values.get("name", ""),
        type=types.get(_heading(values.get("type", "")), values.get("type", "")),
        ward_code=int(ward_text) if ward_text.isdigit() and len(ward_text) <= 9 else None,
        address=values.get("address", ""),
        latitude=values.get("latitude", ""),
        longitude=values.get("longitude", ""),
        capacity=int(capacity_text) if capacity_text.isdigit() and len(capacity_text) <= 9 else None,
        managers=[m for m in re.split(r"[;,]", values.get("managers", "")) if m.strip()],
        venue_code=values.get("venue_code", ""),
    )


def _rows(table: Iterable[tuple[int, Sequence[Any]]]) -> list[ImportRow]:
    keys = _heading_keys()
    types = _type_keys()
    columns: dict[str, int] | None = None
    found: list[ImportRow] = []
    seen = 0
    for line, cells in table:
        if line > MAX_UPLOAD_LINES:
            break
        texts = [_cell(value) for value in cells]
        if not any(texts):
            continue
        seen += 1
        if columns is None:
            heading: dict[str, int] = {}
            for index, text in enumerate(texts):
                column = keys.get(_heading(text))
                if column and column not in heading:
                    heading[column] = index
            if {"name", "type", "ward_code"} <= heading.keys():
                columns = heading
            elif seen >= HEADING_SEARCH_ROWS:
                break
            continue
        if len(found) >= MAX_UPLOAD_ROWS:
            raise DomainError(
                _("A file may list at most %(count)s facilities.") % {"count": MAX_UPLOAD_ROWS},
                SafetymapError.FILE_TOO_LARGE,
                field="file",
            )
        values = {column: texts[index] if index < len(texts) else "" for column, index in columns.items()}
        found.append(ImportRow(line, _row_input(values, types)))
    if not seen:
        raise DomainError(_("The file is empty."), SafetymapError.FILE_EMPTY, field="file")
    if columns is None:
        raise DomainError(
            _("No row holds the template's column headings (at least name, type and ward code)."),
            SafetymapError.HEADINGS_MISSING,
            field="file",
        )
    return found


def facility_file_read(*, name: str, content: bytes) -> list[ImportRow]:
    """The facility rows of an uploaded CSV or XLSX file, with their line numbers."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError(_("The file is too large (5 MB at most)."), SafetymapError.FILE_TOO_LARGE, field="file")
    table = uploaded_table(
        name=name, content=content, unreadable=SafetymapError.FILE_UNREADABLE, wrong_type=SafetymapError.FILE_TYPE
    )
    return _rows(table)
