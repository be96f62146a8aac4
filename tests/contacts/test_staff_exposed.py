"""The citizen's page of exposure warnings, the red banner that leads to it, and the
navigation entries of the tracing pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import FollowUp
from contacts.warnings import dedupe_key
from tests.factories import PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.lib.models import Notification
from truyvet.people import device
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db

BANNER = 'href="/contacts/exposed/"'


def phone_of(client: Client, *people: Person) -> Client:
    """A phone that declared these people (the signed cookie the portal sets), proven theirs."""
    client.cookies[device.COOKIE] = device.cookie_value({p.ref: True for p in people})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def warn(person: Person, level: int = 1, case_id: int = 7, channel: str = "portal") -> Notification:
    return Notification.objects.create(
        person=person,
        channel=channel,
        title=f"Cảnh báo tiếp xúc gần (F{level}) / Close contact warning (F{level})",
        body="Bạn đã tiếp xúc gần với một ca bệnh. Hãy ở nhà. / You were in close contact with a case. Stay home.",
        url="/contacts/exposed/",
        dedupe_key=dedupe_key(case_id, person.pk, level),
        state="sent",
    )


def test_a_phone_whose_person_was_warned_sees_the_warning_in_vietnamese_then_english(client: Client) -> None:
    person = PersonFactory(full_name="Đặng Thị Hoa", ward=home_ward(0))
    warn(person)
    FollowUp.objects.create(
        person=person,
        ward=person.ward,
        level=1,
        last_exposure_at=timezone.now(),
        quarantine_until=timezone.localdate() + timedelta(days=13),
    )
    response = phone_of(client, person).get(reverse("contacts:exposed"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Cảnh báo tiếp xúc gần (F1)") < page.index("Close contact warning (F1)")
    assert page.index("Hãy ở nhà.") < page.index("Stay home.")
    assert "Đặng Thị Hoa" in page and "What to do" in page
    assert (timezone.localdate() + timedelta(days=13)).strftime("%d/%m/%Y") in page
    assert "<script" not in page
    assert response["Cache-Control"] == "private, no-store"


def test_a_phone_whose_people_were_not_warned_sees_no_warning(client: Client) -> None:
    person, stranger = PersonFactory(), PersonFactory()
    warn(stranger)
    warn(person, channel="sms")  # only the portal inbox is shown
    Notification.objects.create(person=person, channel="portal", title="x", body="y", dedupe_key="vaccination:1")
    response = phone_of(client, person).get(reverse("contacts:exposed"))
    assert response.context["warnings"] == []
    assert "No exposure warnings for the people on this phone." in response.content.decode()


def test_an_unknown_or_forged_phone_sees_nothing(client: Client) -> None:
    person = PersonFactory()
    warn(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get(reverse("contacts:exposed")).context["warnings"] == []
    client.cookies[device.COOKIE] = signing.dumps([person.ref], salt="another salt")
    response = client.get(reverse("contacts:exposed"))
    assert response.context["warnings"] == [] and not response.context["known"]
    assert "Đặng" not in response.content.decode() and BANNER not in response.content.decode()


def test_the_red_banner_shows_on_other_pages_for_a_warned_phone(client: Client) -> None:
    person = PersonFactory()
    warn(person)
    page = phone_of(client, person).get(reverse("home")).content.decode()
    assert BANNER in page and "alert-danger" in page


def test_no_banner_for_an_old_warning_or_a_phone_without_one(client: Client) -> None:
    person = PersonFactory()
    old = warn(person)
    Notification.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=settings.TRACING_QUARANTINE_DAYS + 1)
    )
    assert BANNER not in phone_of(client, person).get(reverse("home")).content.decode()
    assert BANNER not in phone_of(Client(), PersonFactory()).get(reverse("home")).content.decode()


def test_the_banner_costs_no_query_without_the_cookie_and_one_with_it(client: Client) -> None:
    from contacts.context_processors import exposure_banner

    person = PersonFactory()
    warn(person)
    request: Any = type("R", (), {"COOKIES": {}})()
    with CaptureQueriesContext(connection) as none:
        assert exposure_banner(request) == {}
    assert len(none.captured_queries) == 0
    request.COOKIES = {device.COOKIE: device.cookie_value({person.ref: True})}
    with CaptureQueriesContext(connection) as one:
        assert exposure_banner(request) == {"exposure_warning": True}
    assert len(one.captured_queries) == 1


def test_health_staff_find_cases_and_follow_up_in_the_menu_and_others_do_not(client: Client, venue_owner: User) -> None:
    client.force_login(UserFactory(role=Role.COMMUNE_STATION))
    page = client.get(reverse("accounts:home"), follow=True).content.decode()
    assert reverse("contacts:case_list") in page and reverse("contacts:follow_ups") in page
    other = Client()
    other.force_login(venue_owner)
    page = other.get(reverse("venues:list")).content.decode()
    assert reverse("contacts:case_list") not in page


def test_a_phone_that_only_showed_somebodys_qr_sees_no_warning_of_theirs(client: Client) -> None:
    person = PersonFactory(full_name="Đặng Thị Hoa", ward=home_ward(0))
    warn(person)
    client.cookies[device.COOKIE] = device.cookie_value({person.ref: False})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert BANNER not in client.get(reverse("declarations:start")).content.decode()
    page = client.get(reverse("contacts:exposed")).content.decode()
    assert "Close contact warning" not in page and "Đặng Thị Hoa" not in page


def test_a_cookie_of_the_earlier_form_proves_nobody(client: Client) -> None:
    person = PersonFactory(full_name="Đặng Thị Hoa", ward=home_ward(0))
    warn(person)
    client.cookies[device.COOKIE] = signing.dumps([person.ref], salt=device.SALT, compress=True)
    assert BANNER not in client.get(reverse("declarations:start")).content.decode()
