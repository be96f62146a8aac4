"""Employees as a file: the CSV or XLSX an employer's representative uploads to register its
staff for a campaign, read into rows with their line numbers (the shared reader,
``truyvet/lib/tables.py``, as ``checkpoints/passenger_files.py`` does).

The heading row may use the template's headings in Vietnamese or English, the column
codes (``full_name``, ``id_number``, ``date_of_birth``, ``gender``, ``phone``,
``ward_code``, ``priority_group``) or the headings people write in their own lists. What
the rows hold is checked by ``vaccination.registration.employees_import``, every row
before any is written.
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

from truyvet.lib.errors import DomainError
from truyvet.lib.tables import uploaded_table
from truyvet.people.normalize import search_key
from vaccination.registration import EmployeeInput, EmployeeRow
from vaccination.registration_errors import RegistrationError

MAX_UPLOAD_ROWS = 20000
MAX_UPLOAD_LINES = 40000  # blank lines included; rows further down are not read
HEADING_SEARCH_ROWS = 10
MAX_UPLOAD_BYTES = 8 * 1024 * 1024

COLUMNS: tuple[tuple[str, Promise], ...] = (
    ("full_name", _("Full name")),
    ("id_number", _("Citizen id number")),
    ("date_of_birth", _("Date of birth")),
    ("gender", _("Gender")),
    ("phone", _("Mobile number")),
    ("ward_code", _("Ward code")),
    ("priority_group", _("Priority group")),
)
REQUIRED = {"full_name", "id_number", "date_of_birth", "phone", "ward_code"}
_NOT_A_WORD = re.compile(r"[^a-z0-9 ]")
_ALIASES = {
    "full_name": {"ho va ten", "ho ten", "ten", "name"},
    "id_number": {"cccd", "so cccd", "cmnd", "so cmnd", "cccd cmnd", "so dinh danh", "id", "id number"},
    "date_of_birth": {"ngay sinh", "ngay thang nam sinh", "sinh ngay", "dob", "birth date"},
    "gender": {"gioi tinh", "gioi", "sex"},
    "phone": {"sdt", "so dien thoai", "dien thoai", "phone", "mobile"},
    "ward_code": {"ma xa", "ma phuong", "ma xa phuong", "xa phuong", "ward"},
    "priority_group": {"nhom uu tien", "nhom", "doi tuong", "group"},
}


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


def _cell(value: Any, column: str) -> str:
    """A spreadsheet cell as the text the representative meant: a spreadsheet turns
    001090001234 and 0912345678 into numbers and drops their leading zeros."""
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
        return value.isoformat()[:10]
    return str(value).strip()


def _rows(table: Iterable[tuple[int, Sequence[Any]]]) -> list[EmployeeRow]:
    keys = _heading_keys()
    columns: dict[str, int] | None = None
    found: list[EmployeeRow] = []
    seen = 0
    for line, cells in table:
        if line > MAX_UPLOAD_LINES:
            break
        if columns is None:
            texts = [_cell(value, "") for value in cells]
            if not any(texts):
                continue
            seen += 1
            heading: dict[str, int] = {}
            for index, text in enumerate(texts):
                column = keys.get(_heading(text))
                if column and column not in heading:
                    heading[column] = index
            if heading.keys() >= REQUIRED:
                columns = heading
            elif seen >= HEADING_SEARCH_ROWS:
                break
            continue
        values = {c: _cell(cells[i], c) if i < len(cells) else "" for c, i in columns.items()}
        if not any(values.values()):
            continue
        if len(found) >= MAX_UPLOAD_ROWS:
            raise DomainError(
                _("A file may list at most %(count)s employees.") % {"count": MAX_UPLOAD_ROWS},
                RegistrationError.FILE_TOO_LARGE,
                field="file",
            )
        found.append(EmployeeRow(line, EmployeeInput(**{key: values.get(key, "") for key, _label in COLUMNS})))
    if columns is None:
        if not seen:
            raise DomainError(_("The file is empty."), RegistrationError.FILE_EMPTY, field="file")
        raise DomainError(
            _("No row holds the template's column headings (name, id number, date of birth, phone, ward code)."),
            RegistrationError.HEADINGS_MISSING,
            field="file",
        )
    return found


def employee_file_read(*, name: str, content: bytes) -> list[EmployeeRow]:
    """The employee rows of an uploaded CSV or XLSX file, with their line numbers."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError(_("The file is too large (8 MB at most)."), RegistrationError.FILE_TOO_LARGE, field="file")
    table = uploaded_table(
        name=name,
        content=content,
        unreadable=RegistrationError.FILE_UNREADABLE,
        wrong_type=RegistrationError.FILE_TYPE,
    )
    return _rows(table)
