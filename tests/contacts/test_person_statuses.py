"""The tracing status the core reads of a person (``PERSON_STATUS_PROVIDERS``): one statement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import FollowUp
from contacts.selectors import person_statuses
from tests.factories import CaseFactory, PersonFactory
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db


def follow(person: Person, level: int, state: str = "active") -> None:
    FollowUp.objects.create(
        person=person,
        level=level,
        ward_id=person.ward_id,
        last_exposure_at=timezone.now(),
        quarantine_until=timezone.localdate() + timedelta(days=14),
        state=state,
    )


def test_an_open_case_outranks_a_follow_up_and_a_closed_one_or_a_suspect_counts_for_nothing() -> None:
    case_and_f1, f2, released, recovered, suspect, nobody = (PersonFactory() for _ in range(6))
    CaseFactory(person=case_and_f1)
    follow(case_and_f1, 1)
    follow(f2, 2)
    follow(released, 1, state="completed")
    CaseFactory(person=recovered, outcome="recovered")
    CaseFactory(person=suspect, classification="suspected")
    people = [case_and_f1, f2, released, recovered, suspect, nobody]
    with CaptureQueriesContext(connection) as queries:
        statuses = person_statuses([p.pk for p in people])
    assert statuses == {case_and_f1.pk: {"f_level": 0}, f2.pk: {"f_level": 2}}
    assert len(queries) == 1


def test_nobody_asked_costs_no_query() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert person_statuses([]) == {}
    assert len(queries) == 0
