"""Merging two records of one traced person never fails on a unique row (typed-in contacts,
bus seats) and never warns the survivor twice for the same case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from checkpoints.models import TripPassenger
from contacts.matching import match_case
from contacts.models import Case, Exposure, ManualContact
from contacts.warnings import warn_exposed
from tests.contacts.conftest import T0
from tests.factories import BusTripFactory, PersonFactory, home_ward
from truyvet.accounts.models import Alert
from truyvet.lib import sms
from truyvet.lib.models import Notification
from truyvet.people.models import Person
from truyvet.people.signals import person_merging

pytestmark = pytest.mark.django_db


def _merge(client: Client, survivor: Person, duplicate: Person) -> Any:
    return client.post(reverse("people:merge", args=[survivor.pk, duplicate.pk]), {"keep": str(survivor.pk)})


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
        BusTripFactory(route=route, vehicle_plate="25B-00001") for route in ("Lai Châu - Hà Nội", "Hà Nội - Lai Châu")
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
