"""Load administrative units from the ``vietnam-provinces`` package.

Takes the model classes as arguments so the data migration can pass its historical models.
"""

from __future__ import annotations

from typing import Any

from vietnam_provinces import Province as PkgProvince
from vietnam_provinces import Ward as PkgWard


def load_units(province_model: Any, ward_model: Any) -> tuple[int, int]:
    """Insert or update every province and ward; returns (provinces, wards) counts."""
    provinces = [
        province_model(code=int(p.code), name=p.name, codename=p.codename, division_type=p.division_type.value)
        for p in PkgProvince.iter_all()
    ]
    province_model.objects.bulk_create(
        provinces,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "codename", "division_type"],
    )
    wards = [
        ward_model(
            code=int(w.code),
            name=w.name,
            codename=w.codename,
            division_type=w.division_type.value,
            province_id=int(w.province_code),
        )
        for w in PkgWard.iter_all()
    ]
    ward_model.objects.bulk_create(
        wards,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "codename", "division_type", "province"],
    )
    return len(provinces), len(wards)
