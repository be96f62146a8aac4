"""An uploaded table (CSV or XLSX) read as rows with their line numbers, for the imports of
the apps (a bus trip's passengers, the safety map's facilities). What the rows mean, and
the bounds on their number, are the app's; the refusal's code is the app's own member."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from truyvet.lib.errors import DomainError, ErrorCode

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
