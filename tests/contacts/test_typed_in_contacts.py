"""Contacts staff type in by hand: each gets a ward (the one chosen, else the case's) whose
station is alerted, and is found by phone when their id number is new."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from contacts.matching import match_case
from contacts.models import Case, FollowUp, ManualContact
from contacts.services import manual_contact_add
from contacts.warnings import warn_exposed
from tests.contacts.conftest import T0
from tests.factories import PersonFactory, home_ward
from truyvet.accounts.models import Alert, HealthUnit, User
from truyvet.lib.errors import DomainError
from truyvet.people.models import Person, PersonHistory

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
