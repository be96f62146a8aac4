"""Every reason the server can give for refusing a scanned passage has words for staff, in
Vietnamese and in English (checkpoints/errors.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.utils import translation

from checkpoints.errors import ScanRejection
from checkpoints.scanner_views import REJECTION_LABELS
from checkpoints.schemas import ScanIn

ROOT = Path(__file__).resolve().parents[2]


def _codes_raised_in(path: Path) -> set[str]:
    """The string codes passed to ``_Rejected(...)`` in a module."""
    codes = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_Rejected":
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                codes.add(first.value)
    return codes


def test_every_reason_the_scan_service_raises_has_a_label() -> None:
    raised = _codes_raised_in(ROOT / "checkpoints" / "services.py")
    assert raised, "the scan service raises its reasons with _Rejected"
    assert raised <= set(ScanRejection.values), raised - set(ScanRejection.values)


def test_every_field_of_a_scan_item_has_a_label_for_its_invalid_value() -> None:
    expected = {f"{name}_invalid" for name in ScanIn.__struct_fields__} | {"item_not_object"}
    assert expected <= set(ScanRejection.values), expected - set(ScanRejection.values)


def test_every_reason_of_a_refused_token_has_a_label() -> None:
    tokens = {f"token_{r}" for r in ("expired", "bad_signature", "malformed", "revoked", "unknown")}
    assert tokens <= set(ScanRejection.values)


def test_every_label_is_in_vietnamese_and_in_english() -> None:
    for code, label in REJECTION_LABELS.items():
        with translation.override("en"):
            english = str(label)
        with translation.override("vi"):
            vietnamese = str(label)
        assert english and vietnamese != english, code
