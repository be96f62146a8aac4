"""Warnings once per case and person; alerts to the right units; follow-up and status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import formats, timezone, translation

from contacts import warnings
from contacts.matching import match_case
from contacts.models import Case, Exposure, FollowUp, ManualContact
from contacts.services import (
    CaseInput,
    case_open,
    follow_up_check_record,
    manual_contact_add,
)
from contacts.upkeep import follow_ups_close_finished
from contacts.warnings import _message, dedupe_key, warn_exposed
from tests.contacts.conftest import T0
from tests.factories import HealthUnitFactory, PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Alert, Role, UnitKind
from truyvet.lib import sms
from truyvet.lib import tasks as lib_tasks
from truyvet.lib.errors import DomainError
from truyvet.lib.messages import Rendered
from truyvet.lib.models import Notification
from truyvet.people.models import Person
from truyvet.people.status import status_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(db: None):
    centre = HealthUnitFactory(name="TTYT", kind=UnitKind.HEALTH_CENTRE, wards=[home_ward(0), home_ward(1)])
    here = HealthUnitFactory(name="Trạm 0", kind=UnitKind.COMMUNE_STATION, wards=[home_ward(0)], phone="+84912000111")
    there = HealthUnitFactory(name="Trạm 1", kind=UnitKind.COMMUNE_STATION, wards=[home_ward(1)])
    return centre, here, there


def test_each_exposed_person_is_warned_once_by_sms_and_in_the_portal_however_often_matching_runs(
    make_case, venue, stay, units, django_capture_on_commit_callbacks
):
    case = make_case()
    visitor = PersonFactory(ward=home_ward(0), phone="+84912345678")
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 0, 60)
    stay(visitor, venue, 70, 80)  # a second stay: still one warning
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            match_case(case.pk)
    assert [m["to"] for m in sms.outbox] == ["+84912345678"]
    portal = Notification.objects.get(person=visitor, channel="portal")
    assert "F1" in portal.title and "cách ly" in portal.body and "+84912000111" in portal.body
    assert warn_exposed(case.pk) == 0


def test_the_commune_station_and_health_centre_of_the_persons_ward_are_alerted_and_no_other_unit(
    make_case, venue, stay, units
):
    # units: a health centre over wards 0 and 1, a station for each ward
    case = make_case(PersonFactory(ward=home_ward(1)))
    visitor = PersonFactory(ward=home_ward(0))
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 0, 60)
    match_case(case.pk)
    warn_exposed(case.pk)
    warn_exposed(case.pk)
    alerted = set(Alert.objects.filter(kind="exposure", person=visitor).values_list("unit__name", flat=True))
    assert alerted == {"TTYT", "Trạm 0"}
    assert Alert.objects.filter(kind="exposure").count() == 2


def test_an_f1_reads_as_f1_to_declarations_and_checkpoints_and_a_case_as_f0(make_case, venue, stay):
    case = make_case()
    visitor = PersonFactory()
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 0, 60)
    match_case(case.pk)
    assert status_for(visitor.pk).f_level == 1
    assert status_for(case.person_id).f_level == 0
    assert status_for(PersonFactory().pk).f_level is None


def test_opening_a_case_for_someone_under_follow_up_ends_the_follow_up_as_became_case(make_case, venue, stay):
    case = make_case()
    visitor = PersonFactory()
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 0, 60)
    match_case(case.pk)
    case_open(user=None, person=visitor, data=CaseInput(classification="confirmed", confirmed_at=timezone.now()))
    assert FollowUp.objects.get(person=visitor).state == "became_case"
    assert status_for(visitor.pk).f_level == 0


def test_a_confirmed_case_needs_its_confirmation_time(db):
    with pytest.raises(DomainError) as error:
        case_open(user=None, person=PersonFactory(), data=CaseInput(classification="confirmed", confirmed_at=None))
    assert error.value.code == "required"


def test_a_sample_after_the_confirmation_is_refused(db):
    with pytest.raises(DomainError) as error:
        case_open(
            user=None,
            person=PersonFactory(),
            data=CaseInput(
                confirmed_at=T0 - timedelta(days=2),
                sample_date=timezone.localdate(T0 - timedelta(days=2)) + timedelta(days=1),
            ),
        )
    assert error.value.code == "sample_after_confirmation"


def test_a_manual_contact_is_matched_by_citizen_id_then_by_phone_and_name_or_created(make_case):
    case = make_case()
    known = PersonFactory(full_name="Lò Thị Mai", phone="+84987654321")
    by_id = manual_contact_add(user=None, case=case, full_name="x", id_number=known.id_number, contact_date=T0.date())
    by_phone = manual_contact_add(
        user=None, case=case, full_name="lo thi  MAI", phone="0987654321", contact_date=T0.date()
    )
    new = manual_contact_add(user=None, case=case, full_name="Giàng A Páo", phone="0911222333", contact_date=T0.date())
    assert by_id.person_id == known.pk
    assert by_phone.person_id == known.pk
    assert new.person.full_name == "Giàng A Páo" and new.person.phone == "+84911222333"
    match_case(case.pk)
    assert set(case.exposures.values_list("person_id", flat=True)) == {known.pk, new.person_id}


def test_a_manual_contact_without_id_or_phone_is_refused_and_nothing_is_written(make_case):
    case = make_case()
    with pytest.raises(DomainError) as error:
        manual_contact_add(user=None, case=case, full_name="Ai đó", contact_date=T0.date())
    assert error.value.code == "identity_required"
    assert not ManualContact.objects.exists()


def test_a_manual_contacts_source_must_belong_to_the_case(make_case):
    case = make_case()
    with pytest.raises(DomainError) as error:
        manual_contact_add(
            user=None,
            case=case,
            full_name="Ai đó",
            phone="0911222333",
            contact_date=T0.date(),
            source_person=PersonFactory(),
        )
    assert error.value.code == "unknown_source"


def test_a_daily_check_is_one_per_day_and_can_be_corrected(make_case, venue, stay):
    case = make_case()
    visitor = PersonFactory()
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 0, 60)
    match_case(case.pk)
    follow_up = FollowUp.objects.get(person=visitor)
    worker = UserFactory(role=Role.COMMUNE_STATION)
    follow_up_check_record(user=worker, follow_up=follow_up, symptoms=["fever"])
    follow_up_check_record(user=worker, follow_up=follow_up, symptoms=[], test_result="negative")
    (check,) = follow_up.checks.all()
    assert check.symptoms == [] and check.test_result == "negative"
    with pytest.raises(DomainError):
        follow_up_check_record(user=worker, follow_up=follow_up, temperature=50)


def test_follow_ups_past_their_quarantine_are_completed(make_case, venue, stay):
    case = make_case()
    visitor = PersonFactory()
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 0, 60)
    match_case(case.pk)
    follow_up = FollowUp.objects.get(person=visitor)
    assert follow_ups_close_finished(today=follow_up.quarantine_until) == 0
    assert follow_ups_close_finished(today=follow_up.quarantine_until + timedelta(days=1)) == 1
    follow_up.refresh_from_db()
    assert follow_up.state == "completed"


def test_someone_found_as_an_f2_and_later_as_an_f1_is_warned_again_with_the_f1_advice(
    make_case, venue, other_venue, stay
):
    case = make_case()
    f1, person = PersonFactory(), PersonFactory(phone="+84912345670")
    stay(case.person, venue, 0, 60)
    stay(f1, venue, 0, 60)
    stay(f1, other_venue, 100, 160)
    stay(person, other_venue, 100, 160)
    match_case(case.pk)
    warn_exposed(case.pk)
    stay(person, venue, 10, 20)  # a late check-in: they were with the case too
    match_case(case.pk)
    warn_exposed(case.pk)
    warn_exposed(case.pk)
    titles = list(Notification.objects.filter(person=person, channel="portal").values_list("title", flat=True))
    assert len(titles) == 2 and any("F1" in t for t in titles) and any("F2" in t for t in titles)
    assert [m["to"] for m in sms.outbox].count("+84912345670") == 2


def test_the_same_contact_sent_twice_is_stored_once(make_case):
    case = make_case()
    first = manual_contact_add(
        user=None, case=case, full_name="Giàng A Páo", phone="0911222333", contact_date=T0.date()
    )
    again = manual_contact_add(
        user=None, case=case, full_name="Giàng A Páo", phone="0911222333", contact_date=T0.date()
    )
    assert again.pk == first.pk and ManualContact.objects.count() == 1


# --- warn_exposed on exposures written directly -----------------------------------------


@pytest.fixture
def expose() -> Callable[..., Exposure]:
    def make(case: Case, person: Person | int, level: int = 1, last: datetime = T0) -> Exposure:
        person_id = person if isinstance(person, int) else person.pk
        return Exposure.objects.create(
            case=case,
            person_id=person_id,
            source_person_id=case.person_id,
            level=level,
            via="manual",
            overlap_start=last - timedelta(hours=1),
            overlap_end=last,
            last_contact_at=last,
            ward_id=None if isinstance(person, int) else person.ward_id,
            created_at=last,
        )

    return make


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The id lists handed to deliver_notifications.delay (nothing is delivered)."""
    calls: list[list[int]] = []
    monkeypatch.setattr(lib_tasks.deliver_notifications, "delay", lambda ids: calls.append(list(ids)))
    return calls


def notifications_of(person: Person) -> dict[str, Notification]:
    return {n.channel: n for n in Notification.objects.filter(person=person)}


def test_a_run_for_one_level_warns_only_the_people_of_that_level(make_case, expose, units, queued):
    case = make_case()
    f1, f2 = PersonFactory(ward=home_ward(0), phone=""), PersonFactory(ward=home_ward(0), phone="")
    expose(case, f1)
    expose(case, f2, level=2)
    assert warn_exposed(case.pk, 2) == 1
    assert set(Notification.objects.values_list("person_id", flat=True)) == {f2.pk}
    assert warn_exposed(case.pk, 1) == 1 and warn_exposed(case.pk) == 0
    assert set(Notification.objects.values_list("person_id", flat=True)) == {f1.pk, f2.pk}


def test_a_person_found_again_at_a_lower_level_is_warned_by_that_levels_run(make_case, expose, units, queued):
    case = make_case()
    person = PersonFactory(ward=home_ward(0), phone="")
    exposure = expose(case, person, level=2)
    assert warn_exposed(case.pk, 2) == 1
    Exposure.objects.filter(pk=exposure.pk).update(level=1)
    assert warn_exposed(case.pk, 2) == 0
    assert warn_exposed(case.pk, 1) == 1
    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == [
        dedupe_key(case.pk, person.pk, 1),
        dedupe_key(case.pk, person.pk, 2),
    ]


def test_a_second_run_creates_nothing_and_queues_nothing(make_case, expose, units, queued):
    case = make_case()
    texted = PersonFactory(ward=home_ward(0), email="a@example.org")
    portal_only = PersonFactory(ward=home_ward(1), phone="")
    expose(case, texted)
    expose(case, portal_only, level=2)
    assert warn_exposed(case.pk) == 4
    pending = Notification.objects.filter(state="pending").values_list("pk", flat=True)
    assert sorted(pk for ids in queued for pk in ids) == sorted(pending) and len(pending) == 2
    queued.clear()
    assert warn_exposed(case.pk) == 0
    assert queued == []
    assert Notification.objects.count() == 4
    assert Alert.objects.filter(kind="exposure").count() == 4


def test_the_portal_message_is_sent_at_once_and_sms_and_email_wait_for_delivery(make_case, expose, queued):
    case = make_case()
    person = PersonFactory(phone="+84912345600", email="lan@example.org")
    expose(case, person)
    warn_exposed(case.pk)
    sent = notifications_of(person)
    assert set(sent) == {"portal", "sms", "email"}
    assert sent["portal"].state == "sent" and sent["portal"].sent_at is not None and sent["portal"].address == ""
    assert sent["sms"].state == "pending" and sent["sms"].sent_at is None and sent["sms"].address == "+84912345600"
    assert sent["email"].state == "pending" and sent["email"].address == "lan@example.org"
    assert {n.dedupe_key for n in sent.values()} == {dedupe_key(case.pk, person.pk, 1)}
    assert {n.url for n in sent.values()} == {"/contacts/exposed/"}
    assert all(n.attempts == 0 and n.last_error == "" and n.user_id is None for n in sent.values())


def test_a_person_without_a_phone_or_an_email_gets_only_the_portal_message(make_case, expose, queued):
    case = make_case()
    person = PersonFactory(phone="", email="")
    expose(case, person)
    assert warn_exposed(case.pk) == 1
    assert set(notifications_of(person)) == {"portal"}
    assert queued == []


def test_the_texts_are_the_ones_message_writes_with_the_stations_phone_and_the_local_end_of_quarantine(
    make_case, expose, units, queued
):
    _, here, _ = units
    case = make_case()
    # 18:30 UTC is already the next day in Vietnam: quarantine counts from the local date.
    last = datetime(2024, 3, 9, 18, 30, tzinfo=UTC)
    until = formats.date_format(timezone.localdate(last) + timedelta(days=settings.TRACING_QUARANTINE_DAYS), "d/m/Y")
    assert until == "24/03/2024"
    near = PersonFactory(ward=home_ward(0), full_name="Lò Thị Mai")
    far = PersonFactory(ward=home_ward(1), full_name="Giàng A Páo")
    expose(case, near, level=1, last=last)
    expose(case, far, level=2, last=last)
    warn_exposed(case.pk)
    for person, level, phone in ((near, 1, "+84912000111"), (far, 2, "")):  # Trạm 1 has no phone
        for notification in notifications_of(person).values():
            assert (notification.code, notification.params) == _message(level, until, phone)
    near_portal = notifications_of(near)["portal"]
    assert near_portal.text("vi").body.endswith(f"đến hết ngày {until}, theo dõi sức khỏe và liên hệ trạm y tế "
                                                "xã/phường để được xét nghiệm. Trạm y tế: +84912000111.")  # fmt: skip
    assert near_portal.text("en").title == "Close contact warning (F1)"
    assert near_portal.text("en").body.endswith(f"until {until}, watch for symptoms and contact your commune health "
                                                "station for a test. Health station: +84912000111.")  # fmt: skip
    far_portal = notifications_of(far)["portal"]
    assert far_portal.text("vi").title == "Cảnh báo tiếp xúc (F2)"
    assert "Trạm y tế:" not in far_portal.text("vi").body and "Health station" not in far_portal.text("en").body
    alert = Alert.objects.get(person=near, unit=here)
    with translation.override("vi"):
        assert alert.shown == Rendered(
            f"F1: Lò Thị Mai (F0 #{case.pk})", f"Tiếp xúc với ca bệnh #{case.pk}; theo dõi đến {until}."
        )
    with translation.override("en"):
        assert alert.shown == Rendered(
            f"F1: Lò Thị Mai (F0 #{case.pk})", f"Exposed to case #{case.pk}; follow up until {until}."
        )
    assert (alert.severity, alert.kind, alert.url) == ("urgent", "exposure", f"/contacts/cases/{case.pk}/follow-ups/")
    assert (alert.ward_id, alert.dedupe_key) == (near.ward_id, dedupe_key(case.pk, near.pk, 1))
    assert alert.acknowledged_at is None
    assert set(Alert.objects.filter(person=far).values_list("unit__name", "severity")) == {
        ("TTYT", "warning"),
        ("Trạm 1", "warning"),
    }


def test_alerts_go_only_to_the_station_and_health_centre_of_the_ward(make_case, expose, units, queued):
    HealthUnitFactory(name="CDC", kind=UnitKind.PROVINCE_CDC, wards=[home_ward(0)])
    HealthUnitFactory(name="Chốt", kind=UnitKind.CHECKPOINT_TEAM, wards=[home_ward(0)])
    case = make_case()
    person = PersonFactory(ward=home_ward(0))
    nowhere = PersonFactory(ward=home_ward(5))
    expose(case, person)
    expose(case, nowhere)
    warn_exposed(case.pk)
    assert set(Alert.objects.values_list("person_id", "unit__name")) == {(person.pk, "TTYT"), (person.pk, "Trạm 0")}
    assert set(notifications_of(nowhere)) == {"portal", "sms"}


def test_an_exposure_of_someone_no_longer_on_file_is_skipped(make_case, expose, queued):
    case = make_case()
    expose(case, PersonFactory(phone=""))
    expose(case, 10**9)
    assert warn_exposed(case.pk) == 1


def test_a_big_case_is_warned_in_batches_and_delivered_in_chunks(make_case, expose, units, queued, monkeypatch):
    monkeypatch.setattr(warnings, "BATCH", 2)
    monkeypatch.setattr(warnings, "SQL_BATCH", 2)
    monkeypatch.setattr(warnings, "DELIVERY_CHUNK", 1)
    case = make_case()
    people = [PersonFactory(ward=home_ward(i % 2)) for i in range(5)]
    for i, person in enumerate(people):
        expose(case, person, level=1 + i % 2, last=T0 + timedelta(days=i))
    assert warn_exposed(case.pk) == 10
    assert all(len(ids) == 1 for ids in queued)
    assert sorted(ids[0] for ids in queued) == sorted(
        Notification.objects.filter(channel="sms").values_list("pk", flat=True)
    )
    assert Alert.objects.count() == 10
    assert warn_exposed(case.pk) == 0


def rows_written() -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    notifications = Notification.objects.values_list(
        "person_id", "user_id", "channel", "address", "title", "body", "url", "dedupe_key", "state", "attempts",
        "last_error", "claimed_at", "read_at",
    )  # fmt: skip
    sent = Notification.objects.filter(sent_at__isnull=False).values_list("channel", flat=True)
    alerts = Alert.objects.values_list(
        "unit_id", "kind", "severity", "title", "body", "url", "ward_id", "person_id", "dedupe_key", "acknowledged_at",
        "acknowledged_by_id",
    )  # fmt: skip
    return set(notifications) | {("sent_at", c) for c in sent}, set(alerts)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based path is PostgreSQL's")
def test_on_postgresql_the_set_based_path_writes_the_same_rows_as_the_orm_path(make_case, expose, units, queued):
    HealthUnitFactory(name="Trạm 0 bis", kind=UnitKind.COMMUNE_STATION, wards=[home_ward(0)], phone="+84912000999")
    case = make_case()
    for i in range(12):
        person = PersonFactory(
            ward=home_ward(i % 3), phone="" if i % 4 == 0 else f"+8490000{i:04d}", email=f"p{i}@example.org" * (i % 2)
        )
        expose(case, person, level=1 + i % 2, last=T0 + timedelta(hours=7 * i))
    expose(case, 10**9)
    now = timezone.now()
    in_sql = warnings._warn_in_sql(case.pk, None, now)
    written = rows_written()
    queued_in_sql = len([pk for ids in queued for pk in ids])
    Notification.objects.all().delete()
    Alert.objects.all().delete()
    queued.clear()
    assert warnings._warn_with_orm(case.pk, None, now) == in_sql == 12 + 9 + 6
    assert rows_written() == written
    assert len([pk for ids in queued for pk in ids]) == queued_in_sql == 9 + 6
