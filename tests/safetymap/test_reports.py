"""Citizens' reports: anyone may send one (photo checked by its content, stripped of EXIF and
GPS), rate-limited per browser and per address, to the station of the facility's ward, who
verifies; the manager answers without ever seeing who sent it; the reporter follows it."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from safetymap.models import Facility, Report, ReportState, SafetyStatus
from tests.safetymap.conftest import assess
from tests.safetymap.photos import has_gps, photo_with_gps
from truyvet.accounts.models import User


@pytest.fixture(autouse=True)
def _media(settings: pytest.FixtureRequest, tmp_path: object) -> None:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]


def _send(client: Client, facility: Facility, text: str = "Không đeo khẩu trang", **files: object) -> object:
    return client.post(reverse("safetymap:report", args=[facility.pk]), {"text": text, **files})


def test_anyone_reports_a_facility_and_follows_it_by_its_link(client: Client, school: Facility) -> None:
    response = _send(client, school)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("safetymap:follow", args=[report.ref]))
    page = client.get(reverse("safetymap:follow", args=[report.ref]))
    assert "Không đeo khẩu trang" in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    assert report.state == ReportState.NEW


def test_a_photo_with_gps_exif_is_kept_without_any_of_it(client: Client, school: Facility) -> None:
    original = photo_with_gps()
    assert has_gps(original)
    upload = io.BytesIO(original)
    upload.name = "IMG_20261206.jpg"
    assert _send(client, school, photo=upload).status_code == 302
    report = Report.objects.get()
    with default_storage.open(report.photo.name, "rb") as stored:
        kept = stored.read()
    assert not has_gps(kept)
    assert b"Xiaomi" not in kept and b"Exif" not in kept
    assert report.photo.name.endswith(".jpg")


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_photos_are_accepted_and_cleaned(client: Client, school: Facility, fmt: str) -> None:
    upload = io.BytesIO(photo_with_gps(fmt=fmt))
    upload.name = f"photo.{fmt.lower()}"
    assert _send(client, school, photo=upload).status_code == 302
    with default_storage.open(Report.objects.get().photo.name, "rb") as stored:
        assert not has_gps(stored.read())


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(client: Client, school: Facility) -> None:
    fake = io.BytesIO(b"%PDF-1.4 not a photo at all" * 10)
    fake.name = "photo.jpg"
    response = _send(client, school, photo=fake)
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_a_gif_is_refused(client: Client, school: Facility) -> None:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, format="GIF")
    out.seek(0)
    out.name = "x.gif"
    assert _send(client, school, photo=out).status_code == 400


def test_a_photo_over_the_size_limit_is_refused(client: Client, school: Facility, settings: object) -> None:
    settings.SAFETYMAP_PHOTO_MAX_MB = 0  # type: ignore[attr-defined]
    upload = io.BytesIO(photo_with_gps())
    upload.name = "big.jpg"
    response = _send(client, school, photo=upload)
    assert response.status_code == 400
    assert "photo_too_large" not in response.content.decode()  # the page says it in words
    assert not Report.objects.exists()


def test_reports_are_limited_per_browser(client: Client, school: Facility, settings: object) -> None:
    settings.RATELIMIT_ENABLE = True  # type: ignore[attr-defined]
    settings.SAFETYMAP_REPORTS_PER_BROWSER = 2  # type: ignore[attr-defined]
    assert _send(client, school).status_code == 302
    assert _send(client, school).status_code == 302
    refused = _send(client, school)
    assert refused.status_code == 429
    assert Report.objects.count() == 2
    # Another browser (no cookie) on another address is not held back.
    assert _send(Client(REMOTE_ADDR="10.0.0.9"), school).status_code == 302


def test_reports_are_limited_per_address_even_without_a_cookie(school: Facility, settings: object) -> None:
    settings.RATELIMIT_ENABLE = True  # type: ignore[attr-defined]
    settings.SAFETYMAP_REPORTS_PER_ADDRESS = 2  # type: ignore[attr-defined]
    statuses = [_send(Client(REMOTE_ADDR="10.1.2.3"), school).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


def test_the_api_takes_a_report_and_gives_its_follow_link(client: Client, school: Facility) -> None:
    upload = io.BytesIO(photo_with_gps())
    upload.name = "p.jpg"
    response = client.post(
        reverse("api:safetymap-reports"), {"facility_id": str(school.pk), "text": "Ùn tắc ở cổng", "photo": upload}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    report = Report.objects.get()
    assert body["id"] == report.pk
    assert body["follow_url"].endswith(reverse("safetymap:follow", args=[report.ref]))


def test_the_api_refuses_an_unknown_facility_with_the_envelope(client: Client, db: None) -> None:
    response = client.post(reverse("api:safetymap-reports"), {"facility_id": "999999", "text": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_facility"
    assert "facility_id" in response.json()["errors"]


def test_the_api_refuses_a_report_without_words(client: Client, school: Facility) -> None:
    response = client.post(reverse("api:safetymap-reports"), {"facility_id": str(school.pk), "text": ""})
    assert response.status_code == 400
    assert "text" in response.json()["errors"]


def test_the_api_limits_reports_per_address(client: Client, school: Facility, settings: object) -> None:
    settings.RATELIMIT_ENABLE = True  # type: ignore[attr-defined]
    settings.SAFETYMAP_REPORTS_PER_ADDRESS = 1  # type: ignore[attr-defined]
    url = reverse("api:safetymap-reports")
    assert client.post(url, {"facility_id": str(school.pk), "text": "a"}).status_code == 201
    refused = Client().post(url, {"facility_id": str(school.pk), "text": "b"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"


def test_the_station_of_the_ward_verifies_and_the_colour_drops(
    client: Client, school: Facility, manager: User, insider_client: Client
) -> None:
    assess(school, manager)
    _send(client, school)
    report = Report.objects.get()
    queue = insider_client.get(reverse("safetymap:moderation"))
    assert report.facility.name in queue.content.decode()
    insider_client.post(reverse("safetymap:report_step", args=[report.pk]), {"step": "verify"})
    school.refresh_from_db()
    assert school.status == SafetyStatus.AT_RISK


def test_an_outsider_station_sees_no_report_of_ward_a(
    client: Client, school: Facility, outsider_client: Client
) -> None:
    _send(client, school)
    report = Report.objects.get()
    assert report.facility.name not in outsider_client.get(reverse("safetymap:moderation")).content.decode()
    assert outsider_client.get(reverse("safetymap:report_detail", args=[report.pk])).status_code == 404
    assert (
        outsider_client.post(reverse("safetymap:report_step", args=[report.pk]), {"step": "verify"}).status_code == 404
    )
    assert Report.objects.get().state == ReportState.NEW


def test_anonymous_visitors_are_sent_to_sign_in_from_moderation(client: Client, school: Facility) -> None:
    response = client.get(reverse("safetymap:moderation"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_manager_sees_a_verified_report_and_answers_without_knowing_who_sent_it(
    client: Client, school: Facility, manager_client: Client, insider_client: Client
) -> None:
    _send(client, school, text="Không có nước rửa tay")
    report = Report.objects.get()
    # Not verified yet: the manager does not see it.
    assert (
        "Không có nước rửa tay"
        not in manager_client.get(reverse("safetymap:manager_reports", args=[school.pk])).content.decode()
    )
    assert manager_client.get(reverse("safetymap:answer", args=[report.pk])).status_code == 404
    insider_client.post(reverse("safetymap:report_step", args=[report.pk]), {"step": "verify"})
    page = manager_client.get(reverse("safetymap:manager_reports", args=[school.pk])).content.decode()
    assert "Không có nước rửa tay" in page
    assert report.ref not in page
    manager_client.post(reverse("safetymap:answer", args=[report.pk]), {"answer": "Đã đặt 3 bồn rửa tay."})
    follow = client.get(reverse("safetymap:follow", args=[report.ref])).content.decode()
    assert "Đã đặt 3 bồn rửa tay." in follow


def test_another_manager_cannot_read_or_answer_the_school_s_reports(
    client: Client, school: Facility, market: Facility, other_manager_client: Client, insider: User
) -> None:
    from safetymap.services import report_moderate

    _send(client, school)
    report = Report.objects.get()
    report_moderate(user=insider, report=report, step="verify")
    assert other_manager_client.get(reverse("safetymap:manager_reports", args=[school.pk])).status_code == 404
    assert other_manager_client.post(reverse("safetymap:answer", args=[report.pk]), {"answer": "x"}).status_code == 404
