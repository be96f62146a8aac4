from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from declarations.models import Declaration
from tests.factories import PersonFactory, home_ward
from truyvet.accounts.models import User
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins() -> tuple[Person, Person]:
    """The same woman registered twice: once with her citizen id, once with a passport."""
    same = {"full_name": "Lò Thị Mai", "name_key": "lo thi mai", "date_of_birth": date(1995, 2, 2)}
    same["ward"] = home_ward(0)
    first = PersonFactory(**same, id_number="012195000123", phone="")
    second = PersonFactory(**same, id_number=None, passport_number="C1234567", phone="+84912000999")
    return first, second


def test_likely_duplicates_are_listed_for_insiders_only(
    insider_client: Client, outsider_client: Client, twins: tuple
) -> None:
    assert insider_client.get(reverse("people:duplicates")).content.decode().count("Lò Thị Mai") == 2
    assert "Lò Thị Mai" not in outsider_client.get(reverse("people:duplicates")).content.decode()


def test_merging_moves_declarations_and_fills_gaps_and_is_audited(insider_client: Client, twins: tuple) -> None:
    first, second = twins
    Declaration.objects.create(kind="daily", person=second, ward=second.ward, risk_level="green")
    url = reverse("people:merge", args=[first.pk, second.pk])
    assert "C1234567" in insider_client.get(url).content.decode()
    response = insider_client.post(url, {"keep": str(first.pk)})
    assert response.status_code == 302
    assert not Person.objects.filter(pk=second.pk).exists()
    first.refresh_from_db()
    assert first.phone == "+84912000999" and first.passport_number == "C1234567"
    assert Declaration.objects.get().person_id == first.pk
    event = AuditEvent.objects.get(action="person.merge")
    assert event.person_id == first.pk and event.detail["merged"]["id"] == second.pk


def test_an_outsider_cannot_merge(outsider_client: Client, twins: tuple) -> None:
    first, second = twins
    assert (
        outsider_client.post(reverse("people:merge", args=[first.pk, second.pk]), {"keep": first.pk}).status_code == 404
    )
    assert Person.objects.count() == 2


def test_other_roles_and_anonymous_visitors_cannot_open_the_duplicates(client: Client, guard: User) -> None:
    assert client.get(reverse("people:duplicates")).status_code == 302
    client.force_login(guard)
    assert client.get(reverse("people:duplicates")).status_code == 403
