"""Likely duplicate people and merging them: only health staff, only within their wards,
in a fixed number of queries, and every merge written to the audit log."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from declarations.models import Declaration
from tests.factories import PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.credentials.models import QrCredential
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person, PersonHistory

pytestmark = pytest.mark.django_db

BORN = date(1995, 2, 2)


def twin(ward_index: int = 0, **fields: Any) -> Person:
    values: dict[str, Any] = {"full_name": "Lò Thị Mai", "date_of_birth": BORN, "ward": home_ward(ward_index)}
    values.update(fields)
    return PersonFactory(**values)


@pytest.fixture
def pair() -> tuple[Person, Person]:
    """One woman registered twice in the insider's ward: with her citizen id, then with a passport."""
    first = twin(id_number="012195000123", phone="", address="")
    second = twin(id_number=None, passport_number="C7654321", phone="+84912000999", address="Bản Mường, nhà 3")
    return first, second


def merge_url(first: Person, second: Person) -> str:
    return reverse("people:merge", args=[first.pk, second.pk])


# Who may open the pages


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, pair: tuple[Person, Person]) -> None:
    login = reverse("accounts:login")
    for response in (
        client.get(reverse("people:duplicates")),
        client.get(merge_url(*pair)),
        client.post(merge_url(*pair), {"keep": pair[0].pk}),
    ):
        assert response.status_code == 302 and response["Location"].startswith(login)
    assert Person.objects.count() == 2


@pytest.mark.parametrize("role", [Role.VENUE_OWNER, Role.CHECKPOINT_STAFF, Role.CITIZEN])
def test_users_without_a_health_role_get_403(client: Client, pair: tuple[Person, Person], role: str) -> None:
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("people:duplicates")).status_code == 403
    assert client.get(merge_url(*pair)).status_code == 403
    assert client.post(merge_url(*pair), {"keep": pair[0].pk}).status_code == 403
    assert Person.objects.count() == 2


def test_an_insider_sees_the_pair_with_a_link_to_compare_them(
    insider_client: Client, pair: tuple[Person, Person]
) -> None:
    response = insider_client.get(reverse("people:duplicates"))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("Lò Thị Mai") == 2 and "012195000123" in page and "C7654321" in page
    assert merge_url(*pair) in page


def test_an_outsider_does_not_see_the_pair(outsider_client: Client, pair: tuple[Person, Person]) -> None:
    response = outsider_client.get(reverse("people:duplicates"))
    assert response.status_code == 200 and response.context["groups"] == []
    assert "Lò Thị Mai" not in response.content.decode()


def test_an_outsider_gets_404_on_the_merge_page_and_cannot_merge(
    outsider_client: Client, pair: tuple[Person, Person]
) -> None:
    assert outsider_client.get(merge_url(*pair)).status_code == 404
    assert outsider_client.post(merge_url(*pair), {"keep": pair[0].pk}).status_code == 404
    assert Person.objects.count() == 2
    assert not AuditEvent.objects.filter(action="person.merge").exists()


def test_merging_with_someone_outside_the_jurisdiction_is_404_either_way_round(
    insider_client: Client, pair: tuple[Person, Person]
) -> None:
    stranger = twin(1, id_number="012195000456")
    mine = pair[0]
    for url in (merge_url(mine, stranger), merge_url(stranger, mine)):
        assert insider_client.get(url).status_code == 404
        assert insider_client.post(url, {"keep": mine.pk}).status_code == 404
    assert Person.objects.count() == 3


def test_a_missing_person_is_404(insider_client: Client, pair: tuple[Person, Person]) -> None:
    assert insider_client.get(reverse("people:merge", args=[pair[0].pk, 987654])).status_code == 404


# What counts as a likely duplicate


def test_only_the_same_name_and_date_of_birth_make_a_group(insider_client: Client, pair: tuple[Person, Person]) -> None:
    twin(full_name="Lò Thị Mai", date_of_birth=BORN + timedelta(days=1))  # born another day
    twin(full_name="Lò Thị Mây")  # another name
    PersonFactory(full_name="Cầm Văn Ón", date_of_birth=None, ward=home_ward(0))
    PersonFactory(full_name="Cầm Văn Ón", date_of_birth=None, ward=home_ward(0))  # no date to compare
    groups = insider_client.get(reverse("people:duplicates")).context["groups"]
    assert [{p.pk for p in group} for group in groups] == [{pair[0].pk, pair[1].pk}]


def test_the_name_matches_without_accents_or_case(insider_client: Client) -> None:
    a = twin(full_name="Lò Thị Mai")
    b = twin(full_name="LO THI MAI")
    groups = insider_client.get(reverse("people:duplicates")).context["groups"]
    assert [{p.pk for p in group} for group in groups] == [{a.pk, b.pk}]


def test_a_pair_split_across_two_communes_is_not_shown_to_either_station(
    insider_client: Client, outsider_client: Client
) -> None:
    twin(0, id_number="012195000123")
    twin(1, id_number="012195000456")
    assert insider_client.get(reverse("people:duplicates")).context["groups"] == []
    assert outsider_client.get(reverse("people:duplicates")).context["groups"] == []


def test_a_health_centre_covering_both_communes_sees_the_split_pair(client: Client, centre_client: Client) -> None:
    twin(0, id_number="012195000123")
    twin(1, id_number="012195000456")
    groups = centre_client.get(reverse("people:duplicates")).context["groups"]
    assert len(groups) == 1 and len(groups[0]) == 2


def test_each_member_of_a_group_of_three_can_be_compared_with_the_first(insider_client: Client) -> None:
    a, b, c = (twin(full_name="Vàng A Páo", date_of_birth=date(1980, 1, 1)) for _ in range(3))
    response = insider_client.get(reverse("people:duplicates"))
    assert [len(group) for group in response.context["groups"]] == [3]
    page = response.content.decode()
    assert merge_url(a, b) in page and merge_url(a, c) in page


def test_at_most_100_groups_in_a_fixed_number_of_queries(
    insider_client: Client, django_assert_max_num_queries: Any
) -> None:
    Person.objects.bulk_create(
        [
            Person(full_name=f"Người {n}", name_key=f"nguoi {n:03d}", date_of_birth=BORN, ward=home_ward(0),
                   id_number=f"0121950{n:03d}{copy}0")
            for n in range(105)
            for copy in (1, 2)
        ]
    )  # fmt: skip
    # session, user, unit, the GROUP BY, the members
    with django_assert_max_num_queries(5):
        response = insider_client.get(reverse("people:duplicates"))
    groups = response.context["groups"]
    assert len(groups) == 100 and all(len(group) == 2 for group in groups)


# The merge page


def test_the_merge_page_shows_both_people_and_what_each_has(
    insider_client: Client, pair: tuple[Person, Person]
) -> None:
    first, second = pair
    for _ in range(3):
        Declaration.objects.create(kind="daily", person=second, ward=second.ward, risk_level="green")
    response = insider_client.get(merge_url(first, second))
    assert response.status_code == 200
    (p1, counts1), (p2, counts2) = response.context["people"]
    assert (p1, p2) == (first, second)
    assert sum(counts1.values()) == 0
    assert 3 in counts2.values()
    page = response.content.decode()
    assert "012195000123" in page and "C7654321" in page and "Bản Mường, nhà 3" in page
    assert f'name="keep" value="{first.pk}"' in page and f'name="keep" value="{second.pk}"' in page


def test_merging_moves_declarations_history_and_the_qr_code_to_the_survivor(
    insider_client: Client, insider: User, pair: tuple[Person, Person]
) -> None:
    first, second = pair
    declarations = [
        Declaration.objects.create(kind="daily", person=second, ward=second.ward, risk_level="yellow") for _ in range(2)
    ]
    PersonHistory.objects.create(person=second, field="phone", old_value="+84987000111", new_value=second.phone)
    now = timezone.now()
    QrCredential.objects.create(person=second, issued_at=now, expires_at=now + timedelta(days=7), risk_level="yellow")
    response = insider_client.post(merge_url(first, second), {"keep": str(first.pk)}, follow=True)
    assert response.redirect_chain == [(reverse("people:duplicates"), 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert not Person.objects.filter(pk=second.pk).exists()
    assert set(Declaration.objects.values_list("person_id", flat=True)) == {first.pk}
    assert Declaration.objects.filter(pk__in=[d.pk for d in declarations]).count() == 2
    assert set(PersonHistory.objects.values_list("person_id", flat=True)) == {first.pk}
    assert PersonHistory.objects.filter(old_value="+84987000111").exists()
    # The gaps the merge filled are changes of identity and contact details, written with who and how.
    filled = PersonHistory.objects.filter(source="merge")
    assert {h.field for h in filled} >= {"phone", "address"}
    assert {h.changed_by_id for h in filled} == {insider.pk}
    assert QrCredential.objects.get().person_id == first.pk
    first.refresh_from_db()
    assert first.id_number == "012195000123"
    assert first.phone == "+84912000999" and first.address == "Bản Mường, nhà 3"  # gaps filled from the duplicate


def test_the_survivor_can_be_the_second_person(insider_client: Client, pair: tuple[Person, Person]) -> None:
    first, second = pair
    Declaration.objects.create(kind="daily", person=first, ward=first.ward, risk_level="green")
    insider_client.post(merge_url(first, second), {"keep": str(second.pk)})
    assert list(Person.objects.values_list("pk", flat=True)) == [second.pk]
    assert Declaration.objects.get().person_id == second.pk


def test_a_merge_writes_an_audit_event_naming_who_and_what(
    insider_client: Client, insider: User, pair: tuple[Person, Person]
) -> None:
    first, second = pair
    Declaration.objects.create(kind="daily", person=second, ward=second.ward, risk_level="green")
    insider_client.post(merge_url(first, second), {"keep": str(first.pk)})
    event = AuditEvent.objects.get(action="person.merge")
    assert event.actor == insider and event.person_id == first.pk
    assert event.object_type == "people.person" and event.object_id == str(first.pk)
    assert event.detail["merged"] == {"id": second.pk, "id_number": None, "name": "Lò Thị Mai"}
    assert event.detail["moved"] == {"declarations.declaration": 1}


def test_merging_a_person_with_themself_is_refused_with_a_message(
    insider_client: Client, pair: tuple[Person, Person]
) -> None:
    first = pair[0]
    response = insider_client.post(merge_url(first, first), {"keep": str(first.pk)})
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Person.objects.filter(pk=first.pk).exists()
    assert not AuditEvent.objects.filter(action="person.merge").exists()


@pytest.mark.parametrize("data", [{}, {"keep": ""}, {"keep": "987654"}])
def test_a_merge_without_a_chosen_survivor_merges_nothing(
    insider_client: Client, pair: tuple[Person, Person], data: dict[str, str]
) -> None:
    insider_client.post(merge_url(*pair), data)
    assert Person.objects.count() == 2
