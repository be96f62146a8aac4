"""A keyset cursor whose time parses but has no UTC equivalent (year 1 east of Greenwich,
year 9999 west of it) is a bad cursor like a malformed one: the first page, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from contacts.models import Case
from tests.factories import PersonFactory, home_ward

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("before", ["0001-01-01T00:00+07:00|1", "9999-12-31T23:59-07:00|1"])
def test_a_cursor_out_of_the_utc_range_shows_the_first_page_of_the_case_list(
    insider_client: Client, before: str
) -> None:
    person = PersonFactory(ward=home_ward(0))
    case = Case.objects.create(person=person, ward_id=person.ward_id)
    response = insider_client.get(reverse("contacts:case_list"), {"before": before})
    assert response.status_code == 200
    assert [c.pk for c in response.context["rows"]] == [case.pk]


def test_a_colleague_in_another_commune_sees_none_of_the_cases_whatever_the_cursor(
    outsider_client: Client,
) -> None:
    person = PersonFactory(ward=home_ward(0))
    Case.objects.create(person=person, ward_id=person.ward_id)
    response = outsider_client.get(reverse("contacts:case_list"), {"before": "0001-01-01T00:00+07:00|1"})
    assert response.status_code == 200 and response.context["rows"] == []
