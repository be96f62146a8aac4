"""The default checklist of each facility type (version 1), as the national COVID-safe map
asked: masks, hand washing, distancing, temperature screening, ventilation and cleaning, an
isolation room, declarations with QR check-in, a response plan, vaccinated staff. Points
add up to 100; critical criteria make a facility unsafe when they fail. The CDC edits them
on the checklist page (each edit a new version)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

# (Vietnamese, English, points, critical)
COMMON: list[tuple[str, str, int, bool]] = [
    ("Mọi người đeo khẩu trang đúng cách", "Everyone wears a mask properly", 15, True),
    ("Có nơi rửa tay với xà phòng hoặc dung dịch sát khuẩn ở lối vào", "Hand washing with soap or sanitiser at the entrance", 15, True),
    ("Giữ khoảng cách tối thiểu 1 mét, không tụ tập đông người", "At least 1 metre apart, no crowding", 10, False),
    ("Đo thân nhiệt người ra vào", "Temperature screening of everyone coming in", 10, False),
    ("Thông gió tốt, vệ sinh khử khuẩn bề mặt hằng ngày", "Good ventilation, surfaces cleaned and disinfected daily", 10, False),
    ("Có phòng hoặc khu cách ly tạm thời", "An isolation room or area", 10, False),
    ("Nhân viên và khách khai báo y tế, quét mã QR khi vào", "Staff and visitors declare their health and check in by QR", 10, True),
    ("Có phương án phòng chống dịch và người phụ trách", "A response plan and a person in charge", 10, False),
    ("Nhân viên đã tiêm đủ liều vắc xin", "Staff fully vaccinated", 10, False),
]

EXTRA: dict[str, list[tuple[str, str, int, bool]]] = {
    "school": [("Học sinh ngồi giãn cách, không dùng chung đồ dùng", "Pupils seated apart, no shared items", 10, False)],
    "health": [("Phân luồng, sàng lọc người bệnh ngay từ cổng", "Patients triaged and screened at the gate", 15, True)],
    "market": [("Các sạp hàng cách nhau tối thiểu 2 mét", "Stalls at least 2 metres apart", 10, False)],
    "supermarket": [("Giới hạn số khách cùng lúc trong cửa hàng", "A limit on customers inside at once", 10, False)],
    "factory": [("Xét nghiệm định kỳ cho công nhân", "Regular testing of workers", 10, False)],
    "transport": [("Khử khuẩn phương tiện sau mỗi chuyến", "Vehicles disinfected after each trip", 10, False)],
    "hotel": [("Khai báo lưu trú đầy đủ cho khách", "Every guest's stay declared", 10, False)],
    "restaurant": [("Bàn ăn cách nhau, có vách ngăn", "Tables apart, with screens", 10, False)],
    "religious": [("Giới hạn số người tham dự nghi lễ", "A limit on people at ceremonies", 10, False)],
    "office": [],
}


def add_defaults(apps: Any, schema_editor: Any) -> None:
    Checklist = apps.get_model("safetymap", "Checklist")
    Criterion = apps.get_model("safetymap", "Criterion")
    for kind, extra in EXTRA.items():
        if Checklist.objects.filter(type=kind).exists():
            continue
        checklist = Checklist.objects.create(type=kind, version=1, note="Mặc định / Default")
        for position, (text, text_en, points, critical) in enumerate(COMMON + extra, start=1):
            Criterion.objects.create(
                checklist=checklist, position=position, text=text, text_en=text_en, points=points, critical=critical
            )


def remove_defaults(apps: Any, schema_editor: Any) -> None:
    apps.get_model("safetymap", "Checklist").objects.filter(version=1, created_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("safetymap", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, remove_defaults)]
