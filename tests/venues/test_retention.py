"""Check-ins are kept CHECKIN_RETENTION_DAYS (21 by default), then a nightly task deletes them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from tests.factories import PersonFactory, home_ward
from truyvet.accounts.models import User
from truyvet.people.models import Person
from venues.models import CheckIn, Venue
from venues.services import VenueInput, checkin_record, checkins_purge, venue_create
from venues.tasks import purge_old_checkins

pytestmark = pytest.mark.django_db


@pytest.fixture
def venue(venue_owner: User) -> Venue:
    return venue_create(
        owner=venue_owner,
        data=VenueInput(name="Chợ Tân Phong", category="market", address="Số 1", ward_code=home_ward(0).code),
    )


def stays(venue: Venue, *days_ago: float, person: Person | None = None) -> list[CheckIn]:
    """Check-ins that many days ago (older than the API accepts, so written directly)."""
    now = timezone.now()
    return CheckIn.objects.bulk_create(
        [
            CheckIn(
                venue=venue,
                person=person or PersonFactory(),
                client_id=uuid.uuid4(),
                checked_in_at=now - timedelta(days=d),
                ends_at=now - timedelta(days=d) + timedelta(hours=1),
            )
            for d in days_ago
        ]
    )


def remaining_days(venue: Venue) -> list[int]:
    now = timezone.now()
    return sorted((now - at).days for at in CheckIn.objects.filter(venue=venue).values_list("checked_in_at", flat=True))


def test_the_default_retention_is_21_days_and_the_task_runs_every_night() -> None:
    assert django_settings.CHECKIN_RETENTION_DAYS == 21
    assert django_settings.CELERY_BEAT_SCHEDULE["purge-old-checkins"]["task"] == purge_old_checkins.name
    assert purge_old_checkins.name == "venues.tasks.purge_old_checkins"


def test_the_task_deletes_check_ins_older_than_the_retention_period_and_keeps_the_rest(venue: Venue) -> None:
    stays(venue, 0, 1, 20, 22, 30, 60)
    assert purge_old_checkins.delay().get() == 3
    assert remaining_days(venue) == [0, 1, 20]


def test_the_cut_off_is_measured_from_the_check_in_time(venue: Venue) -> None:
    just_kept = stays(venue, 21 - 1 / 24)  # 20 days and 23 hours ago
    stays(venue, 21 + 1 / 24)
    purge_old_checkins.delay()
    assert list(CheckIn.objects.values_list("pk", flat=True)) == [just_kept[0].pk]


def test_a_check_in_made_now_is_deleted_when_time_moves_22_days_forward(venue: Venue) -> None:
    person = PersonFactory()
    record, created = checkin_record(venue=venue, person=person, client_id=uuid.uuid4())
    assert created
    purge_old_checkins.delay()
    assert CheckIn.objects.filter(pk=record.pk).exists()
    later = timezone.now() + timedelta(days=22)
    with mock.patch("venues.services.timezone.now", return_value=later):
        purge_old_checkins.delay()
    assert not CheckIn.objects.exists()
    assert Person.objects.filter(pk=person.pk).exists()  # only the stay goes, not the person


def test_twenty_days_forward_the_check_in_is_still_kept(venue: Venue) -> None:
    checkin_record(venue=venue, person=PersonFactory(), client_id=uuid.uuid4())
    with mock.patch("venues.services.timezone.now", return_value=timezone.now() + timedelta(days=20)):
        purge_old_checkins.delay()
    assert CheckIn.objects.count() == 1


def test_running_the_task_twice_is_harmless(venue: Venue) -> None:
    stays(venue, 2, 25, 40)
    assert purge_old_checkins.delay().get() == 2
    assert purge_old_checkins.delay().get() == 0
    assert remaining_days(venue) == [2]


def test_a_shorter_retention_setting_moves_the_cut_off(venue: Venue, settings: Any) -> None:
    settings.CHECKIN_RETENTION_DAYS = 14
    stays(venue, 13, 15, 20)
    purge_old_checkins.delay()
    assert remaining_days(venue) == [13]


def test_a_longer_retention_setting_keeps_more(venue: Venue, settings: Any) -> None:
    settings.CHECKIN_RETENTION_DAYS = 25
    stays(venue, 13, 22, 26)
    purge_old_checkins.delay()
    assert remaining_days(venue) == [13, 22]


def test_large_purges_go_in_batches_and_delete_everything_due(venue: Venue) -> None:
    stays(venue, *([30] * 7), 1)
    assert checkins_purge(batch=3) == 7
    assert remaining_days(venue) == [1]


def test_an_empty_table_is_fine(django_assert_max_num_queries: Any) -> None:
    # The partitions past the cut-off (PostgreSQL), the stays, their receipts.
    with django_assert_max_num_queries(3):
        assert purge_old_checkins.delay().get() == 0
