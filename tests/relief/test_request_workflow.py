"""A help request's workflow: new → assigned → in progress → done, or a duplicate of another;
which steps are allowed from where, who and when each step was, and its audit entry."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from relief.models import HelpRequest, HelpRequestEvent, HelpStatus, Team, Volunteer
from relief.services import sos_assign, sos_mark_duplicate, sos_note, sos_step
from tests.factories import home_ward
from tests.relief.conftest import make_request, make_volunteer
from truyvet.accounts.models import User
from truyvet.lib.errors import DomainError
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db


def at(status: str, **fields) -> HelpRequest:
    return make_request(status=status, **fields)


def test_a_request_goes_from_new_to_done_and_each_step_says_who_and_when(
    insider: User, sos: HelpRequest, volunteer: Volunteer
) -> None:
    sos_assign(actor=insider, sos=sos, volunteer_id=volunteer.pk, note="Gọi trước khi đến")
    sos_step(actor=insider, sos=sos, action="started")
    sos_step(actor=insider, sos=sos, action="done", note="Đã giao 10 kg gạo")

    sos.refresh_from_db()
    assert sos.status == HelpStatus.DONE and sos.done_at is not None and sos.taken_up_at is not None
    steps = list(HelpRequestEvent.objects.filter(sos=sos).order_by("at", "pk"))
    assert [(e.action, e.from_status, e.to_status) for e in steps] == [
        ("submitted", "", "new"),
        ("assigned", "new", "assigned"),
        ("started", "assigned", "in_progress"),
        ("done", "in_progress", "done"),
    ]
    assert all(e.actor == insider and e.at is not None for e in steps[1:])
    assert steps[1].volunteer == volunteer and steps[1].note == "Gọi trước khi đến"
    assert steps[3].note == "Đã giao 10 kg gạo"


@pytest.mark.parametrize(
    ("status", "action", "allowed"),
    [
        ("new", "started", False),
        ("new", "done", False),
        ("assigned", "started", True),
        ("assigned", "done", True),
        ("in_progress", "started", False),
        ("in_progress", "done", True),
        ("done", "started", False),
        ("done", "done", False),
        ("duplicate", "started", False),
        ("duplicate", "done", False),
    ],
)
def test_starting_and_finishing_are_allowed_only_from_the_right_statuses(
    insider: User, status: str, action: str, allowed: bool
) -> None:
    original = make_request()
    sos = at(status, duplicate_of=original if status == "duplicate" else None)

    if allowed:
        sos_step(actor=insider, sos=sos, action=action)
        sos.refresh_from_db()
        assert sos.status == {"started": "in_progress", "done": "done"}[action]
    else:
        with pytest.raises(DomainError) as refused:
            sos_step(actor=insider, sos=sos, action=action)
        assert (refused.value.code, refused.value.status) == ("step_not_allowed", 409)
        sos.refresh_from_db()
        assert sos.status == status


@pytest.mark.parametrize(
    ("status", "allowed"),
    [("new", True), ("assigned", True), ("in_progress", True), ("done", False), ("duplicate", False)],
)
def test_assigning_is_allowed_until_the_request_is_closed(
    insider: User, volunteer: Volunteer, status: str, allowed: bool
) -> None:
    original = make_request()
    sos = at(status, duplicate_of=original if status == "duplicate" else None)

    if allowed:
        sos_assign(actor=insider, sos=sos, volunteer_id=volunteer.pk)
        sos.refresh_from_db()
        assert (sos.status, sos.volunteer) == ("assigned", volunteer)
    else:
        with pytest.raises(DomainError, match="Không thể thực hiện bước này"):
            sos_assign(actor=insider, sos=sos, volunteer_id=volunteer.pk)


def test_sending_someone_else_while_in_progress_goes_back_to_assigned(insider: User, volunteer: Volunteer) -> None:
    sos = at(HelpStatus.IN_PROGRESS, volunteer=volunteer)
    other = make_volunteer("Tẩn Thị Mẩy", phone="+84971111222")

    sos_assign(actor=insider, sos=sos, volunteer_id=other.pk)

    sos.refresh_from_db()
    assert (sos.status, sos.volunteer) == ("assigned", other)


def test_a_team_can_be_sent_without_a_volunteer_but_not_nobody(insider: User, sos: HelpRequest) -> None:
    team = Team.objects.create(name="Đội phản ứng nhanh phường một")
    team.wards.set([home_ward(0)])

    with pytest.raises(DomainError) as refused:
        sos_assign(actor=insider, sos=sos)
    assert refused.value.code == "nobody_chosen"

    sos_assign(actor=insider, sos=sos, team_id=team.pk)
    sos.refresh_from_db()
    assert (sos.status, sos.team, sos.volunteer) == ("assigned", team, None)


def test_a_withdrawn_volunteer_an_outside_volunteer_or_an_inactive_team_cannot_be_sent(
    insider: User, sos: HelpRequest
) -> None:
    withdrawn = make_volunteer(is_active=False)
    elsewhere = make_volunteer("Vàng Thị Dua", phone="+84972222333", wards=[home_ward(1)])
    inactive = Team.objects.create(name="Đội cũ", is_active=False)

    for kwargs, code in (
        ({"volunteer_id": withdrawn.pk}, "volunteer_withdrawn"),
        ({"volunteer_id": elsewhere.pk}, "volunteer_withdrawn"),
        ({"volunteer_id": 999_999}, "volunteer_withdrawn"),
        ({"team_id": inactive.pk}, "team_inactive"),
    ):
        with pytest.raises(DomainError) as refused:
            sos_assign(actor=insider, sos=sos, **kwargs)
        assert refused.value.code == code
    sos.refresh_from_db()
    assert sos.status == HelpStatus.NEW


def test_a_request_is_marked_a_duplicate_of_another_and_whoever_was_sent_leaves_it(
    insider: User, volunteer: Volunteer
) -> None:
    original = make_request()
    sos = at(HelpStatus.ASSIGNED, volunteer=volunteer)

    sos_mark_duplicate(actor=insider, sos=sos, original_id=original.pk, note="Cùng một gia đình")

    sos.refresh_from_db()
    assert (sos.status, sos.duplicate_of, sos.volunteer) == ("duplicate", original, None)
    event = HelpRequestEvent.objects.get(sos=sos, action="duplicate")
    assert (event.duplicate_of, event.actor, event.note) == (original, insider, "Cùng một gia đình")
    assert list(original.duplicates.all()) == [sos]


def test_a_duplicate_must_point_to_another_original_request_of_ones_wards(insider: User) -> None:
    sos = make_request()
    original = make_request()
    duplicate = at(HelpStatus.DUPLICATE, duplicate_of=original)
    elsewhere = make_request(ward=home_ward(1))

    cases = [
        (sos.pk, "duplicate_of_itself"),
        (duplicate.pk, "duplicate_of_duplicate"),
        (elsewhere.pk, "unknown_request"),
        (999_999, "unknown_request"),
    ]
    for original_id, code in cases:
        with pytest.raises(DomainError) as refused:
            sos_mark_duplicate(actor=insider, sos=sos, original_id=original_id)
        assert (refused.value.code, refused.value.errors.keys()) == (code, {"original"})
    sos.refresh_from_db()
    assert sos.status == HelpStatus.NEW


def test_every_step_and_note_is_audit_logged_with_the_statuses(insider: User, sos: HelpRequest, volunteer) -> None:
    sos_assign(actor=insider, sos=sos, volunteer_id=volunteer.pk)
    sos_step(actor=insider, sos=sos, action="started")
    sos_note(actor=insider, sos=sos, note="Đã gọi điện")
    sos_step(actor=insider, sos=sos, action="done")

    events = list(AuditEvent.objects.filter(object_id=str(sos.pk), object_type="relief.helprequest").order_by("pk"))
    assert [e.action for e in events] == [
        "relief.sos_assigned",
        "relief.sos_started",
        "relief.sos_note",
        "relief.sos_done",
    ]
    assert events[0].detail == {"from": "new", "to": "assigned", "volunteer": volunteer.pk}
    assert all(e.actor == insider for e in events)


def test_a_note_keeps_the_status_and_may_be_added_after_the_end(insider: User) -> None:
    sos = at(HelpStatus.DONE)

    event = sos_note(actor=insider, sos=sos, note="Người dân gọi cảm ơn")

    assert (event.action, event.from_status, event.to_status) == ("note", "done", "done")
    with pytest.raises(DomainError):
        sos_note(actor=insider, sos=sos, note="   ")


def test_the_staff_page_takes_a_request_through_its_steps(insider_client: Client, sos: HelpRequest, volunteer) -> None:
    detail = reverse("relief:staff_detail", args=[sos.pk])

    assigned = insider_client.post(reverse("relief:staff_assign", args=[sos.pk]), {"volunteer": volunteer.pk})
    started = insider_client.post(reverse("relief:staff_step", args=[sos.pk]), {"action": "started", "note": ""})
    done = insider_client.post(reverse("relief:staff_step", args=[sos.pk]), {"action": "done", "note": "Xong"})

    assert [r.status_code for r in (assigned, started, done)] == [302, 302, 302]
    sos.refresh_from_db()
    assert sos.status == HelpStatus.DONE
    page = insider_client.get(detail).content.decode()
    assert "Xong" in page and volunteer.full_name in page
    assert f'data-lat="{sos.latitude}"' in page and "0981234567" in page  # staff see the exact place and phone
    assert "Đánh dấu hoàn thành" not in page  # no step is offered any more


def test_a_refused_step_on_the_page_says_why(insider_client: Client, sos: HelpRequest) -> None:
    response = insider_client.post(reverse("relief:staff_step", args=[sos.pk]), {"action": "done"})

    assert response.status_code == 409
    assert "Không thể thực hiện bước này" in response.content.decode()


def test_the_duplicate_form_names_a_request_that_does_not_exist(insider_client: Client, sos: HelpRequest) -> None:
    response = insider_client.post(reverse("relief:staff_duplicate", args=[sos.pk]), {"original": "424242"})

    assert response.status_code == 400
    assert "424242" in response.content.decode()
