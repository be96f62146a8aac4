"""The rows under a heading row of an uploaded table, shared by every import."""

from __future__ import annotations

import io

import pytest
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from truyvet.lib.error_codes import CoreError
from truyvet.lib.errors import DomainError
from truyvet.lib.tables import TableShape, heading_key, table_records, uploaded_table

SHAPE = TableShape(
    columns=(("full_name", _("Full name")), ("id_number", _("Citizen id or passport number")), ("phone", _("Phone"))),
    aliases={"full_name": {"ho va ten"}, "id_number": {"cccd"}},
    required=frozenset({"full_name", "id_number"}),
    max_rows=3,
    max_lines=20,
    empty=CoreError.REQUIRED,
    headings_missing=CoreError.INVALID,
    too_many_rows=CoreError.TOO_LARGE,
    too_many_message=_("At most %(count)s rows."),
    headings_message=_("No heading row."),
)


def _csv(text: str) -> list[tuple[int, dict[str, str]]]:
    table = uploaded_table(
        name="x.csv", content=text.encode(), unreadable=CoreError.MALFORMED_REQUEST, wrong_type=CoreError.INVALID
    )
    return table_records(table, SHAPE)


def test_a_heading_is_compared_without_accents_case_or_punctuation() -> None:
    assert heading_key("  Họ và TÊN (*) ") == "ho va ten"
    assert heading_key("CCCD/Hộ chiếu") == "cccd/ho chieu"


def test_rows_under_a_title_and_a_heading_in_people_s_own_words_are_read_with_their_lines() -> None:
    rows = _csv("Danh sách nhân viên\nHọ và tên;CCCD\nNguyễn Văn An;001090001234\n\nTrần Bình;001090001235\n")
    assert rows == [
        (3, {"full_name": "Nguyễn Văn An", "id_number": "001090001234", "phone": ""}),
        (5, {"full_name": "Trần Bình", "id_number": "001090001235", "phone": ""}),
    ]


def test_a_spreadsheet_s_numbers_get_their_leading_zeros_back() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Full name", "Citizen id or passport number", "Phone"])
    sheet.append(["Lê Chi", 1090001234, 912345678])
    buffer = io.BytesIO()
    book.save(buffer)
    table = uploaded_table(
        name="x.xlsx", content=buffer.getvalue(), unreadable=CoreError.MALFORMED_REQUEST, wrong_type=CoreError.INVALID
    )
    assert table_records(table, SHAPE) == [
        (2, {"full_name": "Lê Chi", "id_number": "001090001234", "phone": "0912345678"})
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("\n\n", CoreError.REQUIRED),
        ("Name;Something\nAn;1\n", CoreError.INVALID),
        ("ho va ten,cccd\n" + "".join(f"An {i},00109000123{i}\n" for i in range(4)), CoreError.TOO_LARGE),
    ],
    ids=["empty", "no heading row", "too many rows"],
)
def test_a_file_that_cannot_be_imported_is_refused_on_the_file_field(text: str, code: CoreError) -> None:
    with pytest.raises(DomainError) as refused:
        _csv(text)
    assert refused.value.code == code
    assert list(refused.value.errors) == ["file"]
