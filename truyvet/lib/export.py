"""Files people download: CSV and XLSX exports of staff tables (the CSV streamed, so a large
export never sits in memory), and printed cards and posters, PNG or PDF."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

MAX_ROWS = 200_000
_NUMBER = re.compile(r"^[+-]?\d[\d .]*$")


def safe_cell(value: Any) -> Any:
    """Text as a spreadsheet shows it, never run: names come from the public, and a name
    starting with "=" would be a live formula in Excel (CSV injection); control characters
    are dropped (openpyxl refuses them). Phone numbers like +84912… stay as they are."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(("=", "+", "-", "@", "\t", "\r")) and not _NUMBER.match(value):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        yield "\ufeff"  # a BOM, so Excel reads Vietnamese as UTF-8
        yield writer.writerow(header)
        for index, row in enumerate(rows):
            if index >= MAX_ROWS:
                break
            yield writer.writerow([safe_cell(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> HttpResponse:
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append(list(header))
        for index, row in enumerate(rows):
            if index >= MAX_ROWS:
                break
            sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


# The formats of a printed card or poster (``truyvet.lib.drawing.print_bytes``).
PRINT_TYPES = {"png": "image/png", "pdf": "application/pdf"}


def print_response(body: bytes, *, fmt: str, filename: str, cache_control: str) -> HttpResponse:
    """A printed card or poster, shown in the browser (``fmt``: a key of ``PRINT_TYPES``;
    ``filename`` without its extension)."""
    response = HttpResponse(body, content_type=PRINT_TYPES[fmt])
    response["Content-Disposition"] = f'inline; filename="{filename}.{fmt}"'
    response["Cache-Control"] = cache_control
    return response
