from __future__ import annotations

from typing import Any

import pytest

from tests.factories import home_ward


@pytest.fixture
def daily_body() -> dict[str, Any]:
    """A valid daily declaration for the API (a man born in 1990, id registered in Lai Châu)."""
    return {
        "kind": "daily",
        "person": {
            "full_name": "nguyễn  văn AN",
            "id_number": "012090123456",
            "date_of_birth": "1990-05-17",
            "gender": "male",
            "phone": "0912 345 678",
            "ward_code": home_ward(0).code,
            "address": "Bản Nà Lại, nhà 12",
        },
        "symptoms": [],
        "exposures": {"case_contact": False, "outbreak_zone": False, "abroad_14d": False},
    }
