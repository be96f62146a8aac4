"""Every error code a user can meet has words of its own, in English and Vietnamese, and
every ``DomainError`` raised by the product names its code by an enum member, never by a
bare string (a typo there would be a new code that no client knows)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation

from truyvet.lib.errors import ErrorCode, error_code_enums

ROOT = Path(__file__).resolve().parents[2]

# Folders that are not product code.
NOT_PRODUCT = frozenset({".venv", "tests", "migrations", "bench", "static", "node_modules", "staticfiles"})


def _enums() -> list[type[ErrorCode]]:
    importlib.import_module("truyvet.lib.error_codes")
    for app in apps.get_app_configs():
        if importlib.util.find_spec(f"{app.name}.errors") is not None:
            importlib.import_module(f"{app.name}.errors")
    return error_code_enums()


MEMBERS = [member for enum in _enums() for member in enum]


def test_the_enums_of_the_core_and_of_declarations_and_venues_are_found() -> None:
    names = {enum.__name__ for enum in error_code_enums()}
    assert {"CoreError", "DeclarationError", "VenueError"} <= names


@pytest.mark.parametrize("member", MEMBERS, ids=lambda m: f"{type(m).__name__}.{m.name}")
def test_each_code_has_a_label_of_its_own_and_vietnamese_words(member: ErrorCode) -> None:
    automatic = member.name.replace("_", " ").title()  # what Django gives a member without a label
    with translation.override("en"):
        english = str(member.label)
    with translation.override("vi"):
        vietnamese = str(member.label)
    assert english != automatic, f"{member.value} has no label"
    assert vietnamese != english, f"{member.value} has no Vietnamese words: {english!r}"


def _product_modules() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if any(part in NOT_PRODUCT or part.startswith(".") for part in parts[:-1]):
            continue
        yield path


def _literal_codes(path: Path, *, root: Path = ROOT) -> Iterator[str]:
    """``file:line`` of each ``DomainError(...)`` whose code (second positional argument, or
    ``code=``) is written as a string."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name != "DomainError":
            continue
        code = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "code"), None)
        if isinstance(code, ast.JoinedStr) or (isinstance(code, ast.Constant) and isinstance(code.value, str)):
            yield f"{path.relative_to(root).as_posix()}:{node.lineno}"


def test_the_product_is_read() -> None:
    read = {path.relative_to(ROOT).as_posix() for path in _product_modules()}
    assert {"venues/services.py", "declarations/services.py", "truyvet/lib/schema.py"} <= read
    assert not any(path.startswith(("tests/", ".venv/")) or "/migrations/" in path for path in read)


def test_no_domain_error_names_its_code_with_a_bare_string() -> None:
    found = [place for path in _product_modules() for place in _literal_codes(path)]
    assert not found, f"give these DomainErrors a member of their app's ErrorCode enum: {found}"


def test_the_check_finds_a_bare_string_code(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'raise DomainError("No.", "nope")\n'
        'raise errors.DomainError("No.", code=f"x_{y}")\n'
        'raise DomainError("Yes.", VenueError.UNKNOWN_VENUE)\n'
        'raise DomainError("Yes.", code=CoreError.INVALID)\n',
        encoding="utf-8",
    )
    assert list(_literal_codes(sample, root=tmp_path)) == ["sample.py:1", "sample.py:2"]
