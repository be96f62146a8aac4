"""The requester gets an SMS when their request is taken up and when it is done, the volunteer
when a request is assigned to them: each once (a repeat or a retry writes no second), in the
reader's language, through the portal's notification rows."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from relief.models import HelpRequest, Volunteer
from relief.services import _tell_requester, sos_assign, sos_mark_duplicate, sos_step
from tests.relief.conftest import make_request, make_volunteer
from truyvet.accounts.models import User
from truyvet.lib import sms
from truyvet.lib.models import Notification
from truyvet.lib.tasks import retry_undelivered_notifications

pytestmark = pytest.mark.django_db

SITE = "https://truyvet.example.gov.vn/"


def to(phone: str) -> list[str]:
    return [m["text"] for m in sms.outbox if m["to"] == phone]


def test_the_requester_is_told_once_when_taken_up_and_once_when_done(
    insider: User, sos: HelpRequest, volunteer: Volunteer, django_capture_on_commit_callbacks
) -> None:
    other = make_volunteer("Tẩn Thị Mẩy", phone="+84971111222")
    with django_capture_on_commit_callbacks(execute=True):
        sos_assign(actor=insider, sos=sos, volunteer_id=volunteer.pk, site=SITE)
        sos_assign(actor=insider, sos=sos, volunteer_id=other.pk, site=SITE)  # sent again: taken up already
        sos_step(actor=insider, sos=sos, action="started", site=SITE)
        sos_step(actor=insider, sos=sos, action="done", site=SITE)

    texts = to(sos.phone)
    assert len(texts) == 2
    follow = SITE.rstrip("/") + reverse("relief:sos_follow", args=[sos.ref])
    assert "đã được tiếp nhận xử lý" in texts[0] and "(Thực phẩm)" in texts[0] and follow in texts[0]
    assert "đã được đánh dấu hoàn thành" in texts[1]
    rows = Notification.objects.filter(address=sos.phone)
    assert sorted(r.dedupe_key for r in rows) == [f"relief:sos:{sos.pk}:done", f"relief:sos:{sos.pk}:taken"]
    assert {r.channel for r in rows} == {"sms"}


def test_starting_a_request_a_team_took_up_does_not_tell_the_requester_twice(
    insider: User, django_capture_on_commit_callbacks
) -> None:
    from relief.models import Team

    sos = make_request()
    team = Team.objects.create(name="Tổ xe cấp cứu tỉnh")
    with django_capture_on_commit_callbacks(execute=True):
        sos_assign(actor=insider, sos=sos, team_id=team.pk)
        sos_step(actor=insider, sos=sos, action="started")

    assert len(to(sos.phone)) == 1


def test_a_request_made_in_english_is_answered_in_english(insider: User, volunteer, django_capture_on_commit_callbacks):
    sos = make_request(language="en", kind="oxygen")
    with django_capture_on_commit_callbacks(execute=True):
        sos_assign(actor=insider, sos=sos, volunteer_id=volunteer.pk)

    (text,) = to(sos.phone)
    assert text.startswith("Help request taken up: Your request for help (Oxygen) has been taken up")


def test_the_volunteer_is_told_in_their_language_once_per_request(
    insider: User, django_capture_on_commit_callbacks
) -> None:
    english = make_volunteer("Peter Nguyen", phone="+84973333444", language="en")
    sos = make_request(kind="medicine")
    with django_capture_on_commit_callbacks(execute=True):
        sos_assign(actor=insider, sos=sos, volunteer_id=english.pk, site=SITE)
        sos_step(actor=insider, sos=sos, action="started")
        sos_assign(actor=insider, sos=sos, volunteer_id=english.pk, site=SITE)  # the same volunteer again

    (text,) = to(english.phone)
    assert "asked to help with a request (Medicine)" in text
    assert SITE.rstrip("/") + reverse("relief:volunteer_home") in text
    assert sos.phone not in text and sos.text not in text  # the details are behind the sign-in


def test_a_retried_notice_writes_no_second_row_and_sends_no_second_sms(
    insider: User, sos: HelpRequest, volunteer, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sos_assign(actor=insider, sos=sos, volunteer_id=volunteer.pk)
    with django_capture_on_commit_callbacks(execute=True):
        _tell_requester(sos, "taken", "")  # as a retried job would
    retry_undelivered_notifications()

    assert Notification.objects.filter(dedupe_key=f"relief:sos:{sos.pk}:taken").count() == 1
    assert len(to(sos.phone)) == 1


def test_a_duplicate_sends_nothing(insider: User, django_capture_on_commit_callbacks) -> None:
    original = make_request()
    sos = make_request(phone="+84985555666")
    with django_capture_on_commit_callbacks(execute=True):
        sos_mark_duplicate(actor=insider, sos=sos, original_id=original.pk)

    assert to(sos.phone) == []


def test_the_staff_page_sends_the_sms_with_a_link_to_this_site(
    insider_client: Client, sos: HelpRequest, volunteer, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        insider_client.post(reverse("relief:staff_assign", args=[sos.pk]), {"volunteer": volunteer.pk})

    (text,) = to(sos.phone)
    assert "http://testserver" + reverse("relief:sos_follow", args=[sos.ref]) in text
