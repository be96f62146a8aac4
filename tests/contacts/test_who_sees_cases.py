"""Who sees which case: people with no known ward stay in the CDC's sight (their cases,
follow-ups and the new-case search) and out of a commune station's; the cluster's chain is
one click from a case for the CDC; the new-case search shows only the user's people and
writes each one shown to the audit log."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from contacts.models import Case, Cluster, FollowUp
from tests.contacts.conftest import T0
from tests.factories import PersonFactory, home_ward
from truyvet.accounts.models import User
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def wardless(db: None) -> Person:
    return PersonFactory(full_name="Lò Văn Không Rõ", ward=None)


@pytest.fixture
def wardless_case(make_case: Callable[..., Case], wardless: Person) -> Case:
    case = make_case(person=wardless)
    assert case.ward_id is None
    return case


def test_the_cdc_opens_the_case_of_a_person_with_no_ward_and_a_commune_station_gets_404(
    cdc_client: Client, outsider_client: Client, wardless_case: Case
) -> None:
    urls = [
        reverse("contacts:case_detail", args=[wardless_case.pk]),
        f"/api/v1/cases/{wardless_case.pk}/exposures/",
        reverse("contacts:chain_case", args=[wardless_case.pk]),
        reverse("contacts:chain_case_json", args=[wardless_case.pk]),
    ]
    assert [cdc_client.get(url).status_code for url in urls] == [200, 200, 200, 200]
    assert "Lò Văn Không Rõ" in cdc_client.get(urls[0]).content.decode()
    assert urls[0] in cdc_client.get(reverse("contacts:case_list")).content.decode()
    assert [outsider_client.get(url).status_code for url in urls] == [404, 404, 404, 404]
    assert urls[0] not in outsider_client.get(reverse("contacts:case_list")).content.decode()


def test_the_cdc_opens_a_case_for_a_person_with_no_ward_and_lands_on_its_page(
    cdc_client: Client, wardless: Person
) -> None:
    response = cdc_client.post(
        "/api/v1/cases/",
        {"person_id": wardless.pk, "confirmed_at": T0.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert cdc_client.get(reverse("contacts:case_detail", args=[response.json()["id"]])).status_code == 200


def test_the_cdc_sees_the_follow_up_of_a_person_with_no_ward_and_a_commune_station_does_not(
    cdc_client: Client, outsider_client: Client, make_case: Callable[..., Case], wardless: Person
) -> None:
    follow_up = FollowUp.objects.create(
        person=wardless, ward=None, level=1, case=make_case(), last_exposure_at=T0, quarantine_until=T0.date()
    )
    url = reverse("contacts:follow_up_detail", args=[follow_up.pk])
    assert cdc_client.get(url).status_code == 200
    assert url in cdc_client.get(reverse("contacts:follow_ups")).content.decode()
    assert outsider_client.get(url).status_code == 404
    assert url not in outsider_client.get(reverse("contacts:follow_ups")).content.decode()


def test_the_case_page_and_the_case_list_link_the_cluster_to_its_chain_which_the_cdc_opens(
    cdc_client: Client, outsider_client: Client, make_case: Callable[..., Case]
) -> None:
    cluster = Cluster.objects.create(name="Chợ Đầu mối")
    case = make_case(person=PersonFactory(ward=home_ward(0)), cluster=cluster)
    chain = reverse("contacts:chain_cluster", args=[cluster.pk])
    assert f'href="{chain}"' in cdc_client.get(reverse("contacts:case_detail", args=[case.pk])).content.decode()
    assert f'href="{chain}"' in cdc_client.get(reverse("contacts:case_list")).content.decode()
    response = cdc_client.get(chain)
    assert response.status_code == 200 and "Chợ Đầu mối" in response.content.decode()
    assert outsider_client.get(chain).status_code == 404


def test_each_person_the_new_case_search_shows_is_written_to_the_audit_log_once(
    insider_client: Client, insider: User, outsider_client: Client
) -> None:
    twins = [PersonFactory(phone="+84912345678", ward=home_ward(0)) for _ in range(2)]
    PersonFactory(phone="+84912345678", ward=home_ward(1))  # outside the insider's ward: not shown
    response = insider_client.get(reverse("contacts:case_new"), {"find": "0912345678"})
    assert response.status_code == 200
    assert sorted(p.pk for p in response.context["found"]) == sorted(p.pk for p in twins)
    events = AuditEvent.objects.filter(action="person.search")
    assert len(events) == 2 and {e.person_id for e in events} == {p.pk for p in twins}
    assert {(e.actor_id, e.object_type) for e in events} == {(insider.pk, "people.person")}
    assert {e.object_id for e in events} == {str(p.pk) for p in twins}

    # The outsider is shown nobody, and a search that finds nobody writes nothing.
    response = outsider_client.get(reverse("contacts:case_new"), {"find": twins[0].id_number})
    assert response.context["searched"] and not response.context["found"]
    assert AuditEvent.objects.filter(action="person.search").count() == 2


def test_the_cdc_finds_a_person_with_no_ward_on_the_new_case_page_and_a_commune_station_does_not(
    cdc_client: Client, insider_client: Client, wardless: Person
) -> None:
    Person.objects.filter(pk=wardless.pk).update(phone="+84987654321")
    found = cdc_client.get(reverse("contacts:case_new"), {"find": "0987654321"}).context["found"]
    assert [p.pk for p in found] == [wardless.pk]
    assert not insider_client.get(reverse("contacts:case_new"), {"find": "0987654321"}).context["found"]
