"""The commune station's daily follow-up: who is due today, each person's checks, and
recording today's check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.models import Case, FollowUp, FollowUpCheck
from tests.factories import PersonFactory, home_ward
from truyvet.accounts.models import User
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def insider_client(insider_client: Client) -> Client:
    insider_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return insider_client


def follow(person: Person, *, days_left: int = 10, level: int = 1, **fields: Any) -> FollowUp:
    today = timezone.localdate()
    return FollowUp.objects.create(
        person=person,
        ward=person.ward,
        level=level,
        last_exposure_at=timezone.now() - timedelta(days=2),
        quarantine_until=today + timedelta(days=days_left),
        **fields,
    )


def check(follow_up: FollowUp, day_offset: int = 0) -> FollowUpCheck:
    return FollowUpCheck.objects.create(follow_up=follow_up, day=timezone.localdate() + timedelta(days=day_offset))


def test_anonymous_and_non_health_users_cannot_open_the_follow_up_pages(client: Client, venue_owner: User) -> None:
    f = follow(PersonFactory(ward=home_ward(0)))
    urls = [reverse("contacts:follow_ups"), reverse("contacts:follow_up_detail", args=[f.pk])]
    for url in urls:
        assert client.get(url)["Location"].startswith(reverse("accounts:login"))
    client.force_login(venue_owner)
    for url in urls:
        assert client.get(url).status_code == 403


def test_the_daily_list_puts_those_not_yet_checked_today_first_then_the_rest(
    insider_client: Client, people: Callable[[int], list[Person]]
) -> None:
    a, b, c, d = people(4)
    checked_today = follow(a, days_left=1)
    checked_yesterday = follow(b, days_left=12)
    never_checked = follow(c, days_left=5, level=2)
    ended = follow(d, state="completed")
    check(checked_today)
    check(checked_yesterday, -1)
    response = insider_client.get(reverse("contacts:follow_ups"))
    rows = response.context["rows"]
    assert [f.pk for f in rows] == [never_checked.pk, checked_yesterday.pk, checked_today.pk]
    assert [f.checked_today for f in rows] == [False, False, True]
    assert [f.days_left for f in rows] == [5, 12, 1]
    page = response.content.decode()
    assert page.count(">due<") == 2 and page.count(">checked<") == 1
    assert ended.pk not in [f.pk for f in rows]
    completed = insider_client.get(reverse("contacts:follow_ups"), {"state": "completed"}).context["rows"]
    assert [f.pk for f in completed] == [ended.pk]


def test_an_outsider_sees_nobody_of_the_insiders_ward_and_gets_404_for_their_page(
    outsider_client: Client, people: Callable[[int], list[Person]]
) -> None:
    (person,) = people(1)
    f = follow(person)
    assert outsider_client.get(reverse("contacts:follow_ups")).context["rows"] == []
    assert outsider_client.get(reverse("contacts:follow_up_detail", args=[f.pk])).status_code == 404
    response = outsider_client.post(reverse("contacts:follow_up_detail", args=[f.pk]), {"temperature": "37.0"})
    assert response.status_code == 404 and not FollowUpCheck.objects.exists()


def test_each_person_on_the_daily_list_is_written_to_the_audit_log(
    insider: Any, insider_client: Client, people: Callable[[int], list[Person]]
) -> None:
    a, b = people(2)
    fa, fb = follow(a), follow(b)
    insider_client.get(reverse("contacts:follow_ups"))
    events = AuditEvent.objects.filter(action="follow_up.list", actor=insider)
    assert {(e.object_id, e.person_id) for e in events} == {(str(fa.pk), a.pk), (str(fb.pk), b.pk)}


def test_the_daily_list_costs_the_same_queries_for_many_people_as_for_one(
    insider_client: Client, people: Callable[[int], list[Person]], django_assert_max_num_queries: Any
) -> None:
    crowd = people(40)
    follow(crowd[0])
    insider_client.get(reverse("contacts:follow_ups"))
    with django_assert_max_num_queries(12) as one:
        insider_client.get(reverse("contacts:follow_ups"))
    for index, p in enumerate(crowd[1:]):
        f = follow(p)
        if index % 2:
            check(f)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = insider_client.get(reverse("contacts:follow_ups"))
    assert len(response.context["rows"]) == 40


def test_recording_todays_check_saves_it_and_the_page_shows_it(
    insider: Any, insider_client: Client, make_case: Callable[..., Case], people: Callable[[int], list[Person]]
) -> None:
    (person,) = people(1)
    case = make_case()
    f = follow(person, case=case)
    url = reverse("contacts:follow_up_detail", args=[f.pk])
    response = insider_client.post(
        url, {"symptoms": ["fever", "cough"], "temperature": "38.2", "test_result": "negative", "note": "ở nhà"}
    )
    assert response.status_code == 302
    saved = FollowUpCheck.objects.get(follow_up=f)
    assert saved.day == timezone.localdate() and saved.recorded_by == insider
    assert saved.symptoms == ["cough", "fever"] and saved.temperature == Decimal("38.2")
    page = insider_client.get(url).content.decode()
    assert "Fever" in page and "38.2" in page and "Today's check (recorded" in page
    assert reverse("contacts:case_detail", args=[case.pk]) in page
    assert AuditEvent.objects.filter(action="follow_up.view", object_id=str(f.pk)).exists()
    # a second entry the same day corrects the first
    insider_client.post(url, {"temperature": "37.0"})
    assert FollowUpCheck.objects.get(follow_up=f).temperature == Decimal("37.0")


def test_the_check_form_says_what_is_wrong(insider_client: Client, people: Callable[[int], list[Person]]) -> None:
    (person,) = people(1)
    f = follow(person)
    url = reverse("contacts:follow_up_detail", args=[f.pk])
    response = insider_client.post(url, {"temperature": "52", "symptoms": ["hiccups"]})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "temperature" in errors and "symptoms" in errors
    assert not FollowUpCheck.objects.exists()


def test_an_ended_follow_up_shows_its_state_and_takes_no_new_check(
    insider_client: Client, people: Callable[[int], list[Person]]
) -> None:
    (person,) = people(1)
    f = follow(person, state="became_case", closed_at=timezone.now())
    url = reverse("contacts:follow_up_detail", args=[f.pk])
    page = insider_client.get(url).content.decode()
    assert "Became a case" in page and "Record today" not in page
    response = insider_client.post(url, {"temperature": "37.0"})
    assert response.status_code == 400 and "This follow-up has ended." in response.content.decode()
    assert not FollowUpCheck.objects.exists()


def test_a_follow_up_whose_case_lies_elsewhere_names_the_case_without_a_link(
    insider_client: Client, make_case: Callable[..., Case]
) -> None:
    case = make_case(PersonFactory(ward=home_ward(1)))
    f = follow(PersonFactory(ward=home_ward(0)), case=case)
    page = insider_client.get(reverse("contacts:follow_up_detail", args=[f.pk])).content.decode()
    assert f"F0 #{case.pk}" in page
    assert reverse("contacts:case_detail", args=[case.pk]) not in page
