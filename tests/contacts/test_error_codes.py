"""Every error tracing answers carries a code of its enum, with words of its own in both
languages."""

from __future__ import annotations

import ast
from pathlib import Path

from django.utils import translation

from contacts.errors import ContactsError

CONTACTS = Path(__file__).resolve().parents[2] / "contacts"


def _raised_codes() -> list[tuple[str, int, ast.expr]]:
    """(file, line, code argument) of every ``DomainError(...)`` in the contacts app."""
    found = []
    for path in sorted(CONTACTS.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DomainError":
                code = node.args[1] if len(node.args) > 1 else next(k.value for k in node.keywords if k.arg == "code")
                found.append((path.name, node.lineno, code))
    return found


def test_every_error_the_app_raises_names_a_member_of_its_enum() -> None:
    raised = _raised_codes()
    assert raised  # the walk found the app's errors
    literal = [(name, line) for name, line, code in raised if isinstance(code, ast.Constant)]
    assert literal == []
    members = {
        code.attr
        for _name, _line, code in raised
        if isinstance(code, ast.Attribute) and getattr(code.value, "id", None) == "ContactsError"
    }
    assert members <= set(ContactsError.__members__)


def test_the_codes_clients_know_are_kept() -> None:
    assert {
        "case_exists",
        "not_found",
        "invalid",
        "in_future",
        "upload_code_used",
        "upload_code_expired",
        "upload_code_invalid",
        "device_mismatch",
        "device_unknown",
        "too_many",
        "too_large",
    } <= set(ContactsError.values)


def test_each_code_has_its_own_words_in_english_and_vietnamese() -> None:
    with translation.override("en"):
        english = {member: str(member.label) for member in ContactsError}
    with translation.override("vi"):
        vietnamese = {member: str(member.label) for member in ContactsError}
    assert len(set(english.values())) == len(english)
    for member in ContactsError:
        assert english[member] != member.value.replace("_", " ").capitalize()  # not Django's made-up label
        assert vietnamese[member] != english[member], member
