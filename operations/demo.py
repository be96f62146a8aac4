"""Demo data of the operations map, so that ``make run`` shows the page alive.

- the agencies (steering committee office, health department, the provincial hospital, the
  CDC's laboratory, the military command, the culture department, a commune's committee)
  and their demo accounts (password ``DEMO_PASSWORD``): ``cdc`` in the steering office and
  the health department, ``facility`` and ``hospital`` in the hospital, ``lab`` in the
  laboratory, ``military`` and ``culture`` in theirs;
- a population for every ward (made up, 6,000-20,000, as demo data) and an approximate
  point for the wards named after the old district seats;
- three directives with a small PDF made at seed time;
- 30 days of the laboratory's counts, 14 days of resource reports of three facilities and
  of occupancy of four quarantine places, the hotlines and on-call doctors;
- past confirmed cases of demo people over 30 days (``--operations-cases``, note
  ``OPERATIONS_DEMO_NOTE``, a lab result each), so the charts have a curve;
- the stored ward figures of those 30 days.

Every step is idempotent: a re-run finds what it made and adds nothing twice.
"""

from __future__ import annotations

import io
import random
from argparse import ArgumentParser
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TextIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from contacts.models import Case, Classification, LabResult, MatchingState, Outcome, Source, TestResult, TestType
from operations.models import (
    Agency,
    AgencyKind,
    ConsultationEntry,
    ConsultationKind,
    Directive,
    FacilityKind,
    LabDailyCount,
    MedicalFacility,
    OccupancyReport,
    PlaceKind,
    QuarantinePlace,
    ResourceReport,
    WardProfile,
)
from operations.report import pdf_fonts
from operations.services import ward_days_store
from truyvet.accounts.models import Role, User
from truyvet.geo.models import Ward
from truyvet.people.models import Person
from truyvet.people.normalize import search_key

DAYS = 30
OPERATIONS_DEMO_NOTE = "Ca minh họa bản đồ điều hành (dữ liệu demo) / Operations demo case"

AGENCIES: dict[str, tuple[str, str]] = {
    "steering": ("Ban Chỉ đạo phòng, chống dịch tỉnh", AgencyKind.STEERING),
    "health": ("Sở Y tế", AgencyKind.HEALTH),
    "hospital": ("Bệnh viện Đa khoa tỉnh", AgencyKind.HOSPITAL),
    "lab": ("Khoa Xét nghiệm, CDC tỉnh", AgencyKind.LABORATORY),
    "military": ("Bộ Chỉ huy Quân sự tỉnh", AgencyKind.MILITARY),
    "culture": ("Sở Văn hóa, Thể thao và Du lịch", AgencyKind.CULTURE),
    "district": ("UBND xã Bình Lư", AgencyKind.DISTRICT),
}
# username -> (full name, agencies); "cdc" and "facility" come from the accounts demo.
MEMBERS: dict[str, tuple[str | None, list[str]]] = {
    "cdc": (None, ["steering", "health"]),
    "facility": (None, ["hospital"]),
    "hospital": ("Hoàng Văn Bình", ["hospital"]),
    "lab": ("Tòng Thị Hoa", ["lab"]),
    "military": ("Lường Văn Hùng", ["military", "district"]),
    "culture": ("Đỗ Thị Lan", ["culture"]),
}
# Approximate points (the old district seats), for the demo map only.
WARD_POINTS: dict[str, tuple[str, str]] = {
    "Phường Tân Phong": ("22.396000", "103.458000"),
    "Phường Đoàn Kết": ("22.386000", "103.475000"),
    "Xã Bình Lư": ("22.353000", "103.613000"),
    "Xã Sìn Hồ": ("22.361000", "103.237000"),
    "Xã Phong Thổ": ("22.532000", "103.346000"),
    "Xã Mường Tè": ("22.371000", "102.828000"),
    "Xã Than Uyên": ("21.955000", "103.889000"),
    "Xã Tân Uyên": ("22.146000", "103.738000"),
    "Xã Nậm Hàng": ("22.170000", "102.980000"),
    "Xã Mường Than": ("21.895000", "104.005000"),
    "Xã Mường Kim": ("21.860000", "103.820000"),
    "Xã Lê Lợi": ("22.047000", "103.160000"),
}
DIRECTIVES = [
    ("15/CT-UBND", -40, "Chủ tịch UBND tỉnh", "Chỉ thị về tăng cường các biện pháp phòng, chống dịch COVID-19",
     "Yêu cầu các sở, ngành, UBND các xã, phường thực hiện nghiêm khai báo y tế, quét mã QR tại địa điểm "
     "công cộng và chốt kiểm dịch."),
    ("2150/KH-BCĐ", -21, "Ban Chỉ đạo phòng, chống dịch tỉnh",
     "Kế hoạch xét nghiệm diện rộng tại các xã có ca cộng đồng",
     "Tổ chức xét nghiệm nhanh kháng nguyên cho người dân các xã cấp độ 3 và 4; báo cáo kết quả hằng ngày."),
    ("318/SYT-NVY", -6, "Sở Y tế", "Hướng dẫn điều trị F0 tại nhà và tư vấn từ xa",
     "Danh bạ bác sĩ trực tư vấn, tiêu chí chuyển viện, cấp phát túi thuốc cho người mắc tại nhà."),
]  # fmt: skip
FACILITIES = [
    ("Bệnh viện Đa khoa tỉnh", FacilityKind.HOSPITAL, "Phường Đoàn Kết", "22.401000", "103.470000", 500, 20, 15),
    ("Cơ sở điều trị COVID-19 tầng 2 Tam Đường", FacilityKind.TREATMENT, "Xã Bình Lư", "22.356000", "103.620000",
     150, 0, 4),
    ("Bệnh viện dã chiến số 1", FacilityKind.FIELD_HOSPITAL, "Phường Tân Phong", "22.392000", "103.452000", 300, 6, 6),
]  # fmt: skip
PLACES = [
    ("military", "Khu cách ly tập trung Trường Quân sự tỉnh", PlaceKind.CAMP, "Phường Tân Phong", 400, ""),
    ("military", "Khu cách ly tập trung Đồn Biên phòng Ma Lù Thàng", PlaceKind.CAMP, "Xã Phong Thổ", 150, ""),
    ("culture", "Khách sạn cách ly có thu phí Tân Phong", PlaceKind.HOTEL, "Phường Tân Phong", 60,
     "600.000 đ/người/ngày"),
    ("culture", "Khách sạn cách ly có thu phí Đoàn Kết", PlaceKind.HOTEL, "Phường Đoàn Kết", 40,
     "750.000 đ/người/ngày"),
]  # fmt: skip
CONSULTATIONS = [
    ("health", ConsultationKind.HOTLINE, "Đường dây nóng Bộ Y tế", "19009095", None, "24/7"),
    ("health", ConsultationKind.HOTLINE, "Đường dây nóng Sở Y tế (demo)", "02133000111", None, "24/7"),
    ("hospital", ConsultationKind.DOCTOR, "BS. Nguyễn Văn Khánh (demo)", "0912000111", "Phường Tân Phong",
     "7:00–21:00"),
    ("hospital", ConsultationKind.DOCTOR, "BS. Lò Thị Pằng (demo)", "0912000222", "Xã Sìn Hồ", "7:00–17:00"),
    ("district", ConsultationKind.DOCTOR, "Trạm Y tế xã Bình Lư (demo)", "0912000333", "Xã Bình Lư", "24/7"),
]  # fmt: skip


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--operations-cases",
        type=int,
        default=60,
        help=f"Past demo cases over the last {DAYS} days for the operations map's curve (default 60).",
    )


def seed(options: dict[str, Any], out: TextIO) -> None:
    wards = {w.name: w for w in Ward.objects.filter(province_id=settings.PROVINCE_CODE)}
    if not wards:
        out.write("  no wards: load the administrative units first")
        return
    with transaction.atomic():
        agencies = _agencies()
        _profiles(wards)
        _directives(agencies)
        _labs(agencies["lab"])
        _facilities(agencies["hospital"], wards)
        _places(agencies, wards)
        _consultations(agencies, wards)
    cases = _past_cases(options.get("operations_cases", 60), list(wards.values()))
    today = timezone.localdate()
    stored = ward_days_store(days=[today - timedelta(days=n) for n in range(DAYS + 1)], today=today)
    out.write(f"  {len(agencies)} agencies, {cases} past demo cases, {stored} ward-day figures")


def _rng(key: str) -> random.Random:
    return random.Random(f"operations-demo:{key}")  # noqa: S311 (demo data, not secrets)


def _agencies() -> dict[str, Agency]:
    agencies = {}
    for key, (name, kind) in AGENCIES.items():
        agencies[key], _ = Agency.objects.update_or_create(name=name, defaults={"kind": kind})
    for username, (full_name, keys) in MEMBERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            if full_name is None:
                continue
            last, _, first = full_name.rpartition(" ")
            user = User(username=username, role=Role.AGENCY_STAFF, first_name=first, last_name=last)
            user.set_password(settings.DEMO_PASSWORD)
            user.save()
        for key in keys:
            agencies[key].members.add(user)
    return agencies


def _profiles(wards: dict[str, Ward]) -> None:
    for name, ward in wards.items():
        point = WARD_POINTS.get(name)
        WardProfile.objects.update_or_create(
            ward=ward,
            defaults={
                "population": 6000 + _rng(f"population:{ward.code}").randrange(14000),
                "population_year": 2025,
                "latitude": Decimal(point[0]) if point else None,
                "longitude": Decimal(point[1]) if point else None,
            },
        )


def demo_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with a title and some lines, in a font that has Vietnamese."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    regular, bold = pdf_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(title)
    canvas.setFont(bold, 14)
    canvas.drawString(60, 780, title[:80])
    canvas.setFont(regular, 11)
    for index, line in enumerate(lines):
        canvas.drawString(60, 750 - 18 * index, line[:95])
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _directives(agencies: dict[str, Agency]) -> None:
    today = timezone.localdate()
    agency_of = {
        "Chủ tịch UBND tỉnh": "steering",
        "Ban Chỉ đạo phòng, chống dịch tỉnh": "steering",
        "Sở Y tế": "health",
    }
    for number, days, issuer, title, summary in DIRECTIVES:
        agency = agencies[agency_of[issuer]]
        if Directive.objects.filter(agency=agency, number=number).exists():
            continue
        directive = Directive(
            agency=agency,
            number=number,
            issued_on=today + timedelta(days=days),
            issuer=issuer,
            title=title,
            summary=summary,
            search_text=search_key(f"{number} {title} {summary}"),
        )
        pdf = demo_pdf(f"{number}: {title}", ["(Văn bản minh họa, dữ liệu demo)", issuer, "", summary[:90]])
        directive.pdf.save(f"{number.replace('/', '-')}.pdf", ContentFile(pdf), save=False)
        directive.pdf_size = len(pdf)
        directive.save()


def _labs(lab: Agency) -> None:
    today = timezone.localdate()
    for back in range(1, DAYS + 1):
        day = today - timedelta(days=back)
        rng = _rng(f"lab:{day.isoformat()}")
        tests = 300 + rng.randrange(500)
        LabDailyCount.objects.get_or_create(
            agency=lab, day=day, defaults={"tests": tests, "positives": rng.randrange(max(tests // 40, 1))}
        )


def _moment(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _facilities(hospital: Agency, wards: dict[str, Ward]) -> None:
    today = timezone.localdate()
    for name, kind, ward_name, lat, lng, beds, icu, ventilators in FACILITIES:
        facility, _ = MedicalFacility.objects.get_or_create(
            name=name,
            defaults={"agency": hospital, "kind": kind, "ward": wards.get(ward_name), "latitude": Decimal(lat),
                      "longitude": Decimal(lng), "phone": "02133876000"},
        )  # fmt: skip
        if facility.reports.exists():
            continue
        rows = []
        for back in range(14, -1, -1):
            rng = _rng(f"facility:{name}:{back}")
            share = 0.25 + 0.35 * (14 - back) / 14
            rows.append(
                ResourceReport(
                    facility=facility,
                    reported_at=_moment(today - timedelta(days=back), 7),
                    beds_total=beds,
                    beds_occupied=min(beds, int(beds * share) + rng.randrange(10)),
                    icu_total=icu,
                    icu_occupied=min(icu, int(icu * share)),
                    ventilators_total=ventilators,
                    ventilators_in_use=min(ventilators, int(ventilators * share)),
                    oxygen_cylinders=40 + rng.randrange(60),
                    oxygen_tanks=1 if kind == FacilityKind.HOSPITAL else 0,
                    doctors=12 + beds // 20,
                    nurses=30 + beds // 8,
                )
            )
        ResourceReport.objects.bulk_create(rows)


def _places(agencies: dict[str, Agency], wards: dict[str, Ward]) -> None:
    today = timezone.localdate()
    for key, name, kind, ward_name, capacity, price in PLACES:
        place, _ = QuarantinePlace.objects.get_or_create(
            name=name,
            defaults={"agency": agencies[key], "kind": kind, "ward": wards.get(ward_name), "price_note": price},
        )
        if place.reports.exists():
            continue
        OccupancyReport.objects.bulk_create(
            OccupancyReport(
                place=place,
                reported_at=_moment(today - timedelta(days=back), 8),
                capacity=capacity,
                occupied=min(capacity, int(capacity * (0.3 + 0.04 * (14 - back))) + _rng(f"{name}{back}").randrange(5)),
            )
            for back in range(14, -1, -1)
        )


def _consultations(agencies: dict[str, Agency], wards: dict[str, Ward]) -> None:
    for key, kind, name, phone, ward_name, hours in CONSULTATIONS:
        ConsultationEntry.objects.get_or_create(
            name=name,
            defaults={"agency": agencies[key], "kind": kind, "phone": phone,
                      "ward": wards.get(ward_name) if ward_name else None, "hours": hours},
        )  # fmt: skip


def _past_cases(target: int, wards: list[Ward]) -> int:
    """Confirmed cases of demo people on the last ``DAYS`` days (not today), rising then
    falling, in a handful of wards; those older than two weeks have recovered. Written as
    rows (already matched: their contacts are not traced), each with its positive test."""
    existing = Case.objects.filter(note=OPERATIONS_DEMO_NOTE).count()
    if existing >= target:
        return existing
    people = list(
        Person.objects.filter(is_demo=True, ward__province_id=settings.PROVINCE_CODE, cases__isnull=True)
        .order_by("pk")
        .values_list("pk", "ward_id")[: target - existing]
    )
    today = timezone.localdate()
    now = timezone.now()
    cases, results = [], []
    for index, (person_id, ward_id) in enumerate(people, start=existing):
        rng = _rng(f"case:{index}")
        # A curve: most cases 8-20 days ago.
        back = max(1, min(DAYS, int(rng.triangular(1, DAYS, 13))))
        day = today - timedelta(days=back)
        confirmed = _moment(day, 9 + rng.randrange(9))
        source = Source.IMPORTED if rng.random() < 0.15 else Source.LOCAL
        outcome = Outcome.UNDER_TREATMENT
        if back > 14:
            outcome = Outcome.DIED if rng.random() < 0.02 else Outcome.RECOVERED
        cases.append(
            Case(
                person_id=person_id,
                ward_id=ward_id,
                classification=Classification.CONFIRMED,
                confirmed_at=confirmed,
                sample_date=day - timedelta(days=1),
                onset_date=day - timedelta(days=2),
                outcome=outcome,
                source=source,
                isolation_place="Bệnh viện Đa khoa tỉnh",
                matching=MatchingState.DONE,
                matched_at=now,
                note=OPERATIONS_DEMO_NOTE,
            )
        )
    with transaction.atomic():
        made = Case.objects.bulk_create(cases)
        for case in made:
            if case.pk is None:  # a backend that returns no ids (none used here)
                continue
            results.append(
                LabResult(
                    case=case,
                    test_type=TestType.RT_PCR,
                    sample_date=case.sample_date or timezone.localdate(case.confirmed_at),
                    result_date=timezone.localdate(case.confirmed_at),
                    result=TestResult.POSITIVE,
                    laboratory=AGENCIES["lab"][0],
                )
            )
        LabResult.objects.bulk_create(results)
        # created_at is set on insert; the curve needs the day of confirmation.
        for case in made:
            Case.objects.filter(pk=case.pk).update(created_at=case.confirmed_at)
    return existing + len(made)
