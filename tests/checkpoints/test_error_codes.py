"""Every error checkpoints raises carries a code of its enums (checkpoints/errors.py), the
codes clients already know keep their strings, and every code has words in Vietnamese and
in English."""

from __future__ import annotations

import ast
from pathlib import Path

from django.utils import translation

from checkpoints.errors import CheckpointError, ScanRejection, TripError, TripRejection

ROOT = Path(__file__).resolve().parents[2]
ENUMS = (ScanRejection, TripRejection, TripError, CheckpointError)

# The codes the API and the pages answered before they were enums: a client may test for
# any of them, so none may change its string.
KNOWN = {
    "not_an_operator", "unknown_ward", "required", "invalid", "id_required", "id_format",
    "ward_ambiguous", "name_required", "name_too_long", "invalid_phone", "seat_too_long",
    "duplicate_in_file", "already_on_trip", "too_many_rows", "file_empty", "headings_missing",
    "file_unreadable", "file_too_large", "file_type", "no_passenger", "direction_invalid",
    "trip_unknown", "trip_empty", "passenger_unknown", "client_id_reused", "forbidden",
    "ward_outside", "staff_outside", "not_on_duty", "batch_too_large", "scans_required",
    "one_identifier_required", "phone_invalid",
}  # fmt: skip


def _domain_errors() -> list[tuple[str, int, ast.expr | None]]:
    """(file, line, code argument) of every ``DomainError(...)`` made in checkpoints."""
    found = []
    for path in sorted((ROOT / "checkpoints").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "DomainError":
                code = node.args[1] if len(node.args) > 1 else None
                code = next((k.value for k in node.keywords if k.arg == "code"), code)
                found.append((str(path.relative_to(ROOT)), node.lineno, code))
    return found


def test_no_error_of_checkpoints_is_raised_with_a_bare_string_for_its_code() -> None:
    errors = _domain_errors()
    assert len(errors) > 20, "the services, the file reader, the lookup and the API raise DomainError"
    bare = [
        (path, line) for path, line, code in errors if code is None or isinstance(code, ast.Constant | ast.JoinedStr)
    ]
    assert not bare, bare


def test_every_enum_member_named_in_a_domain_error_exists() -> None:
    names = {enum.__name__: enum for enum in ENUMS}
    for path, line, code in _domain_errors():
        if isinstance(code, ast.Attribute) and getattr(code.value, "id", "") in names:
            assert code.attr in names[code.value.id].__members__, (path, line, code.attr)


def test_the_codes_clients_know_keep_their_strings() -> None:
    codes = {code for enum in ENUMS for code in enum.values}
    assert codes >= KNOWN, KNOWN - codes


def test_every_code_has_words_in_vietnamese_and_in_english() -> None:
    for enum in ENUMS:
        for member in enum:
            with translation.override("en"):
                english = str(member.label)
            with translation.override("vi"):
                vietnamese = str(member.label)
            assert english and english != member.name.replace("_", " ").title(), member
            assert vietnamese != english, member
