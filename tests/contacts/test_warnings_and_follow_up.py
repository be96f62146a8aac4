"""Warnings once per case and person; alerts to the right units; follow-up and status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.matching import match_case
from contacts.models import FollowUp, ManualContact
from contacts.services import (
    case_open,
    follow_up_check_record,
    follow_ups_close_finished,
    manual_contact_add,
)
from contacts.warnings import warn_exposed
from tests.contacts.conftest import T0
from tests.factories import HealthUnitFactory, PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Alert, Role, UnitKind
from truyvet.lib import sms
from truyvet.lib.errors import DomainError
from truyvet.lib.models import Notification
from truyvet.people.status import status_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(db: None):
    centre = HealthUnitFactory(name="TTYT", kind=UnitKind.HEALTH_CENTRE, wards=[home_ward(0), home_ward(1)])
    here = HealthUnitFactory(name="Trạm 0", kind=UnitKind.COMMUNE_STATION, wards=[home_ward(0)], phone="+84912000111")
    there = HealthUnitFactory(name="Trạm 1", kind=UnitKind.COMMUNE_STATION, wards=[home_ward(1)])
    return centre, here, there


def test_each_exposed_person_is_warned_once_by_sms_and_in_the_portal_however_often_matching_runs(
    make_case, venue, stay, units, django_capture_on_commit_callbacks
):
    case = make_case()
    visitor = PersonFactory(ward=home_ward(0), phone="+84912345678")
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 0, 60)
    stay(visitor, venue, 70, 80)  # a second stay: still one warning
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            match_case(case.pk)
    assert [m["to"] for m in sms.outbox] == ["+84912345678"]
    portal = Notification.objects.get(person=visitor, channel="portal")
    assert "F1" in portal.title and "cách ly" in portal.body and "+84912000111" in portal.body
    assert warn_exposed(case.pk) == 0


def test_the_commune_station_and_health_centre_of_the_persons_ward_are_alerted_and_no_other_unit(
    make_case, venue, stay, units
):
    # units: a health centre over wards 0 and 1, a station for each ward
    case = make_case(PersonFactory(ward=home_ward(1)))
    visitor = PersonFactory(ward=home_ward(0))
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 0, 60)
    match_case(case.pk)
    warn_exposed(case.pk)
    warn_exposed(case.pk)
    alerted = set(Alert.objects.filter(kind="exposure", person=visitor).values_list("unit__name", flat=True))
    assert alerted == {"TTYT", "Trạm 0"}
    assert Alert.objects.filter(kind="exposure").count() == 2


def test_an_f1_reads_as_f1_to_declarations_and_checkpoints_and_a_case_as_f0(make_case, venue, stay):
    case = make_case()
    visitor = PersonFactory()
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 0, 60)
    match_case(case.pk)
    assert status_for(visitor.pk).f_level == 1
    assert status_for(case.person_id).f_level == 0
    assert status_for(PersonFactory().pk).f_level is None


def test_opening_a_case_for_someone_under_follow_up_ends_the_follow_up_as_became_case(make_case, venue, stay):
    case = make_case()
    visitor = PersonFactory()
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 0, 60)
    match_case(case.pk)
    case_open(user=None, person=visitor, classification="confirmed", confirmed_at=timezone.now())
    assert FollowUp.objects.get(person=visitor).state == "became_case"
    assert status_for(visitor.pk).f_level == 0


def test_a_confirmed_case_needs_its_confirmation_time(db):
    with pytest.raises(DomainError) as error:
        case_open(user=None, person=PersonFactory(), classification="confirmed", confirmed_at=None)
    assert error.value.code == "required"


def test_a_sample_after_the_confirmation_is_refused(db):
    with pytest.raises(DomainError) as error:
        case_open(
            user=None,
            person=PersonFactory(),
            confirmed_at=T0,
            sample_date=T0.date() + timedelta(days=1),
        )
    assert error.value.code in {"sample_after_confirmation", "in_future"}


def test_a_manual_contact_is_matched_by_citizen_id_then_by_phone_and_name_or_created(make_case):
    case = make_case()
    known = PersonFactory(full_name="Lò Thị Mai", phone="+84987654321")
    by_id = manual_contact_add(user=None, case=case, full_name="x", id_number=known.id_number, contact_date=T0.date())
    by_phone = manual_contact_add(
        user=None, case=case, full_name="lo thi  MAI", phone="0987654321", contact_date=T0.date()
    )
    new = manual_contact_add(user=None, case=case, full_name="Giàng A Páo", phone="0911222333", contact_date=T0.date())
    assert by_id.person_id == known.pk
    assert by_phone.person_id == known.pk
    assert new.person.full_name == "Giàng A Páo" and new.person.phone == "+84911222333"
    match_case(case.pk)
    assert set(case.exposures.values_list("person_id", flat=True)) == {known.pk, new.person_id}


def test_a_manual_contact_without_id_or_phone_is_refused_and_nothing_is_written(make_case):
    case = make_case()
    with pytest.raises(DomainError) as error:
        manual_contact_add(user=None, case=case, full_name="Ai đó", contact_date=T0.date())
    assert error.value.code == "identity_required"
    assert not ManualContact.objects.exists()


def test_a_manual_contacts_source_must_belong_to_the_case(make_case):
    case = make_case()
    with pytest.raises(DomainError) as error:
        manual_contact_add(
            user=None,
            case=case,
            full_name="Ai đó",
            phone="0911222333",
            contact_date=T0.date(),
            source_person=PersonFactory(),
        )
    assert error.value.code == "unknown_source"


def test_a_daily_check_is_one_per_day_and_can_be_corrected(make_case, venue, stay):
    case = make_case()
    visitor = PersonFactory()
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 0, 60)
    match_case(case.pk)
    follow_up = FollowUp.objects.get(person=visitor)
    worker = UserFactory(role=Role.COMMUNE_STATION)
    follow_up_check_record(user=worker, follow_up=follow_up, symptoms=["fever"])
    follow_up_check_record(user=worker, follow_up=follow_up, symptoms=[], test_result="negative")
    (check,) = follow_up.checks.all()
    assert check.symptoms == [] and check.test_result == "negative"
    with pytest.raises(DomainError):
        follow_up_check_record(user=worker, follow_up=follow_up, temperature=50)


def test_follow_ups_past_their_quarantine_are_completed(make_case, venue, stay):
    case = make_case()
    visitor = PersonFactory()
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 0, 60)
    match_case(case.pk)
    follow_up = FollowUp.objects.get(person=visitor)
    assert follow_ups_close_finished(today=follow_up.quarantine_until) == 0
    assert follow_ups_close_finished(today=follow_up.quarantine_until + timedelta(days=1)) == 1
    follow_up.refresh_from_db()
    assert follow_up.state == "completed"


def test_someone_found_as_an_f2_and_later_as_an_f1_is_warned_again_with_the_f1_advice(
    make_case, venue, other_venue, stay
):
    case = make_case()
    f1, person = PersonFactory(), PersonFactory(phone="+84912345670")
    stay(case.person, venue, 0, 60)
    stay(f1, venue, 0, 60)
    stay(f1, other_venue, 100, 160)
    stay(person, other_venue, 100, 160)
    match_case(case.pk)
    warn_exposed(case.pk)
    stay(person, venue, 10, 20)  # a late check-in: they were with the case too
    match_case(case.pk)
    warn_exposed(case.pk)
    warn_exposed(case.pk)
    titles = list(Notification.objects.filter(person=person, channel="portal").values_list("title", flat=True))
    assert len(titles) == 2 and any("F1" in t for t in titles) and any("F2" in t for t in titles)
    assert [m["to"] for m in sms.outbox].count("+84912345670") == 2


def test_the_same_contact_sent_twice_is_stored_once(make_case):
    case = make_case()
    first = manual_contact_add(
        user=None, case=case, full_name="Giàng A Páo", phone="0911222333", contact_date=T0.date()
    )
    again = manual_contact_add(
        user=None, case=case, full_name="Giàng A Páo", phone="0911222333", contact_date=T0.date()
    )
    assert again.pk == first.pk and ManualContact.objects.count() == 1
