"""The waiting list of a full site: joining (once per site and day), leaving, and a freed place
booked for the first person waiting whom it fits, once, with one notice; also two
cancellations at once (PostgreSQL), the pages, and who may see a site's list."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.conftest import signed_in
from tests.factories import PersonFactory, UserFactory, home_ward
from tests.vaccination.conftest import dose_in
from tests.vaccination.registration_fixtures import make_campaign
from truyvet.accounts.models import Role, User
from truyvet.lib import sms
from truyvet.lib.errors import DomainError
from truyvet.lib.models import AuditEvent, Channel, Notification
from truyvet.people.models import Person
from vaccination.appointments import appointment_book, appointment_cancel
from vaccination.models import Appointment, AppointmentStatus, Campaign, Registration, SessionSlot, Site
from vaccination.registration import RegistrationIn, registration_cancel, registration_create
from vaccination.registration_models import WaitlistEntry, WaitStatus
from vaccination.services import dose_record
from vaccination.waitlist import WaitIn, waitlist_join, waitlist_leave

pytestmark = pytest.mark.django_db


def _day(days: int = 1) -> date:
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def campaign(db: None) -> Campaign:
    return make_campaign()


@pytest.fixture
def small_site(site: Site) -> Site:
    """The vaccinator's site with one place a day: the mornings."""
    site.capacity_morning, site.capacity_afternoon = 1, 0
    site.save()
    return site


def _register(user: User, person: Person, campaign: Campaign, site: Site) -> Registration:
    group = campaign.priority_groups.first()
    assert group is not None
    return registration_create(
        user=user,
        data=RegistrationIn(person_id=person.pk, campaign_id=campaign.pk, priority_group_id=group.pk, site_id=site.pk),
    )


def _person(user: User, name: str, **changes: Any) -> Person:
    return PersonFactory(full_name=name, phone=user.phone, date_of_birth=date(1980, 1, 1), **changes)


def _book(user: User, registration: Registration, site: Site, days: int = 1) -> Appointment:
    return appointment_book(
        user=user, registration_id=registration.pk, site_id=site.pk, day=_day(days), session="morning"
    )


def _wait(user: User, registration: Registration, site: Site, days: int = 1, span: int = 1) -> WaitlistEntry:
    return waitlist_join(
        user=user, data=WaitIn(registration_id=registration.pk, site_id=site.pk, first_day=_day(days), days=span)
    )


def _booked(person: Person) -> Appointment | None:
    return Appointment.objects.filter(person=person, status=AppointmentStatus.BOOKED).first()


@pytest.fixture
def full_day(citizen: User, campaign: Campaign, small_site: Site) -> Appointment:
    """Tomorrow's only place, booked by An."""
    return _book(citizen, _register(citizen, _person(citizen, "Nguyễn Văn An"), campaign, small_site), small_site)


def test_a_cancellation_books_the_first_waiting_person_exactly_once(
    citizen: User, campaign: Campaign, small_site: Site, full_day: Appointment, django_capture_on_commit_callbacks: Any
) -> None:
    first, second = _person(citizen, "Lê Thị Hoa"), _person(citizen, "Trần Văn Bình")
    _wait(citizen, _register(citizen, first, campaign, small_site), small_site)
    _wait(citizen, _register(citizen, second, campaign, small_site), small_site)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(user=citizen, appointment_id=full_day.pk)
        appointment_cancel(user=citizen, appointment_id=full_day.pk)
    booked = _booked(first)
    assert booked is not None and (booked.site_id, booked.day, booked.session) == (small_site.pk, _day(), "morning")
    assert _booked(second) is None
    assert SessionSlot.objects.get(day=_day()).booked == 1
    assert list(WaitlistEntry.objects.order_by("pk").values_list("status", flat=True)) == ["booked", "waiting"]
    assert WaitlistEntry.objects.get(person=first).appointment_id == booked.pk
    assert (
        Notification.objects.filter(person=first, channel=Channel.PORTAL, code="vaccination.waitlist_booked").count()
        == 1
    )
    assert [m["to"] for m in sms.outbox] == [first.phone]
    assert AuditEvent.objects.filter(action="vaccination.waitlist_book", person_id=first.pk).count() == 1
    # It is an appointment as any other: cancelling it gives the place to the next one waiting.
    appointment_cancel(user=citizen, appointment_id=booked.pk)
    assert _booked(first) is None and getattr(_booked(second), "day", None) == _day()


def test_places_go_in_the_order_people_joined(
    citizen: User, campaign: Campaign, small_site: Site, full_day: Appointment
) -> None:
    second_place = _book(
        citizen, _register(citizen, _person(citizen, "Phạm Thị Cúc"), campaign, small_site), small_site, 2
    )
    people = [_person(citizen, f"Người chờ {n}") for n in range(3)]
    for person in people:
        _wait(citizen, _register(citizen, person, campaign, small_site), small_site, 1, span=2)
    appointment_cancel(user=citizen, appointment_id=second_place.pk)
    appointment_cancel(user=citizen, appointment_id=full_day.pk)
    days = {p.full_name: getattr(_booked(p), "day", None) for p in people}
    assert days == {"Người chờ 0": _day(2), "Người chờ 1": _day(1), "Người chờ 2": None}


def test_nobody_is_booked_outside_their_dose_interval_or_campaign(
    citizen: User, vaccinator: User, campaign: Campaign, small_site: Site, full_day: Appointment
) -> None:
    too_soon, ended, fits = (_person(citizen, n) for n in ("Sớm Quá", "Hết Đợt", "Vừa Đúng"))
    _wait(citizen, _register(citizen, too_soon, campaign, small_site), small_site)
    other = make_campaign(name="Đợt 2")
    _wait(citizen, _register(citizen, ended, other, small_site), small_site)
    _wait(citizen, _register(citizen, fits, campaign, small_site), small_site)
    # Since they joined: a first dose yesterday (the next one is 21 days away), a campaign that ends today.
    dose_record(user=vaccinator, data=dose_in(too_soon, small_site, administered_on=_day(-1), campaign_id=campaign.pk))
    Campaign.objects.filter(pk=other.pk).update(ends_on=timezone.localdate())
    appointment_cancel(user=citizen, appointment_id=full_day.pk)
    assert (_booked(too_soon), _booked(ended)) == (None, None)
    assert getattr(_booked(fits), "day", None) == _day()
    assert WaitlistEntry.objects.filter(status=WaitStatus.WAITING).count() == 2  # the skipped keep waiting


def test_a_person_waits_once_per_site_and_day_and_can_leave(
    citizen: User, campaign: Campaign, small_site: Site, full_day: Appointment
) -> None:
    _book(citizen, _register(citizen, _person(citizen, "Phạm Thị Cúc"), campaign, small_site), small_site, 3)
    hoa = _person(citizen, "Lê Thị Hoa")
    registration = _register(citizen, hoa, campaign, small_site)
    entry = _wait(citizen, registration, small_site)
    second_site = Site.objects.create(name="Trạm tiêm 2", ward=home_ward(0), capacity_morning=0, capacity_afternoon=0)
    codes = []
    for site, day, span in ((small_site, 1, 1), (small_site, 1, 3), (small_site, 2, 1), (small_site, 0, 1)):
        with pytest.raises(DomainError) as caught:
            _wait(citizen, registration, site, day, span)
        codes.append((caught.value.code, caught.value.status))
    assert codes == [("already_waiting", 409), ("already_waiting", 409), ("places_left", 400), ("day_past", 400)]
    assert _wait(citizen, registration, second_site).site_id == second_site.pk  # another site: fine
    assert _wait(citizen, registration, small_site, 3).first_day == _day(3)  # another full day: fine
    waitlist_leave(user=citizen, entry_id=entry.pk)
    waitlist_leave(user=citizen, entry_id=entry.pk)
    entry.refresh_from_db()
    assert entry.status == WaitStatus.LEFT
    appointment_cancel(user=citizen, appointment_id=full_day.pk)
    assert _booked(hoa) is None
    stranger = UserFactory(role=Role.CITIZEN, phone="+84987000000", password=None)
    with pytest.raises(DomainError) as caught:
        waitlist_leave(user=stranger, entry_id=entry.pk)
    assert caught.value.status == 404


def test_a_range_is_clipped_to_the_dose_window(citizen: User, campaign: Campaign, small_site: Site) -> None:
    Campaign.objects.filter(pk=campaign.pk).update(ends_on=_day(3))
    campaign.refresh_from_db()
    entry = _wait(citizen, _register(citizen, _person(citizen, "Lê Thị Hoa"), campaign, small_site), small_site, 1, 7)
    assert (entry.first_day, entry.last_day) == (_day(1), _day(3))


def test_a_move_gives_the_place_to_the_waiting_list_and_a_moved_waiter_frees_theirs(
    citizen: User, campaign: Campaign, small_site: Site, full_day: Appointment
) -> None:
    later = _person(citizen, "Đặt Sau")
    later_registration = _register(citizen, later, campaign, small_site)
    _book(citizen, later_registration, small_site, 5)
    _wait(citizen, later_registration, small_site, 1)  # holds day 5, wants tomorrow
    third = _person(citizen, "Chờ Ngày Năm")
    _wait(citizen, _register(citizen, third, campaign, small_site), small_site, 5)
    # An moves from tomorrow to day 3: tomorrow goes to "Đặt Sau", whose day 5 goes to the third.
    _book(citizen, full_day.registration, small_site, 3)
    assert getattr(_booked(later), "day", None) == _day(1)
    assert getattr(_booked(third), "day", None) == _day(5)
    assert dict(SessionSlot.objects.values_list("day", "booked")) == {_day(1): 1, _day(3): 1, _day(5): 1}


def test_withdrawing_a_registration_gives_its_place_away_and_ends_its_waits(
    citizen: User, campaign: Campaign, small_site: Site, full_day: Appointment
) -> None:
    hoa = _person(citizen, "Lê Thị Hoa")
    _wait(citizen, _register(citizen, hoa, campaign, small_site), small_site)
    _book(citizen, _register(citizen, _person(citizen, "Phạm Thị Cúc"), campaign, small_site), small_site, 2)
    _wait(citizen, full_day.registration, small_site, 2)
    registration_cancel(user=citizen, registration_id=full_day.registration_id)
    assert getattr(_booked(hoa), "day", None) == _day()
    assert WaitlistEntry.objects.get(registration=full_day.registration).status == WaitStatus.ENDED


def test_the_notice_is_in_the_persons_language_vietnamese_first(
    citizen: User, campaign: Campaign, small_site: Site, full_day: Appointment, django_capture_on_commit_callbacks: Any
) -> None:
    hoa, john = _person(citizen, "Lê Thị Hoa", language="vi"), _person(citizen, "John Smith", language="en")
    _wait(citizen, _register(citizen, hoa, campaign, small_site), small_site, 1, 3)
    _wait(citizen, _register(citizen, john, campaign, small_site), small_site, 1, 3)
    _book(citizen, _register(citizen, _person(citizen, "Phạm Thị Cúc"), campaign, small_site), small_site, 2)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(user=citizen, appointment_id=full_day.pk)
        appointment_cancel(user=citizen, appointment_id=Appointment.objects.get(day=_day(2)).pk)
    texts = sorted(m["text"] for m in sms.outbox)
    assert len(texts) == 2
    english, vietnamese = texts
    assert english.startswith("A place freed") and john.full_name in english
    assert vietnamese.startswith("Có chỗ trống") and hoa.full_name in vietnamese


# --- Two cancellations at once (PostgreSQL) ---------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.parametrize("sessions", [("morning", "morning"), ("morning", "afternoon")])
def test_two_cancellations_at_once_book_two_waiting_people_once_each(
    geo_units: None, transactional_db: None, settings: object, sessions: tuple[str, str]
) -> None:
    """The same session (the second waits for the counter's lock), or two sessions (two
    transactions choose among the same people at the same time)."""
    citizen = UserFactory(username="citizen2", role=Role.CITIZEN, phone="+84912000000", password=None)
    site = Site.objects.create(
        name="Trạm tiêm", ward=home_ward(0), capacity_morning=sessions.count("morning"),
        capacity_afternoon=sessions.count("afternoon"),
    )  # fmt: skip
    campaign = make_campaign()
    holders = [_register(citizen, _person(citizen, f"Đã Đặt {n}"), campaign, site) for n in range(2)]
    booked = [
        appointment_book(user=citizen, registration_id=r.pk, site_id=site.pk, day=_day(), session=session)
        for r, session in zip(holders, sessions, strict=True)
    ]
    waiting = [_person(citizen, f"Đang Chờ {n}") for n in range(2)]
    for person in waiting:
        _wait(citizen, _register(citizen, person, campaign, site), site)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def cancel(appointment: Appointment) -> None:
        try:
            barrier.wait()
            appointment_cancel(user=citizen, appointment_id=appointment.pk)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(a,)) for a in booked]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sum(SessionSlot.objects.values_list("booked", flat=True)) == 2
    assert sorted(Appointment.objects.filter(status="booked").values_list("person_id", flat=True)) == sorted(
        p.pk for p in waiting
    )
    assert WaitlistEntry.objects.filter(status=WaitStatus.BOOKED).count() == 2
    for person in waiting:
        assert Notification.objects.filter(person=person, channel=Channel.PORTAL).count() == 1


# --- Pages ----------------------------------------------------------------------------------


def test_a_citizen_joins_from_the_booking_page_and_sees_and_leaves_it_on_their_page(
    citizen: User, citizen_client: Client, campaign: Campaign, small_site: Site, full_day: Appointment
) -> None:
    hoa = _person(citizen, "Lê Thị Hoa")
    registration = _register(citizen, hoa, campaign, small_site)
    page = citizen_client.get(f"/vaccination/register/{registration.pk}/book/?site={small_site.pk}").content.decode()
    assert 'id="waitlist"' in page and f'data-day="{_day().isoformat()}"' in page
    response = citizen_client.post(
        f"/vaccination/register/{registration.pk}/wait/",
        {"site": small_site.pk, "day": _day().isoformat(), "days": 1},
    )
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get(person=hoa)
    home = citizen_client.get("/vaccination/register/").content.decode()
    assert f"/vaccination/waiting/{entry.pk}/leave/" in home
    assert citizen_client.post(f"/vaccination/waiting/{entry.pk}/leave/").status_code == 302
    entry.refresh_from_db()
    assert entry.status == WaitStatus.LEFT


def test_another_household_and_anonymous_visitors_cannot_join_or_leave(
    citizen: User, campaign: Campaign, small_site: Site, full_day: Appointment, client: Client
) -> None:
    registration = _register(citizen, _person(citizen, "Lê Thị Hoa"), campaign, small_site)
    entry = _wait(citizen, registration, small_site)
    stranger = signed_in(UserFactory(role=Role.CITIZEN, phone="+84987000000", password=None))
    body = {"site": small_site.pk, "day": _day(2).isoformat(), "days": 1}
    assert stranger.post(f"/vaccination/register/{registration.pk}/wait/", body).status_code == 404
    assert stranger.post(f"/vaccination/waiting/{entry.pk}/leave/").status_code == 404
    assert client.post(f"/vaccination/register/{registration.pk}/wait/", body)["Location"].startswith("/accounts/")
    assert client.post(f"/vaccination/waiting/{entry.pk}/leave/")["Location"].startswith("/accounts/")
    assert WaitlistEntry.objects.get().status == WaitStatus.WAITING


def test_the_site_sees_its_waiting_count_and_list_and_nobody_else_does(
    citizen: User,
    vaccinator_client: Client,
    campaign: Campaign,
    small_site: Site,
    full_day: Appointment,
    citizen_client: Client,
    client: Client,
) -> None:
    hoa = _person(citizen, "Lê Thị Hoa")
    _wait(citizen, _register(citizen, hoa, campaign, small_site), small_site)
    day_list = vaccinator_client.get(f"/vaccination/sites/{small_site.pk}/").content.decode()
    assert 'id="vacc-waiting"' in day_list and f"/vaccination/sites/{small_site.pk}/waiting/" in day_list
    assert "Danh sách chờ: 1 người đang chờ chỗ" in day_list
    page = vaccinator_client.get(f"/vaccination/sites/{small_site.pk}/waiting/")
    assert page.status_code == 200 and hoa.full_name in page.content.decode()
    assert AuditEvent.objects.filter(action="vaccination.waitlist_read", person_id=hoa.pk).count() == 1
    colleague = UserFactory(role=Role.VACCINATION_STAFF)
    Site.objects.create(name="Trạm khác", ward=home_ward(1)).staff.add(colleague)
    assert signed_in(colleague).get(f"/vaccination/sites/{small_site.pk}/waiting/").status_code == 404
    assert citizen_client.get(f"/vaccination/sites/{small_site.pk}/waiting/").status_code == 403
    assert client.get(f"/vaccination/sites/{small_site.pk}/waiting/")["Location"].startswith("/accounts/")
