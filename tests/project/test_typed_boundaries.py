"""Services and selectors say who acts: a ``User`` (or ``User | AnonymousUser`` where a
visitor may be anonymous), never ``Any``; mypy checks them strictly (``pyproject.toml``)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_PRODUCT = {".venv", "tests", "migrations", "bench", "static", "staticfiles", "node_modules"}
WHO = {"user", "actor", "operator", "viewer", "declarant"}


def _product_modules() -> list[Path]:
    return [path for path in ROOT.rglob("*.py") if not NOT_PRODUCT.intersection(path.relative_to(ROOT).parts[:-1])]


def _untyped_who(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            for argument in arguments:
                annotation = argument.annotation
                if argument.arg in WHO and isinstance(annotation, ast.Name) and annotation.id == "Any":
                    found.append(f"{path}:{node.lineno} {node.name}({argument.arg})")
    return found


def test_no_function_of_the_product_takes_its_user_as_any() -> None:
    found = [place for path in _product_modules() for place in _untyped_who(path)]
    assert not found, f"type these as User (or User | AnonymousUser): {found}"


def test_the_check_finds_a_user_typed_as_any(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from typing import Any\ndef case_open(*, user: Any, person: int) -> None: ...\n")
    assert _untyped_who(sample) == [f"{sample}:2 case_open(user)"]
