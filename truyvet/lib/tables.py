"""An uploaded table (CSV or XLSX) read as rows with their line numbers, for the imports of
the apps (a bus trip's passengers, the safety map's facilities, a business's employees):
the file's reader, then the rows under the heading row as texts by column. What the rows
mean, and the bounds on their number, are the app's (a ``TableShape``); the refusal's code
is the app's own member."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from truyvet.lib.errors import DomainError, ErrorCode
from truyvet.lib.text import search_key

Table = Iterator[tuple[int, Sequence[Any]]]

_UNREADABLE_CSV = _("The file could not be read: save it as CSV UTF-8.")
_UNREADABLE_XLSX = _("The file could not be read as an Excel workbook (.xlsx).")

# What a damaged or hostile workbook raises while it is opened or read.
_XLSX_ERRORS = (
    zipfile.BadZipFile,
    InvalidFileException,
    ParseError,
    KeyError,
    IndexError,
    OSError,
    ValueError,
    TypeError,
)


def csv_table(content: bytes, *, unreadable: ErrorCode) -> Table:
    """UTF-8 (with or without its mark) or Windows-1258, the delimiter Excel chose."""
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError(_UNREADABLE_CSV, unreadable, field="file")
    text = unicodedata.normalize("NFC", text)  # Windows-1258 writes tone marks apart from their letter
    delimiter = max(",;\t", key=text[:4096].count)  # Excel in Vietnamese saves with ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error:
        raise DomainError(_UNREADABLE_CSV, unreadable, field="file") from None


def xlsx_table(content: bytes, *, unreadable: ErrorCode) -> Table:
    """The first sheet's rows, read as they are needed (a read-only workbook streams its XML)."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except _XLSX_ERRORS:
        raise DomainError(_UNREADABLE_XLSX, unreadable, field="file") from None
    try:
        yield from enumerate(book.worksheets[0].iter_rows(values_only=True), start=1)
    except _XLSX_ERRORS:
        raise DomainError(_UNREADABLE_XLSX, unreadable, field="file") from None
    finally:
        book.close()


def uploaded_table(*, name: str, content: bytes, unreadable: ErrorCode, wrong_type: ErrorCode) -> Table:
    """An uploaded file's rows, read as XLSX (by its name or its zip signature) or as CSV."""
    lower = name.lower()
    if lower.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return xlsx_table(content, unreadable=unreadable)
    if lower.endswith((".csv", ".txt")):
        return csv_table(content, unreadable=unreadable)
    raise DomainError(_("Upload a .csv or .xlsx file."), wrong_type, field="file")


# --- Rows under a heading row ------------------------------------------------------------------

_NOT_A_WORD = re.compile(r"[^a-z0-9/ ]")


def heading_key(text: str) -> str:
    """'Họ và tên (*)' -> 'ho va ten': a heading (or a word of a list) without accents, case
    or punctuation but "/", for comparing what people write with what the template says."""
    return " ".join(_NOT_A_WORD.sub(" ", search_key(text)).split())


def cell_text(value: Any, column: str) -> str:
    """A spreadsheet cell as the text the operator meant. A spreadsheet turns 001090001234 and
    0912345678 into numbers and drops their leading zeros: the columns ``id_number`` and
    ``phone`` get them back. Dates are ISO."""
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
    if isinstance(value, datetime):  # a spreadsheet's date is a datetime at midnight
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


@dataclass(frozen=True)
class TableShape:
    """What an import expects of a table: its columns (code, template heading), the headings
    people write in their own lists (compared by ``heading_key``), the columns a heading row
    must name, the bounds, and the app's error codes and words for a refused file."""

    columns: tuple[tuple[str, Promise], ...]
    aliases: Mapping[str, Iterable[str]]
    required: frozenset[str]
    max_rows: int
    max_lines: int
    empty: ErrorCode
    headings_missing: ErrorCode
    too_many_rows: ErrorCode
    too_many_message: Promise  # with %(count)s
    headings_message: Promise
    heading_search_rows: int = 10

    def header(self) -> list[str]:
        """The template's heading row, in the active language."""
        return [str(label) for _code, label in self.columns]

    def heading_keys(self) -> dict[str, str]:
        """Every heading that names a column (its code, the template's words in every
        language, the aliases), folded, to the column's code."""
        keys: dict[str, str] = {}
        for column, label in self.columns:
            names = {column, column.replace("_", " "), *self.aliases.get(column, ())}
            for code, _name in settings.LANGUAGES:
                with override(code):
                    names.add(str(label))
            for name in names:
                keys[heading_key(name)] = column
        return keys


def _heading_row(texts: list[str], keys: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, text in enumerate(texts):
        # "CCCD/Hộ chiếu" is an alias; "Họ và tên/Full name" is its first half.
        column = keys.get(heading_key(text)) or keys.get(heading_key(text.split("/")[0]))
        if column and column not in found:
            found[column] = index
    return found


def table_records(table: Iterable[tuple[int, Sequence[Any]]], shape: TableShape) -> list[tuple[int, dict[str, str]]]:
    """The rows under the heading row as (line, {column code: text}), every column of the
    shape present (empty when the file lacks it). The heading row is the first of the first
    ``heading_search_rows`` non-blank rows that names every required column, so a title above
    it is fine. Read lazily: lines past ``max_lines`` are not read; more than ``max_rows``
    rows, no heading row or no row at all is a ``DomainError`` on the field ``file``."""
    keys = shape.heading_keys()
    columns: dict[str, int] | None = None
    found: list[tuple[int, dict[str, str]]] = []
    seen = 0
    for line, cells in table:
        if line > shape.max_lines:
            break
        if columns is None:
            texts = [cell_text(value, "") for value in cells]
            if not any(texts):
                continue
            seen += 1
            heading = _heading_row(texts, keys)
            if shape.required <= heading.keys():
                columns = heading
            elif seen >= shape.heading_search_rows:
                break
            continue
        # Below the heading only the shape's columns are read (a wide sheet costs no more).
        values = {code: "" for code, _label in shape.columns}
        for column, index in columns.items():
            if index < len(cells):
                values[column] = cell_text(cells[index], column)
        if not any(values.values()):
            continue
        if len(found) >= shape.max_rows:
            raise DomainError(shape.too_many_message % {"count": shape.max_rows}, shape.too_many_rows, field="file")
        found.append((line, values))
    if not seen:
        raise DomainError(_("The file is empty."), shape.empty, field="file")
    if columns is None:
        raise DomainError(shape.headings_message, shape.headings_missing, field="file")
    return found
