"""A lab result whose sample is earlier than the case's widens the infectious window and
finds the visitors the narrower one missed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from contacts.matching import match_case
from contacts.models import Case, Exposure
from contacts.services import lab_result_add
from tests.contacts.conftest import T0
from tests.factories import CheckInFactory, PersonFactory, home_ward
from truyvet.lib.days import day_start
from venues.models import Venue

pytestmark = pytest.mark.django_db


def test_a_lab_result_with_an_earlier_sample_widens_the_window_and_finds_an_earlier_visitor(
    make_case: Callable[..., Case], venue: Venue, django_capture_on_commit_callbacks: Any
) -> None:
    case = make_case(PersonFactory(ward=home_ward(0)), sample_date=T0.date())
    visitor = PersonFactory(ward=home_ward(0))
    # A visit four days before the sample: outside a window that opens two days before it.
    start = day_start(T0.date() - timedelta(days=4)) + timedelta(hours=10)
    for person in (case.person, visitor):
        CheckInFactory(venue=venue, person=person, checked_in_at=start, ends_at=start + timedelta(hours=1))
    match_case(case.pk)
    assert not Exposure.objects.filter(case=case, person=visitor).exists()
    with django_capture_on_commit_callbacks(execute=True):
        lab_result_add(user=None, case=case, sample_date=T0.date() - timedelta(days=3), result="positive")
    case.refresh_from_db()
    assert case.sample_date == T0.date() - timedelta(days=3)
    assert Exposure.objects.filter(case=case, person=visitor, level=1).exists()
