"""Chains of transmission: the subgraph of one case or one cluster, in two queries.

Nodes are people, edges are exposures from ``source_person`` to ``person``. A case keeps
one exposure per person (its first contact at the lowest level), so within one case an
edge is drawn once; in a cluster the same pair can be found by several of its cases: one
edge per (source, target) is kept, the earliest, with the count.

Who may see what:

- the case (or at least one case of the cluster) must be one the user sees
  (``contacts.selectors.cases_for``: in the user's wards, or of unknown ward for the CDC),
  else 404, as for every staff read (``case_chain_get_for``, ``cluster_chain_get_for``);
- a person is named (masked) when the user would see them on the case pages: a case
  in the user's wards, or an exposure whose ward is in the user's wards or unknown
  (``contacts.selectors.case_exposures``). Everyone else is an anonymous node: the chain keeps
  its shape, the name stays with the commune that follows the person up. The CDC
  (a ``whole_province`` unit) and administrators see every name.

Node ids are positions in the node list, never database ids, so the JSON of an
anonymous node says nothing that could identify the person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import (
    BooleanField,
    Expression,
    ExpressionWrapper,
    FilteredRelation,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.http import Http404

from contacts.models import Case, Exposure, FollowUp, Outcome
from contacts.selectors import Viewer
from truyvet.accounts.jurisdiction import jurisdiction_wards, sees_everywhere, sees_province
from truyvet.people.normalize import mask_name


class Status:
    """A node's state, as the graph draws it."""

    OPEN_CASE = "case"
    CLOSED_CASE = "closed"
    ACTIVE = "active"
    COMPLETED = "completed"
    BECAME_CASE = "became_case"
    NONE = "none"


class Node(NamedTuple):
    case_id: int | None  # the person's case in this subgraph, if they are one
    name: str  # masked name; "" for an anonymous node
    level: int  # 0 for a case, else the lowest F level found
    status: str


class Edge(NamedTuple):
    source: int  # node index
    target: int  # node index
    via: str
    venue: str  # venue name, "" unless via is "venue"
    at: datetime  # start of the earliest overlap
    times: int  # exposures between the same two people


@dataclass
class Subgraph:
    kind: str  # "case" or "cluster"
    id: int
    title: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)


def _in_area(user: Viewer, *, null_counts: bool) -> Expression:
    """True when the row's ward is one of the user's (SQL, evaluated per row)."""
    if sees_everywhere(user):
        return Value(True)
    condition = Q(ward__in=jurisdiction_wards(user).values("code"))
    if null_counts:
        condition |= Q(ward__isnull=True)
    return ExpressionWrapper(condition, output_field=BooleanField())


def case_chain_get_for(user: Viewer, case_id: int) -> Subgraph:
    """The chain of one case the user sees, or 404 (``Http404``)."""
    return _subgraph(user, Q(pk=case_id), kind="case", ident=case_id)


def cluster_chain_get_for(user: Viewer, cluster_id: int) -> Subgraph:
    """The chain of a cluster with at least one case the user sees, or 404 (``Http404``)."""
    return _subgraph(user, Q(cluster_id=cluster_id), kind="cluster", ident=cluster_id)


def _subgraph(user: Viewer, which: Q, *, kind: str, ident: int) -> Subgraph:
    all_names = sees_province(user)
    cases = list(
        Case.objects.filter(which)
        .annotate(visible=_in_area(user, null_counts=all_names))
        .order_by("pk")
        .values_list(
            "pk", "person_id", "person__full_name", "outcome", "visible", "cluster__name", "confirmed_at", "created_at"
        )
    )  # fmt: skip
    if not any(row[4] for row in cases):
        raise Http404
    # A case is never drawn as infected by a case confirmed after it: two cases who met
    # each find the other, and only the earlier one's finding is the chain.
    rank = {row[0]: i for i, row in enumerate(sorted(cases, key=lambda row: (row[6] or row[7], row[0])))}
    case_of_person: dict[int, int] = {}
    title = cases[0][5] if kind == "cluster" else f"#{ident}"
    graph = Subgraph(kind=kind, id=ident, title=title or "", case_ids=[row[0] for row in cases])

    index: dict[int, int] = {}  # person id -> node position
    nodes: list[list[Any]] = []  # [case_id, name, level, status], frozen into Node at the end
    for case_id, person_id, full_name, outcome, visible, *_ in cases:
        case_of_person.setdefault(person_id, case_id)
        status = Status.OPEN_CASE if outcome == Outcome.UNDER_TREATMENT else Status.CLOSED_CASE
        name = mask_name(full_name) if (visible or all_names) else ""
        if person_id in index:  # an earlier, closed case of the same person: the open one wins
            node = nodes[index[person_id]]
            if status == Status.OPEN_CASE:
                node[0], node[3] = case_id, status
                case_of_person[person_id] = case_id
            continue
        index[person_id] = len(nodes)
        nodes.append([case_id, name, 0, status])

    latest_follow_up = FollowUp.objects.filter(person_id=OuterRef("person_id")).order_by("-created_at", "-pk")
    rows = (
        Exposure.objects.filter(case_id__in=graph.case_ids)
        .annotate(
            named=_in_area(user, null_counts=True) if not all_names else Value(True),
            follow_up=Subquery(latest_follow_up.values("state")[:1]),
            # At most one open case per person (contacts_case_one_open): a join, not a subquery.
            open_case=FilteredRelation("person__cases", condition=Q(person__cases__outcome=Outcome.UNDER_TREATMENT)),
        )
        .order_by("overlap_start", "pk")
        .values_list(
            "case_id", "source_person_id", "person_id", "person__full_name", "level", "via", "venue__name",
            "overlap_start", "named", "follow_up", "open_case__id",
        )
    )  # fmt: skip
    edges: dict[tuple[int, int], list[Any]] = {}
    for case_id, source, person_id, full_name, level, via, venue, start, named, follow_up, open_case_id in rows:
        target_case = case_of_person.get(person_id)
        if target_case is not None and rank[target_case] < rank[case_id]:
            continue
        at = index.get(person_id)
        if at is None:
            at = index[person_id] = len(nodes)
            name = mask_name(full_name) if named else ""
            if open_case_id is not None:  # a case outside this subgraph (another cluster, or none)
                nodes.append([open_case_id, name, level, Status.OPEN_CASE])
            else:
                nodes.append([None, name, level, follow_up or Status.NONE])
        else:
            node = nodes[at]
            if level < node[2]:
                node[2] = level
            if named and not node[1]:
                node[1] = mask_name(full_name)
        origin = index.get(source)
        if origin is None:  # not expected (a source is the case or found a level above); keep the edge
            origin = index[source] = len(nodes)
            nodes.append([None, "", max(level - 1, 0), Status.NONE])
        edge = edges.get((origin, at))
        if edge is None:
            edges[(origin, at)] = [origin, at, via, venue or "", start, 1]
        else:
            edge[5] += 1
    graph.nodes = list(map(Node._make, nodes))
    graph.edges = list(map(Edge._make, edges.values()))
    return graph


def subgraph_json(graph: Subgraph, labels: dict[str, Any], tz: str) -> dict[str, Any]:
    """The compact form the page draws: arrays, venue names once, times in epoch seconds.

    nodes: ``[case_id or 0, masked name or "", level, status]``, a node's id is its index;
    edges: ``[source, target, via, venue index or -1, epoch seconds, count]``.
    """
    venues: dict[str, int] = {}
    edges = []
    for e in graph.edges:
        venue = venues.setdefault(e.venue, len(venues)) if e.venue else -1
        edges.append([e.source, e.target, e.via, venue, int(e.at.timestamp()), e.times])
    return {
        "kind": graph.kind,
        "id": graph.id,
        "title": graph.title,
        "tz": tz,
        "labels": labels,
        "venues": list(venues),
        "nodes": [[n.case_id or 0, n.name, n.level, n.status] for n in graph.nodes],
        "edges": edges,
    }
