"""Appointments: the days offered (capacity per session, the interval since the last dose),
booking without overbooking (also two people at once), moving and cancelling, the day
before's reminder (once), and what the site sees."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.factories import PersonFactory, UserFactory, home_ward
from tests.vaccination.conftest import dose_in
from tests.vaccination.registration_fixtures import make_campaign
from truyvet.accounts.models import Role, User
from truyvet.lib import sms
from truyvet.lib.errors import DomainError
from truyvet.lib.models import Channel, Notification
from truyvet.people.models import Person
from vaccination.appointments import (
    appointment_book,
    appointment_cancel,
    dose_window,
    offered_days,
    reminders_send,
)
from vaccination.models import Appointment, AppointmentStatus, Campaign, Registration, SessionSlot, Site
from vaccination.registration import RegistrationIn, registration_cancel, registration_create
from vaccination.services import dose_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db: None) -> Campaign:
    return make_campaign()


@pytest.fixture
def member(citizen: User) -> Person:
    return PersonFactory(full_name="Lê Thị Hoa", phone=citizen.phone, date_of_birth=date(1985, 2, 3))


def _register(user: User, person: Person, campaign: Campaign, site: Site) -> Registration:
    group = campaign.priority_groups.first()
    assert group is not None
    return registration_create(
        user=user,
        data=RegistrationIn(person_id=person.pk, campaign_id=campaign.pk, priority_group_id=group.pk, site_id=site.pk),
    )


def _tomorrow(days: int = 1) -> date:
    return timezone.localdate() + timedelta(days=days)


def test_the_first_dose_is_offered_from_tomorrow_to_the_campaigns_end_with_places_left(
    citizen: User, member: Person, campaign: Campaign, site: Site
) -> None:
    site.capacity_morning, site.capacity_afternoon = 2, 0
    site.save()
    registration = _register(citizen, member, campaign, site)
    window, days = offered_days(registration, site)
    assert (window.dose_number, window.first, window.last) == (1, _tomorrow(), campaign.ends_on)
    assert days[0].day == _tomorrow() and days[0].sessions == [("morning", 2)]
    assert len(days) == 14


def test_after_a_dose_only_the_products_interval_is_offered(
    citizen: User, member: Person, campaign: Campaign, site: Site, vaccinator: User
) -> None:
    given = timezone.localdate() - timedelta(days=10)
    dose_record(user=vaccinator, data=dose_in(member, site, administered_on=given, campaign_id=campaign.pk))
    registration = _register(citizen, member, campaign, site)
    window = dose_window(registration)
    assert (window.dose_number, window.first, window.last) == (
        2,
        given + timedelta(days=21),
        given + timedelta(days=42),
    )
    with pytest.raises(DomainError) as caught:
        appointment_book(
            user=citizen, registration_id=registration.pk, site_id=site.pk, day=_tomorrow(), session="morning"
        )
    assert caught.value.code == "outside_interval"
    booked = appointment_book(
        user=citizen, registration_id=registration.pk, site_id=site.pk, day=window.first, session="morning"
    )
    assert booked.dose_number == 2


def test_a_person_past_the_maximum_is_offered_every_day_left(
    citizen: User, member: Person, campaign: Campaign, site: Site, vaccinator: User
) -> None:
    given = timezone.localdate() - timedelta(days=60)
    dose_record(user=vaccinator, data=dose_in(member, site, administered_on=given, campaign_id=campaign.pk))
    window = dose_window(_register(citizen, member, campaign, site))
    assert (window.first, window.last) == (_tomorrow(), campaign.ends_on)


def test_the_last_place_goes_to_one_person_only(citizen: User, campaign: Campaign, site: Site) -> None:
    site.capacity_morning = 1
    site.save()
    first, second = PersonFactory(phone=citizen.phone), PersonFactory(phone=citizen.phone)
    a, b = _register(citizen, first, campaign, site), _register(citizen, second, campaign, site)
    appointment_book(user=citizen, registration_id=a.pk, site_id=site.pk, day=_tomorrow(), session="morning")
    with pytest.raises(DomainError) as caught:
        appointment_book(user=citizen, registration_id=b.pk, site_id=site.pk, day=_tomorrow(), session="morning")
    assert (caught.value.code, caught.value.status) == ("slot_full", 409)
    assert SessionSlot.objects.get().booked == 1
    _window, days = offered_days(b, site)
    assert ("morning", 1) not in days[0].sessions


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_people_booking_the_last_place_at_once_get_one_place(
    geo_units: None, transactional_db: None, settings: object
) -> None:
    citizen = UserFactory(username="citizen2", role=Role.CITIZEN, phone="+84912000000", password=None)
    site = Site.objects.create(name="Trạm tiêm", ward=home_ward(0), capacity_morning=1)
    campaign = make_campaign()
    registrations = [_register(citizen, PersonFactory(phone=citizen.phone), campaign, site) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book(registration: Registration) -> None:
        try:
            barrier.wait()
            appointment_book(
                user=citizen, registration_id=registration.pk, site_id=site.pk, day=_tomorrow(), session="morning"
            )
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(r,)) for r in registrations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["ok", "slot_full"]
    assert SessionSlot.objects.get().booked == 1
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 1


def test_booking_again_moves_the_appointment_and_gives_the_old_place_back(
    citizen: User, member: Person, campaign: Campaign, site: Site
) -> None:
    registration = _register(citizen, member, campaign, site)
    first = appointment_book(
        user=citizen, registration_id=registration.pk, site_id=site.pk, day=_tomorrow(), session="morning"
    )
    same = appointment_book(
        user=citizen, registration_id=registration.pk, site_id=site.pk, day=_tomorrow(), session="morning"
    )
    assert same.pk == first.pk
    moved = appointment_book(
        user=citizen, registration_id=registration.pk, site_id=site.pk, day=_tomorrow(3), session="afternoon"
    )
    first.refresh_from_db()
    assert first.status == AppointmentStatus.CANCELLED and moved.status == AppointmentStatus.BOOKED
    slots = dict(SessionSlot.objects.values_list("day", "booked"))
    assert slots == {_tomorrow(): 0, _tomorrow(3): 1}


def test_cancelling_gives_the_place_back_once(citizen: User, member: Person, campaign: Campaign, site: Site) -> None:
    registration = _register(citizen, member, campaign, site)
    booked = appointment_book(
        user=citizen, registration_id=registration.pk, site_id=site.pk, day=_tomorrow(), session="morning"
    )
    appointment_cancel(user=citizen, appointment_id=booked.pk)
    appointment_cancel(user=citizen, appointment_id=booked.pk)
    assert SessionSlot.objects.get().booked == 0
    assert Appointment.objects.get().status == AppointmentStatus.CANCELLED


def test_withdrawing_a_registration_cancels_its_appointment(
    citizen: User, member: Person, campaign: Campaign, site: Site
) -> None:
    registration = _register(citizen, member, campaign, site)
    appointment_book(user=citizen, registration_id=registration.pk, site_id=site.pk, day=_tomorrow(), session="morning")
    registration_cancel(user=citizen, registration_id=registration.pk)
    assert SessionSlot.objects.get().booked == 0
    with pytest.raises(DomainError) as caught:
        appointment_book(
            user=citizen, registration_id=registration.pk, site_id=site.pk, day=_tomorrow(), session="morning"
        )
    assert caught.value.code == "not_registered"


def test_today_a_site_outside_the_campaign_and_another_households_registration_are_refused(
    citizen: User, member: Person, campaign: Campaign, site: Site, other_site: Site
) -> None:
    registration = _register(citizen, member, campaign, site)
    codes = []
    for user, site_id, day in (
        (citizen, site.pk, timezone.localdate()),
        (citizen, other_site.pk, _tomorrow()),
        (UserFactory(role=Role.CITIZEN, phone="+84987000000", password=None), site.pk, _tomorrow()),
    ):
        with pytest.raises(DomainError) as caught:
            appointment_book(user=user, registration_id=registration.pk, site_id=site_id, day=day, session="morning")
        codes.append(caught.value.code)
    assert codes == ["day_past", "site_outside_campaign", "not_your_household"]


def test_the_reminder_goes_once_the_day_before_in_the_persons_language(
    citizen: User, member: Person, campaign: Campaign, site: Site, django_capture_on_commit_callbacks: Any
) -> None:
    member.language = "en"
    member.save()
    registration = _register(citizen, member, campaign, site)
    appointment_book(user=citizen, registration_id=registration.pk, site_id=site.pk, day=_tomorrow(), session="morning")
    later = _register(citizen, PersonFactory(phone=citizen.phone), campaign, site)
    appointment_book(user=citizen, registration_id=later.pk, site_id=site.pk, day=_tomorrow(2), session="morning")
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send() == 1
        assert reminders_send() == 0
    assert Notification.objects.filter(person=member, channel=Channel.PORTAL).count() == 1
    assert len(sms.outbox) == 1
    text = sms.outbox[0]["text"]
    assert "Vaccination tomorrow" in text and site.name in text and "Morning" in text


def test_reminding_many_people_costs_the_queries_of_reminding_one(
    citizen: User, campaign: Campaign, site: Site, django_assert_max_num_queries: Any
) -> None:
    for _n in range(6):
        registration = _register(citizen, PersonFactory(phone=citizen.phone), campaign, site)
        appointment_book(
            user=citizen, registration_id=registration.pk, site_id=site.pk, day=_tomorrow(), session="morning"
        )
    with django_assert_max_num_queries(8):
        assert reminders_send() == 6
    assert Notification.objects.filter(channel=Channel.SMS).count() == 6


def test_the_site_day_list_shows_todays_appointments_and_the_visit_shows_the_appointment(
    vaccinator_client: Client, vaccinator: User, citizen: User, member: Person, campaign: Campaign, site: Site
) -> None:
    registration = _register(citizen, member, campaign, site)
    today = timezone.localdate()
    Appointment.objects.create(registration=registration, person=member, site=site, day=today, session="morning")
    other = PersonFactory(full_name="Phạm Văn Đến")
    Appointment.objects.create(
        registration=_register(citizen, PersonFactory(phone=citizen.phone), campaign, site),
        person=other,
        site=site,
        day=today,
        session="afternoon",
    )
    dose_record(user=vaccinator, data=dose_in(other, site, administered_on=today))
    page = vaccinator_client.get(f"/vaccination/sites/{site.pk}/").content.decode()
    assert member.full_name in page and 'data-status="booked"' in page and 'data-status="vaccinated"' in page
    visit = vaccinator_client.get(f"/vaccination/sites/{site.pk}/people/{member.pk}/").content.decode()
    assert 'id="visit-appointment"' in visit and today.strftime("%d/%m/%Y") in visit
