"""Merging two records of one person carries tracing along."""

from __future__ import annotations

import pytest

from contacts.matching import match_case
from contacts.models import Exposure, FollowUp, ManualContact, ProximityDevice
from tests.factories import PersonFactory, home_ward
from truyvet.lib.models import AuditEvent
from venues.models import CheckIn

pytestmark = pytest.mark.django_db


def test_a_merge_moves_check_ins_exposures_follow_ups_contacts_and_phones_to_the_survivor(
    insider_client, make_case, venue, stay, encounter
):
    case = make_case(PersonFactory(ward=home_ward(0)))
    survivor = PersonFactory(ward=home_ward(0), full_name="Vàng Thị Dua", id_number=None, passport_number=None)
    duplicate = PersonFactory(ward=home_ward(0), full_name="Vàng Thị Dua")
    stay(case.person, venue, 0, 60)
    stay(duplicate, venue, 0, 60)
    encounter(duplicate, PersonFactory(), 500, 5)
    ManualContact.objects.create(
        case=case, source_person=case.person, person=duplicate, contact_date=venue.created_at.date()
    )
    match_case(case.pk)
    response = insider_client.post(
        f"/people/merge/{survivor.pk}/{duplicate.pk}/", {"keep": str(survivor.pk)}, follow=True
    )
    assert response.status_code == 200
    assert not type(duplicate).objects.filter(pk=duplicate.pk).exists()
    assert CheckIn.objects.filter(person=survivor).count() == 1
    assert set(Exposure.objects.filter(case=case).values_list("person_id", flat=True)) == {survivor.pk}
    assert FollowUp.objects.get(state="active", person=survivor).level == 1
    assert ManualContact.objects.get().person_id == survivor.pk
    assert ProximityDevice.objects.filter(person=survivor).count() == 1
    assert AuditEvent.objects.filter(action="person.merge", person_id=survivor.pk).exists()


def test_merging_two_open_cases_is_refused_with_a_message_and_changes_nothing(insider_client, make_case):
    first = make_case(PersonFactory(ward=home_ward(0), full_name="Hờ A Sùng"))
    second = make_case(PersonFactory(ward=home_ward(0), full_name="Hờ A Sùng"))
    response = insider_client.post(
        f"/people/merge/{first.person_id}/{second.person_id}/", {"keep": str(first.person_id)}, follow=True
    )
    assert response.status_code == 200
    assert "open case" in response.content.decode() or "ca bệnh" in response.content.decode()
    assert type(first.person).objects.filter(pk__in=[first.person_id, second.person_id]).count() == 2
