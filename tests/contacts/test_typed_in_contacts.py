"""Typed-in contacts get a ward and are found by phone when their id is new; merging two
records never fails on a unique row and never warns the survivor twice; a lab result's
earlier sample widens the infectious window."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkpoints.models import BusTrip, TripPassenger
from contacts.matching import match_case
from contacts.models import Case, Exposure, FollowUp, ManualContact
from contacts.services import lab_result_add, manual_contact_add
from contacts.warnings import warn_exposed
from tests.contacts.conftest import T0
from tests.factories import PersonFactory, home_ward
from truyvet.accounts.models import Alert, HealthUnit, User
from truyvet.lib import sms
from truyvet.lib.days import day_start
from truyvet.lib.errors import DomainError
from truyvet.lib.models import Notification
from truyvet.people.models import Person, PersonHistory
from truyvet.people.signals import person_merging
from venues.models import CheckIn, Venue

pytestmark = pytest.mark.django_db


def _contact_form(case: Case, **fields: Any) -> dict[str, Any]:
    return {
        "contact-full_name": "Vàng Thị Ba",
        "contact-phone": "0912 777 888",
        "contact-contact_date": T0.date().isoformat(),
        "contact-setting": "household",
        "contact-source": case.person_id,
        **{f"contact-{name}": value for name, value in fields.items()},
    }


def _merge(client: Client, survivor: Person, duplicate: Person) -> Any:
    return client.post(reverse("people:merge", args=[survivor.pk, duplicate.pk]), {"keep": str(survivor.pk)})


# --- 1. typed-in contacts ------------------------------------------------------------------


def test_the_contact_form_proposes_the_case_ward_among_the_province_wards(
    insider_client: Client, make_case: Callable[..., Case]
) -> None:
    case = make_case(PersonFactory(ward=home_ward(0)))
    form = insider_client.get(reverse("contacts:case_detail", args=[case.pk])).context["contact_form"]
    assert form["ward_code"].value() == home_ward(0).code
    codes = {code for code, _label in form.fields["ward_code"].choices if code}
    assert {str(home_ward(0).code), str(home_ward(1).code)} <= codes


def test_a_new_typed_in_contact_lives_in_the_chosen_ward_whose_station_is_alerted_after_matching(
    insider_client: Client, make_case: Callable[..., Case], other_station: HealthUnit
) -> None:
    case = make_case(PersonFactory(ward=home_ward(0)))
    response = insider_client.post(
        reverse("contacts:case_manual_contact", args=[case.pk]), _contact_form(case, ward_code=home_ward(1).code)
    )
    assert response.status_code == 302
    contact = ManualContact.objects.select_related("person").get()
    assert contact.person.ward_id == home_ward(1).code
    match_case(case.pk)
    warn_exposed(case.pk)
    assert FollowUp.objects.get(person=contact.person).ward_id == home_ward(1).code
    assert Alert.objects.filter(unit=other_station, person=contact.person).count() == 1


def test_a_new_typed_in_contact_with_no_ward_given_and_none_on_the_case_is_refused(
    make_case: Callable[..., Case],
) -> None:
    case = make_case(PersonFactory(ward=None))
    with pytest.raises(DomainError) as error:
        manual_contact_add(user=None, case=case, full_name="Giàng A Páo", phone="0911222333", contact_date=T0.date())
    assert error.value.code == "ward_required" and "ward_code" in error.value.errors
    assert not Person.objects.filter(full_name="Giàng A Páo").exists()


def test_a_known_contact_without_a_ward_is_given_the_ward_typed_in(make_case: Callable[..., Case]) -> None:
    case = make_case(PersonFactory(ward=home_ward(0)))
    known = PersonFactory(ward=None)
    contact = manual_contact_add(
        user=None,
        case=case,
        full_name=known.full_name,
        id_number=known.id_number,
        ward_code=home_ward(1).code,
        contact_date=T0.date(),
    )
    known.refresh_from_db()
    assert contact.person_id == known.pk and known.ward_id == home_ward(1).code


def test_the_ward_filled_in_for_a_known_contact_is_written_to_their_history(
    make_case: Callable[..., Case], insider: User
) -> None:
    case = make_case(PersonFactory(ward=home_ward(0)))
    known = PersonFactory(ward=None)
    manual_contact_add(
        user=insider,
        case=case,
        full_name=known.full_name,
        id_number=known.id_number,
        ward_code=home_ward(1).code,
        contact_date=T0.date(),
    )
    change = PersonHistory.objects.get(person=known)
    assert (change.field, change.old_value, change.new_value) == ("ward_id", "", str(home_ward(1).code))
    assert change.changed_by == insider and change.source == "staff"


def test_an_id_number_that_matches_nobody_falls_back_to_the_phone_and_links_the_known_person(
    make_case: Callable[..., Case],
) -> None:
    case = make_case(PersonFactory(ward=home_ward(0)))
    known = PersonFactory(full_name="Lò Thị Mai", phone="+84987654321", id_number=None, ward=home_ward(0))
    people = Person.objects.count()
    contact = manual_contact_add(
        user=None,
        case=case,
        full_name="lo thi MAI",
        id_number="012195000777",
        phone="0987654321",
        contact_date=T0.date(),
    )
    assert contact.person_id == known.pk and Person.objects.count() == people
    known.refresh_from_db()
    assert known.id_number == "012195000777"  # the next lookup by id finds her


# --- 2. merging ---------------------------------------------------------------------------


def test_merging_two_records_typed_in_for_the_same_case_source_and_day_keeps_one_contact(
    insider_client: Client, make_case: Callable[..., Case]
) -> None:
    case = make_case(PersonFactory(ward=home_ward(0)))
    survivor, duplicate = PersonFactory(ward=home_ward(0)), PersonFactory(ward=home_ward(0))
    for person in (survivor, duplicate):
        ManualContact.objects.create(case=case, source_person=case.person, person=person, contact_date=T0.date())
    assert _merge(insider_client, survivor, duplicate).status_code == 302
    assert not Person.objects.filter(pk=duplicate.pk).exists()
    assert list(ManualContact.objects.values_list("person_id", flat=True)) == [survivor.pk]


def test_a_survivor_is_not_warned_again_for_a_case_the_duplicate_was_warned_about(
    insider_client: Client, make_case: Callable[..., Case]
) -> None:
    case = make_case(PersonFactory(ward=home_ward(0)))
    survivor, duplicate = PersonFactory(ward=home_ward(0)), PersonFactory(ward=home_ward(0))
    ManualContact.objects.create(case=case, source_person=case.person, person=duplicate, contact_date=T0.date())
    match_case(case.pk)
    assert warn_exposed(case.pk) > 0
    sent, alerts = len(sms.outbox), Alert.objects.count()
    assert _merge(insider_client, survivor, duplicate).status_code == 302
    match_case(case.pk)
    assert warn_exposed(case.pk) == 0
    assert len(sms.outbox) == sent and Alert.objects.count() == alerts
    assert Notification.objects.filter(person=survivor, channel="sms").count() == 1


def test_when_both_records_were_warned_for_the_case_the_survivor_keeps_one_warning_per_channel(
    insider_client: Client, make_case: Callable[..., Case]
) -> None:
    case = make_case(PersonFactory(ward=home_ward(0)))
    survivor, duplicate = PersonFactory(ward=home_ward(0)), PersonFactory(ward=home_ward(0))
    for days, person in enumerate((survivor, duplicate)):
        day = T0.date() - timedelta(days=days)
        ManualContact.objects.create(case=case, source_person=case.person, person=person, contact_date=day)
    match_case(case.pk)
    warn_exposed(case.pk)
    assert _merge(insider_client, survivor, duplicate).status_code == 302
    channels = list(Notification.objects.filter(person=survivor).values_list("channel", flat=True))
    assert sorted(channels) == ["portal", "sms"]
    assert set(Exposure.objects.filter(case=case).values_list("person_id", flat=True)) == {survivor.pk}


def test_a_duplicates_seat_on_another_trip_moves_to_the_survivor_and_a_shared_trip_keeps_one_seat(
    insider_client: Client,
) -> None:
    survivor, duplicate = PersonFactory(ward=home_ward(0)), PersonFactory(ward=home_ward(0))
    shared, theirs = (
        BusTrip.objects.create(route=route, vehicle_plate="25B-00001", departure_at=timezone.now())
        for route in ("Lai Châu - Hà Nội", "Hà Nội - Lai Châu")
    )
    TripPassenger.objects.create(trip=shared, person=survivor, full_name=survivor.full_name)
    TripPassenger.objects.create(trip=shared, person=duplicate, full_name=duplicate.full_name)
    TripPassenger.objects.create(trip=theirs, person=duplicate, full_name=duplicate.full_name)
    assert _merge(insider_client, survivor, duplicate).status_code == 302
    assert list(shared.passengers.values_list("person_id", flat=True)) == [survivor.pk]
    assert list(theirs.passengers.values_list("person_id", flat=True)) == [survivor.pk]


def test_a_conflict_no_receiver_foresaw_refuses_the_merge_with_a_message_not_a_500(insider_client: Client) -> None:
    survivor, duplicate = PersonFactory(ward=home_ward(0)), PersonFactory(ward=home_ward(0))

    def unforeseen(**kwargs: Any) -> None:
        raise IntegrityError("duplicate key value violates unique constraint")

    person_merging.connect(unforeseen, sender=Person, dispatch_uid="test-unforeseen")
    try:
        response = _merge(insider_client, survivor, duplicate)
    finally:
        person_merging.disconnect(sender=Person, dispatch_uid="test-unforeseen")
    assert response.status_code == 200  # the merge page again, with the message
    page = response.content.decode()
    assert "Nothing was changed." in page or "Chưa có gì thay đổi." in page
    assert Person.objects.filter(pk__in=[survivor.pk, duplicate.pk]).count() == 2


# --- 3. lab results -----------------------------------------------------------------------


def test_a_lab_result_with_an_earlier_sample_widens_the_window_and_finds_an_earlier_visitor(
    make_case: Callable[..., Case], venue: Venue, django_capture_on_commit_callbacks: Any
) -> None:
    case = make_case(PersonFactory(ward=home_ward(0)), sample_date=T0.date())
    visitor = PersonFactory(ward=home_ward(0))
    # A visit four days before the sample: outside a window that opens two days before it.
    start = day_start(T0.date() - timedelta(days=4)) + timedelta(hours=10)
    for person in (case.person, visitor):
        CheckIn.objects.create(
            venue=venue, person=person, client_id=uuid.uuid4(), checked_in_at=start, ends_at=start + timedelta(hours=1)
        )
    match_case(case.pk)
    assert not Exposure.objects.filter(case=case, person=visitor).exists()
    with django_capture_on_commit_callbacks(execute=True):
        lab_result_add(user=None, case=case, sample_date=T0.date() - timedelta(days=3), result="positive")
    case.refresh_from_db()
    assert case.sample_date == T0.date() - timedelta(days=3)
    assert Exposure.objects.filter(case=case, person=visitor, level=1).exists()
