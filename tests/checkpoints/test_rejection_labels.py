"""Every reason the server can give for refusing a scanned passage has words for staff, in
Vietnamese and in English (checkpoints/errors.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.utils import translation

from checkpoints.errors import ScanRejection
from checkpoints.schemas import ScanIn
from checkpoints.views.scanner import REJECTION_LABELS

ROOT = Path(__file__).resolve().parents[2]


def _codes_raised_in(path: Path) -> set[str]:
    """The codes passed to ``_Rejected(...)`` in a module, as strings or as members of
    ``ScanRejection`` (a member's name the enum does not have is kept as it is written, so
    that it fails the check below), and the values of the module's ``_TOKEN_REJECTIONS``."""
    codes = set()

    def code_of(node: ast.expr | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "ScanRejection":
            member = getattr(ScanRejection, node.attr, None)
            return member.value if isinstance(member, ScanRejection) else f"ScanRejection.{node.attr}"
        return None

    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_Rejected":
            code = code_of(node.args[0] if node.args else None)
            if code is not None:
                codes.add(code)
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_TOKEN_REJECTIONS" for t in node.targets):
            assert isinstance(node.value, ast.Dict)
            codes |= {code for value in node.value.values if (code := code_of(value)) is not None}
    return codes


def test_every_reason_the_scan_service_raises_has_a_label() -> None:
    raised = _codes_raised_in(ROOT / "checkpoints" / "services" / "scans.py")
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
