"""Identity input hygiene: names keep their capitals, id numbers are ASCII digits, and names
or addresses with invisible or direction-control characters are refused with a message."""

from __future__ import annotations

import pytest

from truyvet.lib.errors import DomainError
from truyvet.lib.text import refuse_invisible
from truyvet.people.normalize import normalize_name
from truyvet.people.services import person_fields
from truyvet.people.validation import validate_citizen_id

SPOOFS = [
    "Nguyễn\u202eA nạV",  # right-to-left override
    "Nguyễn\u200b Văn",  # zero-width space
    "Nguyễn\u200d Văn",  # zero-width joiner
    "Nguyễn\u200f Văn",  # right-to-left mark
    "Nguyễn\u202a Văn",  # left-to-right embedding
    "Nguyễn\u2066 Văn",  # left-to-right isolate
    "Nguyễn\u2069 Văn",  # pop directional isolate
    "\ufeffNguyễn Văn",  # byte-order mark
    "Nguyễn\x00 Văn",  # C0
    "Nguyễn\x1b Văn",  # escape
    "Nguyễn\x85 Văn",  # C1 next line
    "Nguyễn\x9b Văn",  # C1 control sequence introducer
    "Nguyễn\udfff Văn",  # a lone surrogate
]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  nguyễn   văn AN ", "Nguyễn Văn AN"),
        ("McDonald", "McDonald"),
        ("DƯƠNG THỊ MAI", "DƯƠNG THỊ MAI"),
        ("o'NEILL", "O'NEILL"),
        ("la thị ơn", "La Thị Ơn"),
        ("Nguye\u0302\u0303n", "Nguyễn"),
    ],
)
def test_the_name_normaliser_never_lowers_a_letter(typed: str, kept: str) -> None:
    assert normalize_name(typed) == kept


@pytest.mark.parametrize("text", SPOOFS)
def test_invisible_and_direction_characters_are_refused_with_a_message(text: str) -> None:
    with pytest.raises(DomainError) as refused:
        refuse_invisible(text, "full_name")
    assert refused.value.code == "invalid_characters"
    assert refused.value.errors["full_name"]


@pytest.mark.parametrize("text", ["Nguyễn Văn An", "Số 1, ngõ 2\nphố Huế", "Đặng\tThị", "O'Neill-Smith"])
def test_ordinary_names_and_addresses_pass_unchanged(text: str) -> None:
    assert refuse_invisible(text, "address") == text


@pytest.mark.parametrize("field", ["full_name", "address"])
def test_a_person_with_a_spoofing_name_or_address_is_refused(field: str) -> None:
    fields = {"full_name": "Lò Văn Páo", "address": "Số 1", field: "Lò\u202e Văn"}
    with pytest.raises(DomainError) as refused:
        person_fields(id_number="012090000111", gender="male", **fields)
    assert refused.value.code == "invalid_characters"
    assert field in refused.value.errors


@pytest.mark.parametrize(
    "id_number",
    [
        "01209000011\u0301",  # a combining mark after the digits
        "0120900001\u0301" + "1",
        "０１２０９００００１１１",  # full width
        "٠١٢٠٩٠٠٠٠١١١",  # Arabic-Indic
        "01209000011\U0001d7d7",  # mathematical bold nine
        "012090000\udfff11",
    ],
)
def test_a_citizen_id_is_twelve_ascii_digits_after_nfc(id_number: str) -> None:
    with pytest.raises(DomainError) as refused:
        validate_citizen_id(id_number, date_of_birth=None, gender="")
    assert refused.value.code == "id_format"


def test_a_citizen_id_with_spaces_is_still_read() -> None:
    assert validate_citizen_id(" 012 090 000 111 ", date_of_birth=None, gender="male") == "012090000111"
