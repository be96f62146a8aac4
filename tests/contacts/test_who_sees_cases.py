"""Review mends of tracing: cases and follow-ups of people with no known ward stay in the
CDC's sight, the cluster's chain is one click from a case, upload codes only for confirmed
cases, the exposures API's level message, and the new-case search in the audit log."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from contacts.models import Case, Cluster, FollowUp, UploadCode
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


# 1. People with no known ward ----------------------------------------------------------------


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


# 2. The cluster's chain ----------------------------------------------------------------------


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


# 3. Upload codes only for confirmed cases ----------------------------------------------------


@pytest.mark.parametrize("classification", ["suspected", "probable"])
def test_no_upload_code_is_given_for_a_case_that_is_not_confirmed(
    insider_client: Client, outsider_client: Client, make_case: Callable[..., Case], classification: str
) -> None:
    case = make_case(classification=classification, confirmed_at=None)
    assert outsider_client.post(reverse("contacts:upload_code", args=[case.pk])).status_code == 404
    response = insider_client.post(reverse("contacts:upload_code", args=[case.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("contacts:case_detail", args=[case.pk])
    assert "Chỉ cấp mã tải lên Bluetooth cho ca bệnh xác định." in response.content.decode()
    assert 'id="upload-code"' not in response.content.decode()
    assert not UploadCode.objects.exists()
    assert not AuditEvent.objects.filter(action="proximity.upload_code").exists()


# 5. The exposures API's level ----------------------------------------------------------------


def test_the_exposures_api_refuses_a_level_beyond_the_tracing_depth_and_says_which_it_accepts(
    cdc_client: Client, outsider_client: Client, make_case: Callable[..., Case], settings: pytest.FixtureRequest
) -> None:
    case = make_case()
    url = f"/api/v1/cases/{case.pk}/exposures/"
    settings.TRACING_DEPTH = 2  # type: ignore[attr-defined]
    response = cdc_client.get(url, {"level": "3"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["errors"]["level"] == [
        "level is a number from 1 to 2."
    ]
    settings.TRACING_DEPTH = 4  # type: ignore[attr-defined]
    assert cdc_client.get(url, {"level": "4"}).status_code == 200
    assert cdc_client.get(url, {"level": "5"}).json()["detail"] == "level is a number from 1 to 4."
    assert outsider_client.get(url, {"level": "1"}).status_code == 404


# 6. The new-case search is audited -----------------------------------------------------------


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


def test_the_upload_code_service_itself_refuses_a_case_that_is_not_confirmed(
    make_case: Callable[..., Case],
) -> None:
    from contacts.proximity import upload_code_issue
    from truyvet.lib.errors import DomainError

    case = make_case(classification="probable", confirmed_at=None)
    with pytest.raises(DomainError) as error:
        upload_code_issue(user=None, person=case.person, case=case)
    assert error.value.code == "case_not_confirmed" and not UploadCode.objects.exists()
