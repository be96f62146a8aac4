"""What the registration and appointment tests share: a campaign in ward A, the citizen's
household, an employer and its representative, and employee files."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from django.utils import timezone

from tests.factories import home_ward
from vaccination.models import Campaign, CampaignProduct, PriorityGroup

HEADER = ["Họ và tên", "Số CCCD", "Ngày sinh", "Giới tính", "Số điện thoại", "Mã xã", "Nhóm ưu tiên"]


def make_campaign(**changes: object) -> Campaign:
    today = timezone.localdate()
    values: dict[str, object] = {
        "name": "Tiêm chủng đợt 1",
        "starts_on": today - timedelta(days=10),
        "ends_on": today + timedelta(days=60),
    }
    values.update(changes)
    campaign = Campaign.objects.create(**values)
    campaign.wards.add(home_ward(0))
    if not PriorityGroup.objects.exists():  # a transactional test's flush empties what the migration seeded
        PriorityGroup.objects.create(code="health-workers", name="Người làm việc trong các cơ sở y tế", order=1)
    campaign.priority_groups.set(PriorityGroup.objects.order_by("order")[:10])
    CampaignProduct.objects.create(
        campaign=campaign, product="EU/1/20/1528", manufacturer="ORG-100030215", min_interval_days=21,
        max_interval_days=42,
    )  # fmt: skip
    return campaign


def employee_id(n: int, born: date, *, female: bool = False) -> str:
    """A valid citizen id: Hà Nội (001), the century and sex digit, the year, six digits."""
    century = {1900: 0, 2000: 2}[born.year // 100 * 100] + (1 if female else 0)
    return f"001{century}{born.year % 100:02d}{n:06d}"


def employee_rows(count: int, *, start: int = 0, ward_code: int | None = None) -> list[list[str]]:
    ward = ward_code if ward_code is not None else home_ward(0).code
    rows = []
    for i in range(start, start + count):
        born = date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
        female = bool(i % 2)
        rows.append([
            f"Nguyễn Thị Công Nhân {i}" if female else f"Trần Văn Công Nhân {i}",
            employee_id(i, born, female=female),
            born.strftime("%d/%m/%Y"),
            "Nữ" if female else "Nam",
            f"09{i:08d}"[:10],
            str(ward),
            "",
        ])  # fmt: skip
    return rows


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
