"""Exposure matching: the rules at their margins, F2, idempotency."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts import matching
from contacts.matching import infectious_window, match_case
from contacts.models import Exposure, FollowUp, ManualContact, MatchWindow
from contacts.services import follow_ups_fold_for_merge
from tests.contacts.conftest import T0, at

pytestmark = pytest.mark.django_db


def exposed(case):
    return {(e.person_id, e.level, e.via) for e in Exposure.objects.filter(case=case)}


def test_a_stay_overlapping_the_case_at_the_same_venue_is_an_f1(make_case, venue, stay, people):
    case = make_case()
    (visitor,) = people(1)
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 30, 90)
    match_case(case.pk)
    exposure = Exposure.objects.get(case=case)
    assert (exposure.person_id, exposure.level, exposure.via) == (visitor.pk, 1, "venue")
    assert exposure.venue_id == venue.pk and exposure.source_person_id == case.person_id
    assert (exposure.overlap_start, exposure.overlap_end) == (at(30), at(90))


def test_a_stay_that_ends_exactly_at_the_margin_counts_and_one_a_minute_earlier_does_not(
    make_case, venue, stay, people
):
    case = make_case()
    at_margin, outside = people(2)
    stay(case.person, venue, 0, 60)
    stay(at_margin, venue, -120, -60)  # leaves exactly 60 minutes before the case came
    stay(outside, venue, -121, -61)  # leaves 61 minutes before
    match_case(case.pk)
    f1 = {row for row in exposed(case) if row[1] == 1}  # the one outside is at_margin's contact: an F2
    assert f1 == {(at_margin.pk, 1, "venue")}


def test_a_stay_that_starts_exactly_at_the_after_margin_counts_and_a_minute_later_does_not(
    make_case, venue, stay, people
):
    case = make_case()
    at_margin, outside = people(2)
    stay(case.person, venue, 0, 60)
    stay(at_margin, venue, 120, 150)
    stay(outside, venue, 121, 150)
    match_case(case.pk)
    f1 = {row for row in exposed(case) if row[1] == 1}  # the one outside is at_margin's contact: an F2
    assert f1 == {(at_margin.pk, 1, "venue")}


def test_the_same_time_at_a_different_venue_is_no_exposure(make_case, venue, other_venue, stay, people):
    case = make_case()
    (elsewhere,) = people(1)
    stay(case.person, venue, 0, 60)
    stay(elsewhere, other_venue, 0, 60)
    match_case(case.pk)
    assert exposed(case) == set()


def test_a_case_stay_before_the_infectious_window_exposes_nobody(make_case, venue, stay, people):
    case = make_case(sample_date=T0.date(), onset_date=None)
    window = infectious_window(case)
    (visitor,) = people(1)
    minutes_before_window = (window.start - T0).total_seconds() / 60 - 24 * 60
    stay(case.person, venue, minutes_before_window, minutes_before_window + 60)
    stay(visitor, venue, minutes_before_window, minutes_before_window + 60)
    match_case(case.pk)
    assert exposed(case) == set()


def test_the_window_opens_two_days_before_the_earlier_of_onset_and_sample(make_case):
    case = make_case(sample_date=T0.date(), onset_date=T0.date() - timedelta(days=3))
    window = infectious_window(case)
    assert timezone.localdate(window.start) == T0.date() - timedelta(days=5)


def test_stays_after_isolation_expose_nobody(make_case, venue, stay, people):
    case = make_case(isolated_at=at(-10))
    (visitor,) = people(1)
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 0, 60)
    match_case(case.pk)
    assert exposed(case) == set()


def test_a_minimum_overlap_leaves_out_shorter_encounters(make_case, venue, stay, people, settings):
    settings.TRACING_MIN_OVERLAP = timedelta(minutes=15)
    settings.TRACING_DEPTH = 1  # the two visitors overlap each other for longer
    settings.TRACING_MARGIN_BEFORE = settings.TRACING_MARGIN_AFTER = timedelta(0)
    case = make_case()
    long_enough, too_short = people(2)
    stay(case.person, venue, 0, 60)
    stay(long_enough, venue, 45, 80)  # 15 minutes together
    stay(too_short, venue, 50, 80)  # 10 minutes
    match_case(case.pk)
    assert exposed(case) == {(long_enough.pk, 1, "venue")}


def test_the_f1_of_an_f1_is_an_f2_only_from_the_f1s_exposure_onward(make_case, venue, other_venue, stay, people):
    case = make_case()
    f1, f2, met_f1_before = people(3)
    stay(case.person, venue, 0, 60)
    stay(f1, venue, 30, 90)
    stay(f1, other_venue, 180, 240)
    stay(f2, other_venue, 200, 230)
    stay(f1, other_venue, -600, -540)  # before f1 met the case
    stay(met_f1_before, other_venue, -600, -540)
    match_case(case.pk)
    assert exposed(case) == {(f1.pk, 1, "venue"), (f2.pk, 2, "venue")}
    f2_exposure = Exposure.objects.get(case=case, level=2)
    assert f2_exposure.source_person_id == f1.pk


def test_someone_who_is_already_an_f1_is_not_also_listed_as_an_f2(make_case, venue, other_venue, stay, people):
    case = make_case()
    a, b = people(2)
    stay(case.person, venue, 0, 60)
    stay(a, venue, 0, 60)
    stay(b, venue, 0, 60)
    stay(a, other_venue, 100, 160)
    stay(b, other_venue, 100, 160)
    match_case(case.pk)
    assert exposed(case) == {(a.pk, 1, "venue"), (b.pk, 1, "venue")}


def test_depth_one_finds_no_f2(make_case, venue, other_venue, stay, people, settings):
    settings.TRACING_DEPTH = 1
    case = make_case()
    f1, f2 = people(2)
    stay(case.person, venue, 0, 60)
    stay(f1, venue, 0, 60)
    stay(f1, other_venue, 100, 160)
    stay(f2, other_venue, 100, 160)
    match_case(case.pk)
    assert exposed(case) == {(f1.pk, 1, "venue")}


def test_fifteen_minutes_within_two_metres_in_total_is_a_proximity_contact(make_case, encounter, people):
    case = make_case()
    close, brief, far = people(3)
    encounter(case.person, close, 0, 10)
    encounter(case.person, close, 30, 5)  # 15 minutes in all
    encounter(case.person, brief, 0, 14)
    encounter(case.person, far, 0, 60, distance=3.5)
    match_case(case.pk)
    assert exposed(case) == {(close.pk, 1, "proximity")}


def test_a_phone_that_logged_the_case_makes_a_contact_too(make_case, encounter, people):
    case = make_case()
    (neighbour,) = people(1)
    encounter(neighbour, case.person, 0, 20)  # the neighbour's upload saw the case's phone
    match_case(case.pk)
    assert exposed(case) == {(neighbour.pk, 1, "proximity")}


def test_an_f2_is_found_through_proximity_with_an_f1(make_case, venue, stay, encounter, people):
    case = make_case()
    f1, f2 = people(2)
    stay(case.person, venue, 0, 60)
    stay(f1, venue, 0, 60)
    encounter(f1, f2, 120, 30)
    encounter(f1, f2, -300, 30)  # before f1's exposure: does not count, and alone is too short
    match_case(case.pk)
    assert exposed(case) == {(f1.pk, 1, "venue"), (f2.pk, 2, "proximity")}
    assert Exposure.objects.get(case=case, level=2).overlap_start == at(120)


def test_an_f2_is_found_through_a_venue_after_a_proximity_f1(make_case, venue, stay, encounter, people):
    case = make_case()
    f1, f2 = people(2)
    encounter(case.person, f1, 0, 20)
    stay(f1, venue, 60, 120)
    stay(f2, venue, 90, 120)
    match_case(case.pk)
    assert exposed(case) == {(f1.pk, 1, "proximity"), (f2.pk, 2, "venue")}


def test_manual_contacts_are_f1_and_their_contacts_f2(make_case, people):
    case = make_case()
    f1, f2 = people(2)
    ManualContact.objects.create(case=case, source_person=case.person, person=f1, contact_date=T0.date())
    ManualContact.objects.create(case=case, source_person=f1, person=f2, contact_date=T0.date())
    match_case(case.pk)
    assert exposed(case) == {(f1.pk, 1, "manual"), (f2.pk, 2, "manual")}


def test_matching_twice_writes_nothing_new(make_case, venue, other_venue, stay, encounter, people):
    case = make_case()
    f1, f2, f3 = people(3)
    stay(case.person, venue, 0, 60)
    stay(f1, venue, 0, 60)
    stay(f1, other_venue, 100, 160)
    stay(f2, other_venue, 100, 160)
    encounter(case.person, f3, 0, 30)
    first = match_case(case.pk)
    rows = list(Exposure.objects.order_by("pk").values())
    follow_ups = list(FollowUp.objects.order_by("pk").values())
    second = match_case(case.pk)
    assert first.new == 3 and second.new == 0
    assert list(Exposure.objects.order_by("pk").values()) == rows
    assert list(FollowUp.objects.order_by("pk").values()) == follow_ups
    assert not MatchWindow.objects.exists()


def test_a_run_killed_midway_leaves_nothing_and_the_rerun_completes(make_case, venue, stay, people, monkeypatch):
    case = make_case()
    (f1,) = people(1)
    stay(case.person, venue, 0, 60)
    stay(f1, venue, 0, 60)

    def die(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr("contacts.matching._proximity_exposures", die)  # after the venue exposures
    with pytest.raises(SystemExit):
        match_case(case.pk)
    assert not Exposure.objects.exists() and not FollowUp.objects.exists() and not MatchWindow.objects.exists()
    monkeypatch.undo()
    assert match_case(case.pk).new == 1
    case.refresh_from_db()
    assert case.matching == "done"


def test_a_run_killed_during_the_f2_keeps_its_f1_and_the_rerun_adds_the_f2(
    make_case, venue, other_venue, stay, people, monkeypatch
):
    case = make_case()
    f1, f2 = people(2)
    stay(case.person, venue, 0, 60)
    stay(f1, venue, 0, 60)
    stay(f1, other_venue, 100, 160)
    stay(f2, other_venue, 100, 160)
    proximity_exposures = matching._proximity_exposures

    def die_at_f2(case, level, sources, *, now):
        if level == 2:  # after the F2 venue exposures and their follow-ups
            raise SystemExit("worker killed")
        return proximity_exposures(case, level, sources, now=now)

    monkeypatch.setattr("contacts.matching._proximity_exposures", die_at_f2)
    with pytest.raises(SystemExit):
        match_case(case.pk)
    assert exposed(case) == {(f1.pk, 1, "venue")}
    assert list(FollowUp.objects.values_list("person_id", flat=True)) == [f1.pk]
    case.refresh_from_db()
    assert case.matching != "done"
    monkeypatch.undo()
    assert match_case(case.pk).new_by_level == {1: 0, 2: 1}
    assert exposed(case) == {(f1.pk, 1, "venue"), (f2.pk, 2, "venue")}
    case.refresh_from_db()
    assert case.matching == "done"


def test_a_late_check_in_is_found_by_the_next_run(make_case, venue, stay, people):
    case = make_case()
    early, late = people(2)
    stay(case.person, venue, 0, 60)
    stay(early, venue, 0, 60)
    assert match_case(case.pk).new == 1
    stay(late, venue, 10, 40)
    assert match_case(case.pk).new == 1
    assert exposed(case) == {(early.pk, 1, "venue"), (late.pk, 1, "venue")}


def test_someone_met_several_times_is_one_exposure_from_the_first_contact_to_the_end_of_the_last(
    make_case, venue, other_venue, stay, people
):
    case = make_case()
    (visitor,) = people(1)
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 10, 40)
    stay(case.person, other_venue, 1200, 1260)
    stay(visitor, other_venue, 1210, 1230)
    assert match_case(case.pk).new == 1
    (exposure,) = Exposure.objects.filter(case=case)
    assert (exposure.venue_id, exposure.overlap_start, exposure.overlap_end) == (venue.pk, at(10), at(40))
    assert exposure.last_contact_at == at(1230)
    follow_up = FollowUp.objects.get(person=visitor)
    assert follow_up.quarantine_until == timezone.localdate(at(1230)) + timedelta(days=14)


def test_a_later_contact_found_by_a_rerun_pushes_the_last_contact_and_the_quarantine_out(
    make_case, venue, other_venue, stay, people
):
    case = make_case()
    (visitor,) = people(1)
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 10, 40)
    stay(case.person, other_venue, 1200, 1260)
    match_case(case.pk)
    stay(visitor, other_venue, 1210, 1220)  # synced late from an offline phone
    assert match_case(case.pk).new == 1
    (exposure,) = Exposure.objects.filter(case=case)
    assert (exposure.overlap_start, exposure.last_contact_at) == (at(10), at(1220))
    assert FollowUp.objects.get(person=visitor).quarantine_until == timezone.localdate(at(1220)) + timedelta(days=14)


def test_an_earlier_contact_found_by_a_rerun_becomes_the_first_contact(make_case, venue, other_venue, stay, people):
    case = make_case()
    (visitor,) = people(1)
    stay(case.person, venue, 0, 60)
    stay(case.person, other_venue, 300, 360)
    stay(visitor, other_venue, 310, 320)
    match_case(case.pk)
    stay(visitor, venue, 5, 15)
    match_case(case.pk)
    (exposure,) = Exposure.objects.filter(case=case)
    assert (exposure.venue_id, exposure.overlap_start, exposure.last_contact_at) == (venue.pk, at(5), at(320))


def test_an_f2_later_typed_in_as_a_contact_of_the_case_becomes_an_f1(make_case, venue, other_venue, stay, people):
    case = make_case()
    f1, f2 = people(2)
    stay(case.person, venue, 0, 60)
    stay(f1, venue, 0, 60)
    stay(f1, other_venue, 100, 160)
    stay(f2, other_venue, 100, 160)
    match_case(case.pk)
    assert exposed(case) == {(f1.pk, 1, "venue"), (f2.pk, 2, "venue")}
    ManualContact.objects.create(case=case, source_person=case.person, person=f2, contact_date=T0.date())
    assert match_case(case.pk).new == 1
    assert exposed(case) == {(f1.pk, 1, "venue"), (f2.pk, 1, "manual")}
    assert Exposure.objects.get(case=case, person=f2).source_person_id == case.person_id
    assert FollowUp.objects.get(person=f2).level == 1
    assert match_case(case.pk).new == 0


def test_the_venue_join_is_one_statement_whatever_the_number_of_visits(make_case, venue, stay, people):
    case = make_case()
    visitors = people(5)
    for i in range(20):
        stay(case.person, venue, i * 60, i * 60 + 10)
        stay(visitors[i % 5], venue, i * 60, i * 60 + 10)
    with CaptureQueriesContext(connection) as queries:
        match_case(case.pk)
    inserts = [q["sql"] for q in queries if "INSERT INTO CONTACTS_EXPOSURE" in q["sql"].upper()]
    assert len(inserts) == 2  # one per level
    assert {e.person_id for e in Exposure.objects.filter(case=case, level=1)} == {p.pk for p in visitors}


def test_each_f1_gets_a_follow_up_until_the_exposure_plus_the_quarantine_days(make_case, venue, stay, people):
    case = make_case()
    (f1,) = people(1)
    stay(case.person, venue, 0, 60)
    stay(f1, venue, 30, 90)
    match_case(case.pk)
    follow_up = FollowUp.objects.get(person=f1)
    assert follow_up.level == 1 and follow_up.state == "active"
    assert follow_up.quarantine_until == timezone.localdate(at(90)) + timedelta(days=14)
    assert follow_up.ward_id == f1.ward_id


def test_a_second_case_extends_a_follow_up_and_never_shortens_it(make_case, venue, stay, people):
    first_case, second_case = make_case(), make_case()
    (contact,) = people(1)
    stay(first_case.person, venue, 0, 60)
    stay(contact, venue, 0, 60)
    match_case(first_case.pk)
    stay(second_case.person, venue, 1440, 1500)
    stay(contact, venue, 1440, 1500)
    match_case(second_case.pk)
    follow_up = FollowUp.objects.get(person=contact)
    assert follow_up.quarantine_until == timezone.localdate(at(1500)) + timedelta(days=14)
    assert FollowUp.objects.filter(person=contact).count() == 1


def test_a_rerun_that_finds_nothing_new_does_not_reopen_a_completed_follow_up(make_case, venue, stay, people):
    case = make_case()
    (f1,) = people(1)
    stay(case.person, venue, 0, 60)
    stay(f1, venue, 0, 60)
    match_case(case.pk)
    FollowUp.objects.filter(person=f1).update(state="completed", closed_at=timezone.now())
    assert match_case(case.pk).new == 0
    assert list(FollowUp.objects.filter(person=f1).values_list("state", flat=True)) == ["completed"]


def test_a_later_contact_found_after_a_completed_follow_up_starts_a_new_one(make_case, venue, stay, people):
    case = make_case()
    (f1,) = people(1)
    stay(case.person, venue, 0, 60)
    stay(case.person, venue, 1440, 1500)
    stay(f1, venue, 0, 60)
    match_case(case.pk)
    FollowUp.objects.filter(person=f1).update(state="completed", closed_at=timezone.now())
    stay(f1, venue, 1440, 1500)
    assert match_case(case.pk).new == 1
    active = FollowUp.objects.get(person=f1, state="active")
    assert active.quarantine_until == timezone.localdate(at(1500)) + timedelta(days=14)


def test_a_suspected_case_is_not_matched(make_case, venue, stay, people):
    case = make_case(classification="suspected", confirmed_at=None)
    (visitor,) = people(1)
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 0, 60)
    match_case(case.pk)
    assert exposed(case) == set()


def test_merging_two_people_under_follow_up_keeps_one_follow_up_with_the_later_end(make_case, venue, stay, people):
    case = make_case()
    a, b = people(2)
    stay(case.person, venue, 0, 60)
    stay(a, venue, 0, 60)
    stay(b, venue, 0, 60)
    match_case(case.pk)
    FollowUp.objects.filter(person=b).update(quarantine_until=T0.date() + timedelta(days=30))
    from truyvet.people.services import person_merge

    person_merge(user=None, survivor=a, duplicate=b)
    (follow_up,) = FollowUp.objects.filter(person=a)
    assert follow_up.quarantine_until == T0.date() + timedelta(days=30)
    assert set(Exposure.objects.filter(case=case).values_list("person_id", flat=True)) == {a.pk}


def test_two_open_cases_cannot_be_merged(make_case):
    a, b = make_case(), make_case()
    from truyvet.lib.errors import DomainError

    with pytest.raises(DomainError) as error:
        follow_ups_fold_for_merge(survivor=a.person, duplicate=b.person)
    assert error.value.code == "both_open_cases"
