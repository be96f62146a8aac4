"""Exposure matching: a person's close time with another is counted once, however many
rows log it; a typed-in contact counts only inside its source's infectious span."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.matching import infectious_window, match_case
from contacts.models import Case, Exposure, ManualContact, ProximityContact, ProximityDevice
from tests.contacts.conftest import at
from truyvet.people.models import Person
from venues.models import CheckIn, Venue

pytestmark = pytest.mark.django_db

Encounter = Callable[..., ProximityContact]
People = Callable[[int], list[Person]]


def exposed(case: Case) -> set[tuple[int, int, str]]:
    return {(e.person_id, e.level, e.via) for e in Exposure.objects.filter(case=case)}


def log(own: ProximityDevice, other: ProximityDevice, start: float, minutes: float) -> ProximityContact:
    """``own`` phone logged ``other`` phone within a metre for ``minutes`` from ``start``."""
    return ProximityContact.objects.create(
        device=own,
        other_device_id=other.device_id,
        first_seen=at(start),
        last_seen=at(start + minutes),
        min_distance_m=1,
    )


# --- proximity: the same minutes count once ---------------------------------------------


def test_one_encounter_uploaded_by_both_phones_counts_once(
    make_case: Callable[..., Case], encounter: Encounter, people: People
) -> None:
    case = make_case()
    (neighbour,) = people(1)
    encounter(case.person, neighbour, 0, 8)  # the case's log saw the neighbour's phone
    encounter(neighbour, case.person, 0, 8)  # and the neighbour's log saw the case's: 8 minutes, not 16
    match_case(case.pk)
    assert exposed(case) == set()


def test_two_separate_encounters_add_up(make_case: Callable[..., Case], people: People) -> None:
    case = make_case()
    (neighbour,) = people(1)
    own = ProximityDevice.objects.create(person=case.person)
    # The neighbour reinstalled the app in between: a second phone id, the same person.
    old_phone = ProximityDevice.objects.create(person=neighbour)
    new_phone = ProximityDevice.objects.create(person=neighbour)
    log(own, old_phone, 0, 8)  # in the case's upload
    log(new_phone, own, 30, 8)  # in the neighbour's upload
    match_case(case.pk)
    assert exposed(case) == {(neighbour.pk, 1, "proximity")}
    exposure = Exposure.objects.get(case=case)
    assert (exposure.overlap_start, exposure.last_contact_at) == (at(0), at(38))


def test_overlapping_rows_in_one_log_count_their_union(
    make_case: Callable[..., Case], encounter: Encounter, people: People
) -> None:
    case = make_case()
    fourteen, sixteen = people(2)
    encounter(case.person, fourteen, 0, 10)
    encounter(case.person, fourteen, 5, 9)  # 0 to 14: 14 minutes, not 19
    encounter(case.person, sixteen, 0, 10)
    encounter(case.person, sixteen, 5, 11)  # 0 to 16
    match_case(case.pk)
    assert exposed(case) == {(sixteen.pk, 1, "proximity")}
    exposure = Exposure.objects.get(case=case)
    assert (exposure.overlap_start, exposure.last_contact_at) == (at(0), at(16))


# --- manual: inside the source's span ---------------------------------------------------


def test_a_manual_contact_dated_before_the_infectious_window_is_not_an_exposure(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    (met_before,) = people(1)
    day_before = timezone.localdate(infectious_window(case).start) - timedelta(days=1)
    ManualContact.objects.create(case=case, source_person=case.person, person=met_before, contact_date=day_before)
    match_case(case.pk)
    assert exposed(case) == set()


def test_a_manual_contact_on_the_first_day_of_the_window_is_an_exposure(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case()
    on_first_day, day_before = people(2)
    window = infectious_window(case)
    first_day = timezone.localdate(window.start)
    ManualContact.objects.create(case=case, source_person=case.person, person=on_first_day, contact_date=first_day)
    ManualContact.objects.create(
        case=case, source_person=case.person, person=day_before, contact_date=first_day - timedelta(days=1)
    )
    match_case(case.pk)
    assert exposed(case) == {(on_first_day.pk, 1, "manual")}
    assert Exposure.objects.get(case=case).overlap_start == window.start


def test_a_manual_contact_dated_after_isolation_is_not_an_exposure_and_one_that_day_ends_at_it(
    make_case: Callable[..., Case], people: People
) -> None:
    case = make_case(isolated_at=at(0))
    that_day, day_after = people(2)
    isolation_day = timezone.localdate(at(0))
    ManualContact.objects.create(case=case, source_person=case.person, person=that_day, contact_date=isolation_day)
    ManualContact.objects.create(
        case=case, source_person=case.person, person=day_after, contact_date=isolation_day + timedelta(days=1)
    )
    match_case(case.pk)
    assert exposed(case) == {(that_day.pk, 1, "manual")}
    assert Exposure.objects.get(case=case).last_contact_at == at(0)


def test_a_manual_contact_of_an_f1_dated_before_their_exposure_is_not_an_f2(
    make_case: Callable[..., Case], venue: Venue, stay: Callable[..., CheckIn], people: People
) -> None:
    case = make_case()
    f1, met_f1_before = people(2)
    stay(case.person, venue, 0, 60)
    stay(f1, venue, 30, 90)  # f1 is exposed from 30 minutes after T0
    the_day_before = timezone.localdate(at(30)) - timedelta(days=1)
    ManualContact.objects.create(case=case, source_person=f1, person=met_f1_before, contact_date=the_day_before)
    match_case(case.pk)
    assert exposed(case) == {(f1.pk, 1, "venue")}


def test_a_manual_contact_of_an_f1_on_the_day_of_their_exposure_is_an_f2_from_their_exposure_on(
    make_case: Callable[..., Case], venue: Venue, stay: Callable[..., CheckIn], people: People
) -> None:
    case = make_case()
    f1, f2 = people(2)
    stay(case.person, venue, 0, 60)
    stay(f1, venue, 30, 90)
    ManualContact.objects.create(case=case, source_person=f1, person=f2, contact_date=timezone.localdate(at(30)))
    match_case(case.pk)
    assert exposed(case) == {(f1.pk, 1, "venue"), (f2.pk, 2, "manual")}
    # f1's exposure began mid-day: the F2 starts then, not at the day's midnight
    assert Exposure.objects.get(case=case, person=f2).overlap_start == at(30)
