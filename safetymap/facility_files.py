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

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from safetymap.errors import SafetymapError
from safetymap.models import FacilityType
from safetymap.services import FacilityInput, ImportRow
from truyvet.lib.errors import DomainError
from truyvet.lib.tables import TableShape, heading_key, table_records, uploaded_table

MAX_UPLOAD_ROWS = 5000
MAX_UPLOAD_LINES = 10000
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


SHAPE = TableShape(
    columns=COLUMNS,
    aliases=_ALIASES,
    required=frozenset({"name", "type", "ward_code"}),
    max_rows=MAX_UPLOAD_ROWS,
    max_lines=MAX_UPLOAD_LINES,
    empty=SafetymapError.FILE_EMPTY,
    headings_missing=SafetymapError.HEADINGS_MISSING,
    too_many_rows=SafetymapError.FILE_TOO_LARGE,
    too_many_message=_("A file may list at most %(count)s facilities."),
    headings_message=_("No row holds the template's column headings (at least name, type and ward code)."),
)


def template_header() -> list[str]:
    return SHAPE.header()


def _type_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for value, label in FacilityType.choices:
        keys[heading_key(value)] = value
        for code, _name in settings.LANGUAGES:
            with override(code):
                keys[heading_key(str(label))] = value
    return keys


def _row_input(values: dict[str, str], types: dict[str, str]) -> FacilityInput:
    ward_text = values.get("ward_code", "")
    capacity_text = values.get("capacity", "")
    return FacilityInput(
        name=values.get("name", ""),
        type=types.get(heading_key(values.get("type", "")), values.get("type", "")),
        ward_code=int(ward_text) if ward_text.isdigit() and len(ward_text) <= 9 else None,
        address=values.get("address", ""),
        latitude=values.get("latitude", ""),
        longitude=values.get("longitude", ""),
        capacity=int(capacity_text) if capacity_text.isdigit() and len(capacity_text) <= 9 else None,
        managers=[m for m in re.split(r"[;,]", values.get("managers", "")) if m.strip()],
        venue_code=values.get("venue_code", ""),
    )


def facility_file_read(*, name: str, content: bytes) -> list[ImportRow]:
    """The facility rows of an uploaded CSV or XLSX file, with their line numbers."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError(_("The file is too large (5 MB at most)."), SafetymapError.FILE_TOO_LARGE, field="file")
    table = uploaded_table(
        name=name, content=content, unreadable=SafetymapError.FILE_UNREADABLE, wrong_type=SafetymapError.FILE_TYPE
    )
    types = _type_keys()
    return [ImportRow(line, _row_input(values, types)) for line, values in table_records(table, SHAPE)]
