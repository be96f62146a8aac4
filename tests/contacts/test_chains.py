"""Chains of transmission: the subgraph, its jurisdiction, its cost, and the page."""

from __future__ import annotations

import gzip
import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from contacts.matching import match_case
from contacts.models import Cluster, FollowUp
from contacts.selectors.chains import case_chain_get_for
from tests.factories import PersonFactory, VenueFactory, home_ward
from truyvet.lib.models import AuditEvent
from truyvet.people.normalize import mask_name

pytestmark = pytest.mark.django_db


def graph_json(client: Client, kind: str, ident: int) -> dict:
    response = client.get(reverse(f"contacts:chain_{kind}_json", args=[ident]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/json"
    return response.json()


def named_edges(data: dict) -> set[tuple[str, str, str, str, int]]:
    """(source, target, via, venue, count), people named by case number or masked name."""

    def who(i: int) -> str:
        case_id, name, _level, _status = data["nodes"][i]
        return f"#{case_id}" if case_id else name

    return {
        (who(s), who(t), via, data["venues"][v] if v >= 0 else "", count) for s, t, via, v, _at, count in data["edges"]
    }


def levels(data: dict) -> dict[str, int]:
    return {(f"#{n[0]}" if n[0] else n[1]): n[2] for n in data["nodes"]}


@pytest.fixture
def chain(make_case, venue, stay, encounter, people):
    """F0 meets an F1 at the market; the F1's phone later logs an F2 for half an hour."""
    # Names whose masks differ ("Nguyễn V. T. 1." would be shared by people 10 to 19).
    case = make_case(person=PersonFactory(ward=home_ward(0), full_name="Lò Văn Khun"))
    f1 = PersonFactory(ward=home_ward(0), full_name="Hoàng Thị Mai")
    f2 = PersonFactory(ward=home_ward(0), full_name="Đèo Văn Sơn")
    stay(case.person, venue, 0, 60)
    stay(f1, venue, 30, 90)
    encounter(f1, f2, 200, 30)
    match_case(case.pk)
    return case, f1, f2


def test_the_case_graph_runs_from_the_case_to_its_f1_and_on_to_the_f2_with_labelled_edges(chain, insider_client):
    case, f1, f2 = chain
    data = graph_json(insider_client, "case", case.pk)
    assert data["kind"] == "case" and data["id"] == case.pk
    assert levels(data) == {f"#{case.pk}": 0, mask_name(f1.full_name): 1, mask_name(f2.full_name): 2}
    assert named_edges(data) == {
        (f"#{case.pk}", mask_name(f1.full_name), "venue", "Chợ Trung tâm", 1),
        (mask_name(f1.full_name), mask_name(f2.full_name), "proximity", "", 1),
    }
    statuses = {(f"#{n[0]}" if n[0] else n[1]): n[3] for n in data["nodes"]}
    assert statuses == {f"#{case.pk}": "case", mask_name(f1.full_name): "active", mask_name(f2.full_name): "active"}
    assert set(data["labels"]["via"]) == {"venue", "proximity", "manual"}


def test_the_json_carries_no_database_ids_of_people_and_no_full_names(chain, insider_client):
    case, f1, f2 = chain
    response = insider_client.get(reverse("contacts:chain_case_json", args=[case.pk]))
    body = response.content.decode()
    assert f1.full_name not in body and f2.full_name not in body and case.person.full_name not in body
    data = response.json()
    assert [s for s, t, *_ in data["edges"]] + [t for s, t, *_ in data["edges"]] == [0, 1, 1, 2]


def test_a_person_who_became_a_case_is_drawn_so(chain, insider_client):
    case, f1, _f2 = chain
    FollowUp.objects.filter(person=f1).update(state="became_case")
    data = graph_json(insider_client, "case", case.pk)
    assert [n[3] for n in data["nodes"] if n[1] == mask_name(f1.full_name)] == ["became_case"]


def test_the_cluster_graph_links_a_case_that_was_the_f1_of_another(
    make_case, venue, other_venue, stay, people, insider_client
):
    cluster = Cluster.objects.create(name="Chợ Trung tâm 11/2021")
    first = make_case(cluster=cluster)
    second_person, their_contact = people(2)
    stay(first.person, venue, 0, 60)
    stay(second_person, venue, 10, 50)
    stay(second_person, other_venue, 300, 360)
    stay(their_contact, other_venue, 310, 350)
    match_case(first.pk)
    second = make_case(person=second_person, cluster=cluster)
    match_case(second.pk)

    data = graph_json(insider_client, "cluster", cluster.pk)
    assert data["title"] == "Chợ Trung tâm 11/2021"
    assert levels(data) == {f"#{first.pk}": 0, f"#{second.pk}": 0, mask_name(their_contact.full_name): 1}
    # Who infected whom: the first case's F1 is the second case; the contact is the second
    # case's F1 and the first case's F2, one edge counted twice.
    assert named_edges(data) == {
        (f"#{first.pk}", f"#{second.pk}", "venue", "Chợ Trung tâm", 1),
        (f"#{second.pk}", mask_name(their_contact.full_name), "venue", "Quán Phở", 2),
    }


def test_a_colleague_in_another_commune_gets_404_for_the_page_and_the_json(chain, outsider_client):
    case, *_ = chain
    assert outsider_client.get(reverse("contacts:chain_case", args=[case.pk])).status_code == 404
    assert outsider_client.get(reverse("contacts:chain_case_json", args=[case.pk])).status_code == 404


def test_a_cluster_with_no_case_in_the_users_wards_is_404(make_case, outsider_client, insider_client):
    cluster = Cluster.objects.create(name="Ổ dịch xa")
    make_case(cluster=cluster)
    assert outsider_client.get(reverse("contacts:chain_cluster_json", args=[cluster.pk])).status_code == 404
    assert outsider_client.get(reverse("contacts:chain_cluster", args=[cluster.pk])).status_code == 404
    assert insider_client.get(reverse("contacts:chain_cluster_json", args=[cluster.pk])).status_code == 200
    assert insider_client.get(reverse("contacts:chain_cluster_json", args=[cluster.pk + 1])).status_code == 404


def test_signed_out_visitors_go_to_sign_in_and_other_staff_are_refused(chain, venue_owner_client):
    case, *_ = chain
    url = reverse("contacts:chain_case_json", args=[case.pk])
    response = Client().get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert venue_owner_client.get(url).status_code == 403


def test_people_living_outside_the_users_wards_are_anonymous_nodes_except_for_the_cdc(
    make_case, venue, stay, insider_client, cdc_client
):
    case = make_case(person=PersonFactory(ward=home_ward(0)))
    neighbour = PersonFactory(ward=home_ward(0))
    far = PersonFactory(ward=home_ward(1))
    stay(case.person, venue, 0, 60)
    stay(neighbour, venue, 0, 60)
    stay(far, venue, 0, 60)
    match_case(case.pk)

    data = graph_json(insider_client, "case", case.pk)
    names = sorted(n[1] for n in data["nodes"] if not n[0])
    assert names == ["", mask_name(neighbour.full_name)]
    assert len(data["edges"]) == 2  # the anonymous node keeps its place in the chain
    # "Thử 41", not "41" alone: a CSRF token may hold any two digits.
    assert " ".join(far.full_name.split()[-2:]) not in response_text(insider_client, case.pk)

    names = sorted(n[1] for n in graph_json(cdc_client, "case", case.pk)["nodes"] if not n[0])
    assert names == sorted([mask_name(neighbour.full_name), mask_name(far.full_name)])


def response_text(client: Client, case_id: int) -> str:
    return client.get(reverse("contacts:chain_case", args=[case_id])).content.decode()


def test_the_graph_costs_the_same_few_queries_for_three_people_or_forty(
    make_case, stay, people, insider, django_assert_max_num_queries
):
    def served(n: int) -> int:
        case = make_case()
        venue = VenueFactory(name=f"Quán {n}", category="restaurant", address="3 Lê Lợi")
        stay(case.person, venue, 0, 60)
        for person in people(n):
            stay(person, venue, 10, 50)
        match_case(case.pk)
        client = Client()
        client.force_login(insider)
        # session, user, health unit; the cases; the exposures (names, follow-ups, wards
        # as joins and subqueries); the audit row.
        with django_assert_max_num_queries(6):
            data = graph_json(client, "case", case.pk)
        return len(data["nodes"])

    assert served(3) == 4
    assert served(40) == 41


def test_each_view_of_a_graph_is_audited_once_with_its_size(chain, insider, insider_client):
    case, *_ = chain
    graph_json(insider_client, "case", case.pk)
    insider_client.get(reverse("contacts:chain_case", args=[case.pk]))
    events = list(AuditEvent.objects.filter(actor=insider).order_by("pk").values_list("action", "object_id", "detail"))
    assert events == [
        ("chain.case.graph", str(case.pk), {"nodes": 3, "edges": 2, "cases": 1}),
        ("chain.case.view", str(case.pk), {"nodes": 3, "edges": 2, "cases": 1}),
    ]


def test_the_page_lists_the_links_in_a_table_without_javascript_and_has_no_inline_script(chain, insider_client):
    case, f1, f2 = chain
    response = insider_client.get(reverse("contacts:chain_case", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index('id="chain-table"') : html.index("</table>")]
    assert table.count("<tr>") == 3  # the header and two links
    assert mask_name(f1.full_name) in table and mask_name(f2.full_name) in table
    assert "Chợ Trung tâm" in table and f"#{case.pk}" in table
    assert f1.full_name not in html
    assert reverse("contacts:chain_case_json", args=[case.pk]) in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all("src=" in tag for tag in scripts)
    assert "cytoscape-3.34.4/cytoscape.min.js" in html


def test_the_table_filters_by_level(chain, insider_client):
    case, _f1, f2 = chain
    html = insider_client.get(reverse("contacts:chain_case", args=[case.pk]) + "?level=2").content.decode()
    table = html[html.index('id="chain-table"') : html.index("</table>")]
    assert mask_name(f2.full_name) in table and "Chợ Trung tâm" not in table


def test_repeated_contacts_make_one_edge_at_the_first_contact(make_case, venue, stay, people, insider):
    case = make_case()
    (visitor,) = people(1)
    stay(case.person, venue, 0, 60)
    stay(visitor, venue, 30, 40)
    stay(case.person, venue, -600, -540)
    stay(visitor, venue, -590, -560)
    match_case(case.pk)
    graph = case_chain_get_for(insider, case.pk)
    (edge,) = graph.edges
    (exposure,) = case.exposures.all()
    assert edge.times == 1 and edge.at == exposure.overlap_start
    assert exposure.overlap_start < exposure.last_contact_at - timedelta(hours=9)


def test_the_json_is_gzipped_for_browsers_that_accept_it(chain, insider_client):
    case, *_ = chain
    response = insider_client.get(reverse("contacts:chain_case_json", args=[case.pk]), HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["kind"] == "case"
