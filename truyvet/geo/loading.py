"""Load administrative units from the ``vietnam-provinces`` package.

Takes the model classes as arguments so the data migration can pass its historical models.
"""

from __future__ import annotations

from typing import Any

from vietnam_provinces import Province as PkgProvince
from vietnam_provinces import Ward as PkgWard

from truyvet.geo.names import sort_name


def _sorted(model: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with the sort key, for models that have one (the migration that first
    loads the units runs before the field exists)."""
    if any(f.name == "sort_name" for f in model._meta.get_fields()):
        return {**fields, "sort_name": sort_name(fields["name"])}
    return fields


def _updated(model: Any, fields: list[str]) -> list[str]:
    return [*fields, "sort_name"] if any(f.name == "sort_name" for f in model._meta.get_fields()) else fields


def load_units(province_model: Any, ward_model: Any) -> tuple[int, int]:
    """Insert or update every province and ward; returns (provinces, wards) counts."""
    provinces = [
        province_model(
            **_sorted(
                province_model,
                {"code": int(p.code), "name": p.name, "codename": p.codename, "division_type": p.division_type.value},
            )
        )
        for p in PkgProvince.iter_all()
    ]
    province_model.objects.bulk_create(
        provinces,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=_updated(province_model, ["name", "codename", "division_type"]),
    )
    wards = [
        ward_model(
            **_sorted(
                ward_model,
                {
                    "code": int(w.code),
                    "name": w.name,
                    "codename": w.codename,
                    "division_type": w.division_type.value,
                    "province_id": int(w.province_code),
                },
            )
        )
        for w in PkgWard.iter_all()
    ]
    ward_model.objects.bulk_create(
        wards,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=_updated(ward_model, ["name", "codename", "division_type", "province"]),
    )
    return len(provinces), len(wards)
