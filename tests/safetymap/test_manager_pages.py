"""The facility manager's phone pages: their facilities, the daily self-assessment."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from safetymap.models import Assessment, Facility, SafetyStatus
from safetymap.selectors import checklist_current
from safetymap.services import CriterionInput, checklist_edit
from tests.factories import VenueFactory
from tests.safetymap.conftest import criteria_of
from truyvet.accounts.models import User


def test_my_facilities_lists_only_the_manager_s_own(manager_client: Client, school: Facility, market: Facility) -> None:
    page = manager_client.get(reverse("safetymap:my_facilities")).content.decode()
    assert school.name in page and market.name not in page
    assert "Đánh giá hôm nay" in page or "Assess today" in page


def test_a_manager_assesses_by_unticking_what_is_not_met(manager_client: Client, school: Facility) -> None:
    page = manager_client.get(reverse("safetymap:assess", args=[school.pk]))
    assert page.status_code == 200
    criteria = criteria_of(school)
    checklist = checklist_current(school.type)
    assert checklist is not None
    met = [c.pk for c in criteria if not c.text.startswith("Mọi người đeo khẩu trang")]
    response = manager_client.post(
        reverse("safetymap:assess", args=[school.pk]), {"checklist": checklist.pk, "met": met}
    )
    assert response.status_code == 302
    school.refresh_from_db()
    assert (school.status, school.score) == (SafetyStatus.UNSAFE, 86)


def test_an_assessment_against_an_old_checklist_is_refused(manager_client: Client, school: Facility, cdc: User) -> None:
    old = checklist_current(school.type)
    assert old is not None
    checklist_edit(user=cdc, type=school.type, criteria=[CriterionInput(text="Đeo khẩu trang", points=10)])
    response = manager_client.post(
        reverse("safetymap:assess", args=[school.pk]), {"checklist": old.pk, "met": [c.pk for c in criteria_of(school)]}
    )
    assert response.status_code == 409
    assert not Assessment.objects.exists()


def test_another_manager_cannot_assess_the_school(other_manager_client: Client, school: Facility) -> None:
    assert other_manager_client.get(reverse("safetymap:assess", args=[school.pk])).status_code == 404
    assert other_manager_client.post(reverse("safetymap:assess", args=[school.pk]), {"met": []}).status_code == 404


def test_staff_cannot_assess_in_the_manager_s_place(insider_client: Client, school: Facility) -> None:
    assert insider_client.get(reverse("safetymap:assess", args=[school.pk])).status_code == 403


def test_the_linked_qr_venue_s_check_ins_show_beside_the_facility(manager_client: Client, school: Facility) -> None:
    from tests.factories import CheckInFactory

    venue = VenueFactory()
    school.venue = venue
    school.save()
    CheckInFactory(venue=venue)
    page = manager_client.get(reverse("safetymap:my_facilities")).content.decode()
    assert "1 lượt quét QR hôm nay" in page or "1 check-in today" in page
