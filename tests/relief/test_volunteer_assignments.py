"""A volunteer signs in by an SMS code to their phone (the citizens' sign-in), sees the
requests assigned to them and only those (the requester's phone, words and place while the
request is open), marks them in progress or done, and may withdraw."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from relief.models import HelpRequest, HelpRequestEvent, HelpStatus, Team, Volunteer
from tests.factories import UserFactory
from tests.relief.conftest import make_request, make_volunteer
from truyvet.accounts.models import Role, User
from truyvet.lib import sms
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db

HOME = reverse("relief:volunteer_home")


def code_sent_to(phone: str) -> str:
    (message,) = [m for m in sms.outbox if m["to"] == phone]
    return re.search(r"\b(\d{6})\b", message["text"]).group(1)


def test_a_volunteer_signs_in_with_a_code_sent_to_their_phone(client: Client, volunteer: Volunteer) -> None:
    asked = client.post(reverse("relief:volunteer_signin"), {"phone": "0971 234 567"})
    assert asked.status_code == 302 and asked["Location"] == reverse("relief:volunteer_code")

    signed_in = client.post(reverse("relief:volunteer_code"), {"code": code_sent_to(volunteer.phone)})

    assert signed_in.status_code == 302 and signed_in["Location"] == HOME
    volunteer.refresh_from_db()
    assert volunteer.phone_confirmed_at is not None
    user = User.objects.get(phone=volunteer.phone)
    assert user.role == Role.CITIZEN
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(action="relief.volunteer_signin", object_id=str(volunteer.pk)).exists()


def test_no_code_is_sent_to_a_phone_that_is_not_registered(client: Client) -> None:
    response = client.post(reverse("relief:volunteer_signin"), {"phone": "0979 999 999"})

    assert response.status_code == 404
    assert "Chưa có tình nguyện viên nào đăng ký bằng số điện thoại này" in response.content.decode()
    assert sms.outbox == []


def test_a_wrong_code_does_not_sign_in(client: Client, volunteer: Volunteer) -> None:
    client.post(reverse("relief:volunteer_signin"), {"phone": volunteer.phone})
    right = code_sent_to(volunteer.phone)

    response = client.post(reverse("relief:volunteer_code"), {"code": "000000" if right != "000000" else "111111"})

    assert response.status_code == 400
    assert client.get(HOME).status_code == 302


def test_a_staff_account_with_the_same_phone_is_not_signed_in_by_a_code(client: Client, volunteer) -> None:
    UserFactory(username="station-phone", role=Role.COMMUNE_STATION, phone=volunteer.phone)
    client.post(reverse("relief:volunteer_signin"), {"phone": volunteer.phone})

    response = client.post(reverse("relief:volunteer_code"), {"code": code_sent_to(volunteer.phone)})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_codes_asked_from_one_browser_are_limited(client: Client, volunteer, settings) -> None:
    from relief import limits

    settings.RATELIMIT_ENABLE = True
    codes = [
        client.post(reverse("relief:volunteer_signin"), {"phone": volunteer.phone}).status_code
        for _ in range(limits.SIGNIN_PER_BROWSER + 1)
    ]

    assert codes[-1] == 429


def test_the_home_page_lists_only_the_volunteers_own_assignments(
    volunteer_client: Client, volunteer: Volunteer
) -> None:
    mine = make_request(status=HelpStatus.ASSIGNED, volunteer=volunteer, kind="oxygen")
    other = make_volunteer("Tẩn Thị Mẩy", phone="+84971111222")
    theirs = make_request(status=HelpStatus.ASSIGNED, volunteer=other, kind="rescue", text="Nhà bà Mẩy")
    unassigned = make_request(kind="medicine", text="Chưa ai nhận")

    page = volunteer_client.get(HOME)

    assert page.status_code == 200
    assert page.context["open"] == [mine]
    assert volunteer_client.get(reverse("relief:volunteer_assignment", args=[theirs.pk])).status_code == 404
    assert volunteer_client.get(reverse("relief:volunteer_assignment", args=[unassigned.pk])).status_code == 404


def test_an_open_assignment_shows_the_phone_words_and_place_and_is_audited(
    volunteer_client: Client, volunteer: Volunteer
) -> None:
    sos = make_request(status=HelpStatus.ASSIGNED, volunteer=volunteer, phone="+84981234567", text="Bố tôi khó thở")

    page = volunteer_client.get(reverse("relief:volunteer_assignment", args=[sos.pk])).content.decode()

    assert "0981234567" in page and "Bố tôi khó thở" in page and str(sos.latitude) in page
    assert AuditEvent.objects.filter(action="relief.assignment_view", object_id=str(sos.pk)).exists()


def test_a_closed_assignment_no_longer_shows_the_details(volunteer_client: Client, volunteer: Volunteer) -> None:
    sos = make_request(status=HelpStatus.DONE, volunteer=volunteer, phone="+84981234567", text="Bố tôi khó thở")

    page = volunteer_client.get(reverse("relief:volunteer_assignment", args=[sos.pk])).content.decode()

    assert "0981234567" not in page and "Bố tôi khó thở" not in page and str(sos.latitude) not in page
    assert "đã đóng" in page


def test_a_request_sent_to_someone_else_is_no_longer_seen_by_the_first_volunteer(
    insider: User, volunteer_client: Client, volunteer: Volunteer
) -> None:
    from relief.services import sos_assign

    sos = make_request()
    sos_assign(actor=insider, sos=sos, volunteer_id=volunteer.pk)
    assert volunteer_client.get(reverse("relief:volunteer_assignment", args=[sos.pk])).status_code == 200

    sos_assign(actor=insider, sos=sos, volunteer_id=make_volunteer("Vàng Thị Dua", phone="+84972222333").pk)

    assert volunteer_client.get(reverse("relief:volunteer_assignment", args=[sos.pk])).status_code == 404


def test_the_volunteer_marks_their_request_in_progress_then_done(
    volunteer_client: Client, volunteer: Volunteer, volunteer_user: User
) -> None:
    sos = make_request(status=HelpStatus.ASSIGNED, volunteer=volunteer)
    url = reverse("relief:volunteer_assignment", args=[sos.pk])

    assert volunteer_client.post(url, {"action": "started"}).status_code == 302
    assert volunteer_client.post(url, {"action": "done", "note": "Đã đưa bình oxy"}).status_code == 302

    sos.refresh_from_db()
    assert sos.status == HelpStatus.DONE
    done = HelpRequestEvent.objects.get(sos=sos, action="done")
    assert (done.actor, done.actor_label, done.note) == (volunteer_user, volunteer.full_name, "Đã đưa bình oxy")
    assert AuditEvent.objects.filter(action="relief.sos_done", actor=volunteer_user).exists()


def test_a_volunteer_cannot_step_back_or_skip_ahead(volunteer_client: Client, volunteer: Volunteer) -> None:
    sos = make_request(status=HelpStatus.IN_PROGRESS, volunteer=volunteer)

    response = volunteer_client.post(reverse("relief:volunteer_assignment", args=[sos.pk]), {"action": "started"})

    assert response.status_code == 409
    sos.refresh_from_db()
    assert sos.status == HelpStatus.IN_PROGRESS


def test_someone_signed_in_without_a_registration_is_told_so(citizen_client: Client) -> None:
    response = citizen_client.get(HOME)

    assert response.status_code == 404
    assert "Chưa đăng ký tình nguyện viên" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_the_volunteer_sign_in(client: Client, volunteer: Volunteer) -> None:
    sos = make_request(status=HelpStatus.ASSIGNED, volunteer=volunteer)

    for url in (HOME, reverse("relief:volunteer_assignment", args=[sos.pk]), reverse("relief:volunteer_withdraw")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("relief:volunteer_signin")


def test_withdrawing_closes_the_registration_and_frees_the_open_requests(
    volunteer_client: Client, volunteer: Volunteer, volunteer_user: User
) -> None:
    alone = make_request(status=HelpStatus.ASSIGNED, volunteer=volunteer)
    team = Team.objects.create(name="Tổ xe cấp cứu tỉnh")
    with_team = make_request(status=HelpStatus.IN_PROGRESS, volunteer=volunteer, team=team)
    done = make_request(status=HelpStatus.DONE, volunteer=volunteer)

    confirm = volunteer_client.get(reverse("relief:volunteer_withdraw"))
    assert "2 yêu cầu đang được phân công cho bạn" in confirm.content.decode()
    assert volunteer_client.post(reverse("relief:volunteer_withdraw")).status_code == 200

    volunteer.refresh_from_db()
    assert not volunteer.is_active and volunteer.withdrawn_at is not None
    for sos in (alone, with_team, done):
        sos.refresh_from_db()
    assert (alone.status, alone.volunteer) == (HelpStatus.NEW, None)
    assert (with_team.status, with_team.volunteer, with_team.team) == (HelpStatus.IN_PROGRESS, None, team)
    assert (done.status, done.volunteer) == (HelpStatus.DONE, volunteer)
    assert HelpRequestEvent.objects.filter(action="unassigned", volunteer=volunteer).count() == 2
    assert AuditEvent.objects.filter(action="relief.volunteer_withdraw", actor=volunteer_user).exists()
    assert volunteer_client.get(HOME).status_code == 404


def test_requests_in_a_volunteers_history_name_them_for_staff(insider_client: Client, volunteer: Volunteer) -> None:
    sos: HelpRequest = make_request(status=HelpStatus.ASSIGNED, volunteer=volunteer)

    page = insider_client.get(reverse("relief:roster_detail", args=[volunteer.pk]))

    assert list(page.context["requests"]) == [sos]
