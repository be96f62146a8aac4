"""The target groups of the national plan (Resolution 21/NQ-CP of 26 February 2021, as
amended): seeded once, then edited in the admin."""

from __future__ import annotations

from typing import Any

from django.db import migrations

GROUPS = [
    ("health-workers", "Người làm việc trong các cơ sở y tế, ngành y tế"),
    ("epidemic-response", "Người tham gia phòng, chống dịch (ban chỉ đạo, tình nguyện viên, phóng viên...)"),
    ("army", "Lực lượng Quân đội"),
    ("police", "Lực lượng Công an"),
    ("diplomats", "Nhân viên ngoại giao, người được cử đi công tác nước ngoài"),
    ("customs-immigration", "Hải quan, người làm công tác xuất nhập cảnh"),
    ("essential-services", "Người cung cấp dịch vụ thiết yếu: hàng không, vận tải, du lịch, điện, nước..."),
    ("education-administration", "Giáo viên, người làm việc tại cơ sở giáo dục, cơ quan hành chính tiếp xúc nhiều người"),
    ("chronic-or-over-65", "Người mắc bệnh mạn tính, người trên 65 tuổi"),
    ("outbreak-areas", "Người sinh sống tại các vùng có dịch"),
    ("poor-and-social-policy", "Người nghèo, đối tượng chính sách xã hội"),
    ("working-abroad", "Người được cử đi công tác, học tập, lao động ở nước ngoài"),
    ("workers-industrial-zones", "Người lao động tại khu công nghiệp, khu chế xuất"),
    ("religious-dignitaries", "Chức sắc, chức việc các tôn giáo"),
    ("self-employed", "Người lao động tự do"),
    ("others", "Các đối tượng khác theo quyết định của Bộ trưởng Bộ Y tế"),
]


def seed(apps: Any, schema_editor: Any) -> None:
    PriorityGroup = apps.get_model("vaccination", "PriorityGroup")
    for order, (code, name) in enumerate(GROUPS, start=1):
        PriorityGroup.objects.get_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("vaccination", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
