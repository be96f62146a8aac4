"""The case services as every caller meets them (pages, API, demo seed): a case update saves
only what changed and decides itself whether matching runs again; a case for a new person
adds them together with the case, or refuses somebody of another unit's area."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from contacts.errors import CaseExists, ContactsError
from contacts.models import Case, Cluster
from contacts.services import CaseInput, PersonInput, case_open, case_open_for_new_person, case_update
from tests.contacts.conftest import T0
from tests.factories import PersonFactory, home_ward
from truyvet.accounts.models import User
from truyvet.lib.errors import DomainError
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(make_case: Callable[..., Case]) -> Case:
    """Confirmed at a time with seconds, as the API may give it."""
    return make_case(PersonFactory(ward=home_ward(0)), confirmed_at=T0 + timedelta(hours=20, seconds=42))


def test_a_case_given_back_as_it_is_changes_nothing_and_matches_nothing_again(
    case: Case, insider: User, django_capture_on_commit_callbacks: Any
) -> None:
    to_the_minute = case.confirmed_at.replace(second=0)  # as a page shows it and sends it back
    with django_capture_on_commit_callbacks() as callbacks:
        case_update(user=insider, case=case, data=dataclasses.replace(CaseInput.of(case), confirmed_at=to_the_minute))
        case_update(user=insider, case=case, data=CaseInput.of(case))
    assert callbacks == []
    assert not AuditEvent.objects.filter(action="case.update").exists()
    case.refresh_from_db()
    assert case.confirmed_at.second == 42


def test_a_new_window_time_is_saved_and_queues_matching_and_a_note_does_not(
    case: Case, insider: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        case_update(user=insider, case=case, data=dataclasses.replace(CaseInput.of(case), note="Khu A"))
    assert callbacks == []
    case.refresh_from_db()
    earlier = case.sample_date - timedelta(days=1)
    with django_capture_on_commit_callbacks() as callbacks:
        case_update(user=insider, case=case, data=dataclasses.replace(CaseInput.of(case), sample_date=earlier))
    assert len(callbacks) == 1
    case.refresh_from_db()
    assert (case.note, case.sample_date, case.matching) == ("Khu A", earlier, "pending")
    fields = [e.detail["fields"] for e in AuditEvent.objects.filter(action="case.update").order_by("pk")]
    assert fields == [["note"], ["sample_date"]]


def test_a_cluster_named_on_a_case_is_made_once_and_joined(case: Case, insider: User) -> None:
    case_update(user=insider, case=case, data=dataclasses.replace(CaseInput.of(case), new_cluster=" Ổ dịch  chợ "))
    other = case_open(user=insider, person=PersonFactory(), data=CaseInput(confirmed_at=T0, new_cluster="Ổ dịch chợ"))
    (cluster,) = Cluster.objects.all()
    assert cluster.name == "Ổ dịch chợ"
    case.refresh_from_db()
    assert case.cluster_id == other.cluster_id == cluster.pk


def test_a_second_open_case_says_whose_case_is_open(case: Case) -> None:
    with pytest.raises(CaseExists) as error:
        case_open(user=None, person=case.person, data=CaseInput(confirmed_at=T0))
    assert (error.value.code, error.value.status, error.value.person_id) == ("case_exists", 409, case.person_id)


def _newcomer(**changes: Any) -> PersonInput:
    fields: dict[str, Any] = {"full_name": "Lò Thị Mai", "ward_code": home_ward(0).code, "id_number": "012190555555"}
    return PersonInput(**{**fields, **changes})


def test_a_case_for_a_new_person_adds_them_and_a_refused_case_adds_nobody(insider: User) -> None:
    with pytest.raises(DomainError) as error:
        case_open_for_new_person(user=insider, person=_newcomer(), data=CaseInput(confirmed_at=None))
    assert error.value.code == ContactsError.REQUIRED
    assert not Person.objects.filter(id_number="012190555555").exists()
    case = case_open_for_new_person(user=insider, person=_newcomer(), data=CaseInput(confirmed_at=T0))
    assert case.person.id_number == "012190555555" and case.ward_id == home_ward(0).code
    assert AuditEvent.objects.filter(action="person.create", person_id=case.person_id).exists()


def test_a_new_person_form_naming_somebody_of_another_area_is_refused_and_changes_nothing(insider: User) -> None:
    elsewhere = PersonFactory(full_name="Sùng A Chư", passport_number="B1234567", nationality="LA", ward=home_ward(1))
    with pytest.raises(DomainError) as error:
        case_open_for_new_person(
            user=insider,
            person=_newcomer(id_number="", passport_number="b1234567", nationality="LA"),
            data=CaseInput(confirmed_at=T0),
        )
    assert (error.value.code, list(error.value.errors)) == ("person_outside_area", ["passport_number"])
    elsewhere.refresh_from_db()
    assert elsewhere.full_name == "Sùng A Chư" and not Case.objects.exists()


def test_a_new_person_is_added_only_to_a_ward_of_the_users_area(insider: User) -> None:
    with pytest.raises(DomainError) as error:
        case_open_for_new_person(
            user=insider, person=_newcomer(ward_code=home_ward(1).code), data=CaseInput(confirmed_at=T0)
        )
    assert (error.value.code, list(error.value.errors)) == ("invalid_choice", ["ward_code"])
    assert not Person.objects.filter(id_number="012190555555").exists()
