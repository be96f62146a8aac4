"""Staff pages of cases: the list and its export, opening and editing a case, a case's page
(lab results, matching, exposures, typed-in contacts): who may see what, the messages the
forms give, what the pages cost in queries, and what goes to the audit log."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from contacts.models import Case, Cluster, Exposure, LabResult, ManualContact
from tests.contacts.conftest import T0
from tests.factories import PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Role
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person
from venues.models import Venue

pytestmark = pytest.mark.django_db

OLDER = re.compile(r'href="(\?[^"]*before=[^"]*)"')


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def insider_client(insider_client: Client) -> Client:
    return english(insider_client)


@pytest.fixture
def outsider_client(outsider_client: Client) -> Client:
    return english(outsider_client)


def expose(
    case: Case, person: Person, level: int = 1, source: Person | None = None, venue: Venue | None = None, n: int = 0
) -> Exposure:
    """An exposure written straight to the table, as matching would."""
    via = "venue" if venue else "manual"
    return Exposure.objects.create(
        case=case,
        person=person,
        source_person=source or case.person,
        level=level,
        via=via,
        venue=venue,
        overlap_start=T0 + timedelta(minutes=n),
        overlap_end=T0 + timedelta(minutes=n + 30),
        last_contact_at=T0 + timedelta(minutes=n + 30),
        ward=person.ward,
        created_at=timezone.now(),
    )


@pytest.fixture
def hoa() -> Person:
    return PersonFactory(full_name="Đặng Thị Hoa", id_number="012190000002", phone="+84912000002", ward=home_ward(0))


@pytest.fixture
def chu() -> Person:
    return PersonFactory(full_name="Sùng A Chư", id_number="012090000003", phone="+84912000003", ward=home_ward(1))


@pytest.fixture
def mine(make_case: Callable[..., Case], hoa: Person) -> Case:
    return make_case(hoa)


@pytest.fixture
def theirs(make_case: Callable[..., Case], chu: Person) -> Case:
    return make_case(chu)


def _pages(case: Case) -> list[tuple[str, str]]:
    return [
        ("get", reverse("contacts:case_list")),
        ("get", reverse("contacts:case_export", args=["csv"])),
        ("get", reverse("contacts:case_export", args=["xlsx"])),
        ("get", reverse("contacts:case_new")),
        ("get", reverse("contacts:case_detail", args=[case.pk])),
        ("get", reverse("contacts:case_edit", args=[case.pk])),
        ("post", reverse("contacts:case_lab_result", args=[case.pk])),
        ("post", reverse("contacts:case_match", args=[case.pk])),
        ("post", reverse("contacts:case_manual_contact", args=[case.pk])),
    ]


# Who may open the pages


def test_anonymous_visitors_are_sent_to_sign_in_from_every_case_page(client: Client, mine: Case) -> None:
    for method, url in _pages(mine):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login") + "?next="), url


@pytest.mark.parametrize("role", [Role.VENUE_OWNER, Role.CHECKPOINT_STAFF, Role.CITIZEN])
def test_users_without_a_health_role_get_403_on_every_case_page(client: Client, mine: Case, role: str) -> None:
    client.force_login(UserFactory(role=role))
    for method, url in _pages(mine):
        assert getattr(client, method)(url).status_code == 403, url


def test_an_outsider_gets_404_for_every_page_of_a_case_in_another_ward(outsider_client: Client, mine: Case) -> None:
    for method, url in _pages(mine)[4:]:
        assert getattr(outsider_client, method)(url).status_code == 404, url
    assert not LabResult.objects.exists() and not ManualContact.objects.exists()


# The list


def test_an_insider_sees_the_cases_of_their_wards_with_f1_and_f2_counts(
    insider_client: Client, mine: Case, theirs: Case, people: Callable[[int], list[Person]]
) -> None:
    a, b, c = people(3)
    expose(mine, a)
    expose(mine, b)
    expose(mine, c, level=2, source=a)
    response = insider_client.get(reverse("contacts:case_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Đặng Thị Hoa" in page and "Sùng A Chư" not in page
    assert reverse("contacts:case_detail", args=[mine.pk]) in page
    row = response.context["rows"][0]
    assert (row.f1, row.f2) == (2, 1)


def test_an_outsider_sees_none_of_the_insiders_cases_even_filtering_on_their_ward(
    outsider_client: Client, mine: Case
) -> None:
    response = outsider_client.get(reverse("contacts:case_list"), {"ward": home_ward(0).code})
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "Đặng Thị Hoa" not in response.content.decode()


def test_the_list_filters_by_classification_outcome_cluster_ward_and_date(
    insider_client: Client, make_case: Callable[..., Case], people: Callable[[int], list[Person]]
) -> None:
    cluster = Cluster.objects.create(name="Ổ dịch chợ")
    p1, p2, p3 = people(3)
    confirmed = make_case(p1, cluster=cluster)
    suspected = make_case(p2, classification="suspected", confirmed_at=None)
    recovered = make_case(p3, outcome="recovered")
    Case.objects.filter(pk=recovered.pk).update(created_at=timezone.now() - timedelta(days=10))

    def ids(**query: Any) -> set[int]:
        return {c.pk for c in insider_client.get(reverse("contacts:case_list"), query).context["rows"]}

    assert ids() == {confirmed.pk, suspected.pk, recovered.pk}
    assert ids(classification="suspected") == {suspected.pk}
    assert ids(outcome="recovered") == {recovered.pk}
    assert ids(cluster=cluster.pk) == {confirmed.pk}
    assert ids(ward=home_ward(0).code) == {confirmed.pk, suspected.pk, recovered.pk}
    since = (timezone.localdate() - timedelta(days=2)).isoformat()
    assert ids(date_from=since) == {confirmed.pk, suspected.pk}
    assert ids(date_to=since) == {recovered.pk}


def test_the_list_searches_by_name_citizen_id_and_phone(insider_client: Client, mine: Case, hoa: Person) -> None:
    other = PersonFactory(full_name="Lò Văn Tài", ward=home_ward(0))
    Case.objects.create(person=other, ward=other.ward, classification="suspected")
    for text in ("dang thi", "012190000002", "0912 000 002"):
        rows = insider_client.get(reverse("contacts:case_list"), {"q": text}).context["rows"]
        assert [c.pk for c in rows] == [mine.pk], text


def test_the_list_pages_newest_first_with_a_cursor(
    insider_client: Client, make_case: Callable[..., Case], people: Callable[[int], list[Person]]
) -> None:
    cases = [make_case(p) for p in people(53)]
    first = insider_client.get(reverse("contacts:case_list"))
    assert [c.pk for c in first.context["rows"]] == [c.pk for c in reversed(cases)][:50]
    link = OLDER.search(first.content.decode())
    assert link is not None
    second = insider_client.get(reverse("contacts:case_list") + link.group(1).replace("&amp;", "&"))
    assert [c.pk for c in second.context["rows"]] == [c.pk for c in reversed(cases)][50:]
    assert OLDER.search(second.content.decode()) is None


def test_every_case_on_the_page_is_written_to_the_audit_log(
    insider: Any, insider_client: Client, mine: Case, theirs: Case
) -> None:
    insider_client.get(reverse("contacts:case_list"))
    events = AuditEvent.objects.filter(action="case.list")
    assert [(e.object_id, e.person_id, e.actor_id) for e in events] == [(str(mine.pk), mine.person_id, insider.pk)]


def test_the_list_costs_the_same_queries_for_fifty_cases_as_for_one(
    insider_client: Client,
    make_case: Callable[..., Case],
    people: Callable[[int], list[Person]],
    django_assert_max_num_queries: Any,
) -> None:
    crowd = people(60)
    first = make_case(crowd[0])
    for p in crowd[1:4]:
        expose(first, p)
    insider_client.get(reverse("contacts:case_list"))  # warm the session and the ward cache
    with django_assert_max_num_queries(12) as one:
        insider_client.get(reverse("contacts:case_list"))
    for index, p in enumerate(crowd[10:59]):
        case = make_case(p)
        expose(case, crowd[index % 5 + 1])
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = insider_client.get(reverse("contacts:case_list"))
    assert len(response.context["rows"]) == 50


# Export


def _csv(response: Any) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_the_line_list_exports_the_case_fields_as_csv_and_logs_each_case(
    insider: Any, insider_client: Client, mine: Case, theirs: Case, people: Callable[[int], list[Person]]
) -> None:
    cluster = Cluster.objects.create(name="Ổ dịch chợ")
    Case.objects.filter(pk=mine.pk).update(isolation_place="Bệnh viện tỉnh", cluster=cluster, source="local")
    LabResult.objects.create(case=mine, sample_date=T0.date(), result="positive")
    a, b = people(2)
    expose(mine, a)
    expose(mine, b, level=2, source=a)
    response = insider_client.get(reverse("contacts:case_export", args=["csv"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == str(mine.pk) and row["full_name"] == "Đặng Thị Hoa"
    assert row["classification"] == "confirmed" and row["outcome"] == "under_treatment"
    assert row["source"] == "local" and row["cluster"] == "Ổ dịch chợ"
    assert row["isolation_place"] == "Bệnh viện tỉnh" and row["ward"] == home_ward(0).name
    assert row["lab_results"] == f"{T0.date():%Y-%m-%d} rt_pcr positive"
    assert row["sample_date"] == T0.date().isoformat()
    assert (row["f1"], row["f2"]) == ("1", "1")
    assert AuditEvent.objects.filter(action="case.export", object_id="").count() == 1
    logged = AuditEvent.objects.filter(action="case.export").exclude(object_id="")
    assert [(e.object_id, e.person_id, e.actor_id) for e in logged] == [(str(mine.pk), mine.person_id, insider.pk)]


def test_the_xlsx_export_holds_the_same_line_list_and_neutralises_formulas(
    insider_client: Client, make_case: Callable[..., Case]
) -> None:
    sly = PersonFactory(full_name="=HYPERLINK(1)", ward=home_ward(0))
    case = make_case(sly)
    response = insider_client.get(reverse("contacts:case_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content))["cases"]
    rows = list(sheet.values)
    header = list(rows[0])
    assert header[:3] == ["id", "opened_at", "classification"]
    assert rows[1][0] == case.pk
    assert rows[1][header.index("full_name")] == "'=HYPERLINK(1)"
    assert AuditEvent.objects.filter(action="case.export", object_id=str(case.pk), person_id=sly.pk).exists()


def test_an_outsiders_export_holds_none_of_the_insiders_cases(outsider_client: Client, mine: Case) -> None:
    assert _csv(outsider_client.get(reverse("contacts:case_export", args=["csv"]))) == []
    assert outsider_client.get(reverse("contacts:case_export", args=["pdf"])).status_code == 404


# New case


def test_finding_a_person_by_citizen_id_offers_to_open_their_case(insider_client: Client, hoa: Person) -> None:
    response = insider_client.get(reverse("contacts:case_new"), {"find": "012190000002"})
    assert [p.pk for p in response.context["found"]] == [hoa.pk]
    assert f"?person={hoa.pk}" in response.content.decode()


def test_finding_a_person_of_another_ward_finds_nobody(insider_client: Client, chu: Person) -> None:
    response = insider_client.get(reverse("contacts:case_new"), {"find": "0912000003"})
    assert response.context["found"] == []
    assert insider_client.get(reverse("contacts:case_new"), {"person": chu.pk}).status_code == 404


def _case_data(**changes: Any) -> dict[str, Any]:
    data = {
        "classification": "confirmed",
        "confirmed_at": timezone.localtime(timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "sample_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "source": "unknown",
    }
    data.update(changes)
    return data


def test_opening_a_case_for_a_found_person_queues_matching_and_shows_the_case(
    insider_client: Client, hoa: Person, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = insider_client.post(reverse("contacts:case_new"), {"person": hoa.pk, **_case_data()})
    case = Case.objects.get(person=hoa)
    assert response.status_code == 302 and response["Location"] == reverse("contacts:case_detail", args=[case.pk])
    assert case.ward_id == home_ward(0).code and case.classification == "confirmed"
    assert len(callbacks) == 1  # matching, after commit
    assert AuditEvent.objects.filter(action="case.open", object_id=str(case.pk)).exists()


def test_opening_a_case_for_a_new_person_adds_them_to_the_portal(insider_client: Client) -> None:
    data = {
        "person-full_name": "lò  thị MAI",
        "person-id_number": "012190555555",
        "person-phone": "0912 555 555",
        "person-ward": home_ward(0).code,
        "new_cluster": "Ổ dịch bản Nà",
        **_case_data(),
    }
    response = insider_client.post(reverse("contacts:case_new"), data)
    assert response.status_code == 302
    case = Case.objects.select_related("person", "cluster").get()
    assert case.person.full_name == "Lò Thị MAI" and case.person.phone == "+84912555555"  # capitals kept as typed
    assert case.cluster is not None and case.cluster.name == "Ổ dịch bản Nà"


def test_a_new_person_with_the_id_of_someone_elsewhere_is_refused_and_not_moved(
    insider_client: Client, chu: Person
) -> None:
    data = {
        "person-full_name": "Someone Else",
        "person-id_number": chu.id_number,
        "person-ward": home_ward(0).code,
        **_case_data(),
    }
    response = insider_client.post(reverse("contacts:case_new"), data)
    assert response.status_code == 200
    assert "outside your area" in response.content.decode()
    chu.refresh_from_db()
    assert chu.full_name == "Sùng A Chư" and chu.ward_id == home_ward(1).code
    assert not Case.objects.exists()


def test_the_new_person_form_says_what_is_wrong_with_the_identity(insider_client: Client) -> None:
    data = {"person-full_name": "Lò Thị Mai", "person-id_number": "12345", "person-ward": home_ward(0).code}
    response = insider_client.post(reverse("contacts:case_new"), {**data, **_case_data()})
    assert "A citizen id has exactly 12 digits." in response.context["person_form"].errors["id_number"]
    data["person-id_number"] = ""
    response = insider_client.post(reverse("contacts:case_new"), {**data, **_case_data()})
    assert response.context["person_form"].errors["id_number"] == ["Give a citizen id number or a passport number."]
    assert not Person.objects.filter(full_name="Lò Thị Mai").exists()


def test_the_case_form_shows_the_services_messages_on_their_fields(insider_client: Client, hoa: Person) -> None:
    response = insider_client.post(reverse("contacts:case_new"), {"person": hoa.pk, **_case_data(confirmed_at="")})
    assert response.context["form"].errors["confirmed_at"] == ["A confirmed case needs the time it was confirmed."]
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = insider_client.post(reverse("contacts:case_new"), {"person": hoa.pk, **_case_data(onset_date=future)})
    assert response.context["form"].errors["onset_date"] == ["This date is in the future."]
    assert not Case.objects.exists()


def test_a_person_with_an_open_case_gets_a_message_linking_to_it(insider_client: Client, mine: Case) -> None:
    response = insider_client.post(reverse("contacts:case_new"), {"person": mine.person_id, **_case_data()})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"already has an open case (#{mine.pk})" in page
    assert f'<a href="{reverse("contacts:case_detail", args=[mine.pk])}">' in page
    assert Case.objects.count() == 1


# Edit


def test_editing_a_case_saves_through_the_service(insider_client: Client, mine: Case) -> None:
    url = reverse("contacts:case_edit", args=[mine.pk])
    form = insider_client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["confirmed_at"] = timezone.localtime(mine.confirmed_at).strftime("%Y-%m-%dT%H:%M")
    data.update(outcome="recovered", isolation_place="Khu cách ly A")
    response = insider_client.post(url, data)
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.outcome, mine.isolation_place) == ("recovered", "Khu cách ly A")
    event = AuditEvent.objects.get(action="case.update")
    assert sorted(event.detail["fields"]) == ["isolation_place", "outcome"]


def test_an_edit_that_breaks_a_rule_says_so_on_the_field(insider_client: Client, mine: Case) -> None:
    url = reverse("contacts:case_edit", args=[mine.pk])
    isolated = timezone.localtime(timezone.now() - timedelta(days=1))
    data = _case_data(
        outcome="under_treatment",
        isolated_at=isolated.strftime("%Y-%m-%dT%H:%M"),
        isolation_until=(isolated.date() - timedelta(days=2)).isoformat(),
    )
    response = insider_client.post(url, data)
    assert response.context["form"].errors["isolation_until"] == ["Isolation cannot end before it starts."]


# Detail


def test_the_case_page_shows_fields_labs_and_exposures_f1_before_f2_with_masked_phones(
    insider: Any, insider_client: Client, mine: Case, venue: Venue
) -> None:
    f1 = PersonFactory(full_name="Lò Văn Một", phone="+84987654321", ward=home_ward(0))
    f2 = PersonFactory(full_name="Lò Văn Hai", ward=home_ward(0))
    expose(mine, f2, level=2, source=f1, n=-60)
    expose(mine, f1, venue=venue)
    LabResult.objects.create(case=mine, sample_date=T0.date(), result="positive", laboratory="CDC Lai Châu")
    response = insider_client.get(reverse("contacts:case_detail", args=[mine.pk]))
    page = response.content.decode()
    assert "Đặng Thị Hoa" in page and "CDC Lai Châu" in page and "Chợ Trung tâm" in page
    assert page.index("Lò Văn Một") < page.index("Lò Văn Hai")
    assert "0987***321" in page and "0987654321" not in page
    assert f'href="/contacts/chains/case/{mine.pk}/"' in page
    assert "Matching in progress" in page
    assert AuditEvent.objects.filter(action="case.view", object_id=str(mine.pk), actor=insider).count() == 1
    viewed = AuditEvent.objects.filter(action="case.exposures.view")
    assert {e.person_id for e in viewed} == {f1.pk, f2.pk}


def test_the_case_page_says_how_many_exposures_lie_outside_the_viewers_area(
    make_case: Callable[..., Case], centre_client: Client
) -> None:
    case = make_case(PersonFactory(ward=home_ward(0)))
    here = PersonFactory(full_name="Người Ở Đây", ward=home_ward(0))
    elsewhere = [PersonFactory(full_name=f"Người Nơi Khác {i}", ward=home_ward(2)) for i in range(3)]
    expose(case, here)
    for p in elsewhere:
        expose(case, p)
    page = english(centre_client).get(reverse("contacts:case_detail", args=[case.pk])).content.decode()
    assert "Người Ở Đây" in page and "Người Nơi Khác" not in page
    assert "3 more exposures are outside your area." in page


def test_the_case_page_costs_a_fixed_number_of_queries_however_many_exposures(
    insider_client: Client, mine: Case, people: Callable[[int], list[Person]], django_assert_max_num_queries: Any
) -> None:
    crowd = people(40)
    expose(mine, crowd[0])
    insider_client.get(reverse("contacts:case_detail", args=[mine.pk]))
    with django_assert_max_num_queries(20) as few:
        insider_client.get(reverse("contacts:case_detail", args=[mine.pk]))
    for p in crowd[1:]:
        expose(mine, p)
    with django_assert_max_num_queries(len(few.captured_queries)):
        insider_client.get(reverse("contacts:case_detail", args=[mine.pk]))


def test_a_lab_result_is_added_or_its_error_shown(insider_client: Client, mine: Case) -> None:
    url = reverse("contacts:case_lab_result", args=[mine.pk])
    day = timezone.localdate() - timedelta(days=2)
    response = insider_client.post(
        url,
        {
            "lab-test_type": "rt_pcr",
            "lab-sample_date": day.isoformat(),
            "lab-result": "positive",
            "lab-result_date": (day - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert response.context["lab_form"].errors["result_date"] == ["The result cannot come before the sample."]
    response = insider_client.post(
        url, {"lab-test_type": "rt_pcr", "lab-sample_date": day.isoformat(), "lab-result": "positive"}
    )
    assert response.status_code == 302
    assert LabResult.objects.get(case=mine).result == "positive"


def test_match_again_queues_matching_and_marks_it_pending(
    insider_client: Client, mine: Case, django_capture_on_commit_callbacks: Any
) -> None:
    Case.objects.filter(pk=mine.pk).update(matching="done", matched_at=timezone.now())
    url = reverse("contacts:case_match", args=[mine.pk])
    assert insider_client.get(url).status_code == 405
    with django_capture_on_commit_callbacks() as callbacks:
        response = insider_client.post(url)
    assert response.status_code == 302 and len(callbacks) == 1
    mine.refresh_from_db()
    assert mine.matching == "pending"


def test_match_again_is_refused_for_a_suspected_case(insider_client: Client, make_case: Callable[..., Case]) -> None:
    case = make_case(classification="suspected", confirmed_at=None)
    response = insider_client.post(reverse("contacts:case_match", args=[case.pk]), follow=True)
    assert "Only a confirmed case is matched." in response.content.decode()


def test_a_manual_contact_of_an_f1_is_added_through_the_service(
    insider_client: Client, mine: Case, people: Callable[[int], list[Person]]
) -> None:
    (f1,) = people(1)
    expose(mine, f1)
    url = reverse("contacts:case_manual_contact", args=[mine.pk])
    data = {
        "contact-full_name": "Vàng Thị Ba",
        "contact-phone": "0912 777 888",
        "contact-contact_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "contact-setting": "household",
        "contact-relation": "vợ",
        "contact-source": f1.pk,
    }
    response = insider_client.post(url, data)
    assert response.status_code == 302
    contact = ManualContact.objects.select_related("person").get()
    assert contact.source_person_id == f1.pk and contact.person.phone == "+84912777888"
    assert contact.setting == "household" and contact.relation == "vợ"


def test_a_manual_contact_without_id_or_phone_or_with_an_unknown_source_is_refused(
    insider_client: Client, mine: Case
) -> None:
    url = reverse("contacts:case_manual_contact", args=[mine.pk])
    data = {
        "contact-full_name": "Vàng Thị Ba",
        "contact-contact_date": timezone.localdate().isoformat(),
        "contact-setting": "other",
        "contact-source": mine.person_id,
    }
    response = insider_client.post(url, data)
    assert response.status_code == 400
    assert "Give the contact's citizen id number or phone" in response.context["contact_form"].errors["phone"][0]
    stranger = PersonFactory(ward=home_ward(0))
    response = insider_client.post(url, {**data, "contact-phone": "0912777888", "contact-source": stranger.pk})
    assert response.status_code == 400 and "source" in response.context["contact_form"].errors
    assert not ManualContact.objects.exists()


def test_a_person_id_of_digits_that_are_not_decimal_is_a_404_not_a_500(insider_client: Client) -> None:
    assert insider_client.get(reverse("contacts:case_new"), {"person": "²"}).status_code == 404
