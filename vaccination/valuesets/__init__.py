"""The EU DCC value sets the portal records doses with (vendored JSON, see README.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
COVID_19 = "840539006"  # disease-agent-targeted: COVID-19 (SNOMED CT)
GENERIC_VACCINE = "28531000087107"  # vaccine-prophylaxis: COVID-19 vaccine


@dataclass(frozen=True)
class Value:
    code: str
    display: str
    active: bool


@cache
def _values(name: str) -> dict[str, Value]:
    data = json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))
    return {
        code: Value(code=code, display=str(entry.get("display", code)), active=bool(entry.get("active", True)))
        for code, entry in data["valueSetValues"].items()
    }


def products() -> dict[str, Value]:
    """``vaccine-medicinal-product``: the ``mp`` codes (EU/1/20/1528: Comirnaty...)."""
    return _values("vaccine-medicinal-product")


def manufacturers() -> dict[str, Value]:
    """``vaccine-mah-manf``: the ``ma`` codes (ORG-100030215: Biontech...)."""
    return _values("vaccine-mah-manf")


def prophylaxes() -> dict[str, Value]:
    """``vaccine-prophylaxis``: the ``vp`` codes (1119349007: mRNA vaccine...)."""
    return _values("vaccine-prophylaxis")


@cache
def encoding_instructions() -> dict[str, tuple[str, str]]:
    """Each product code with its manufacturer and first prophylaxis code, as the eHN
    guidelines encode it, the most specific prophylaxis code first (Comirnaty: ORG-100030215,
    1119349007)."""
    data = json.loads((HERE / "vaccine-encoding-instructions.json").read_text(encoding="utf-8"))
    found: dict[str, tuple[str, str]] = {}
    for entry in data["valueSetValues"].values():
        product = entry.get("vaccine-code")
        codes = entry.get("sct-codes") or []
        if product and product not in found:
            specific = [str(c) for c in codes if str(c) != GENERIC_VACCINE]
            found[product] = (str(entry.get("vaccine-manufacturer", "")), specific[0] if specific else GENERIC_VACCINE)
    return found


def prophylaxis_for(product: str) -> str:
    """The ``vp`` of a product: from the encoding instructions, else the generic COVID-19 vaccine."""
    return encoding_instructions().get(product, ("", ""))[1] or GENERIC_VACCINE


def product_choices(*, active_only: bool = True) -> list[tuple[str, str]]:
    return sorted(
        ((v.code, f"{v.display} ({v.code})") for v in products().values() if v.active or not active_only),
        key=lambda c: c[1].lower(),
    )


def manufacturer_choices(*, active_only: bool = True) -> list[tuple[str, str]]:
    return sorted(
        ((v.code, f"{v.display} ({v.code})") for v in manufacturers().values() if v.active or not active_only),
        key=lambda c: c[1].lower(),
    )
