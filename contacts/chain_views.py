"""Chains of transmission: who infected whom, for one case or one cluster.

Each view has a page (a server-rendered table of the edges, which works without
JavaScript, beside a container that ``static/js/chain.js`` fills with a Cytoscape
graph) and the compact JSON the graph is drawn from. Both are scoped and audited.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page

from contacts.models import Case, Cluster, Via
from contacts.selectors.chains import Status, Subgraph, case_chain_get_for, cluster_chain_get_for, subgraph_json
from truyvet.accounts.http import AuthenticatedRequest
from truyvet.accounts.permissions import health_staff_required
from truyvet.lib.audit import audit_log

TABLE_PAGE_SIZE = 200
LEVELS = (0, 1, 2)  # filters offered; deeper levels (a TRACING_DEPTH over 2) show with F2+


def _labels() -> dict[str, Any]:
    return {
        "via": {Via.VENUE: _("Venue"), Via.PROXIMITY: _("Bluetooth"), Via.MANUAL: _("Investigation")},
        "status": _status_labels(),
        "anonymous": _("Person outside your area"),
        "case": _("Case"),
        "times": _("times"),
    }


def _status_labels() -> dict[str, str]:
    return {
        Status.OPEN_CASE: _("Open case"),
        Status.CLOSED_CASE: _("Closed case"),
        Status.ACTIVE: _("Active follow-up"),
        Status.COMPLETED: _("Follow-up completed"),
        Status.BECAME_CASE: _("Became a case"),
        Status.NONE: _("Not followed up"),
    }


def _audit(request: AuthenticatedRequest, graph: Subgraph, action: str) -> None:
    obj = Case(pk=graph.id) if graph.kind == "case" else Cluster(pk=graph.id)
    audit_log(
        actor=request.user,
        action=action,
        obj=obj,
        request=request,
        detail={"nodes": len(graph.nodes), "edges": len(graph.edges), "cases": len(graph.case_ids)},
    )


def _json(request: AuthenticatedRequest, graph: Subgraph) -> HttpResponse:
    _audit(request, graph, f"chain.{graph.kind}.graph")
    body = json.dumps(subgraph_json(graph, _labels(), settings.TIME_ZONE), ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(body, content_type="application/json")
    response["Cache-Control"] = "private, no-store"
    return response


def _level_of(value: str) -> int | None:
    return int(value) if value in {str(level) for level in LEVELS} else None


def _page(request: AuthenticatedRequest, graph: Subgraph, json_url: str) -> HttpResponse:
    _audit(request, graph, f"chain.{graph.kind}.view")
    nodes = graph.nodes
    anonymous = _("Person outside your area")

    def label(i: int) -> str:
        node = nodes[i]
        if node.case_id:
            return f"#{node.case_id} {node.name}".strip()
        return node.name or anonymous

    level = _level_of(request.GET.get("level", ""))
    edges = graph.edges
    if level is not None:
        edges = [e for e in edges if min(nodes[e.target].level, 2) == level]
    page = Paginator(edges, TABLE_PAGE_SIZE).get_page(request.GET.get("page"))
    via = _labels()["via"]
    statuses = _status_labels()
    rows = [
        {
            "source": label(e.source),
            "source_level": nodes[e.source].level,
            "target": label(e.target),
            "target_level": nodes[e.target].level,
            "target_status": statuses.get(nodes[e.target].status, ""),
            "via": via.get(e.via, e.via),
            "venue": e.venue,
            "at": e.at,
            "count": e.times,
        }
        for e in page.object_list
    ]
    counts = dict.fromkeys(LEVELS, 0)
    for node in nodes:
        counts[min(node.level, 2)] += 1
    return render(
        request,
        "contacts/chain.html",
        {
            "graph": graph,
            "rows": rows,
            "page": page,
            "level": level,
            "levels": [(lv, counts[lv]) for lv in LEVELS],
            "statuses": statuses,
            "json_url": json_url,
            "node_count": len(nodes),
            "edge_count": len(graph.edges),
        },
    )


@health_staff_required
def chain_case(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    graph = case_chain_get_for(request.user, case_id)
    return _page(request, graph, reverse("contacts:chain_case_json", args=[case_id]))


@health_staff_required
@gzip_page  # a 5,000-person cluster is ~270 KiB of JSON, ~35 KiB gzipped: it matters on 3G
def chain_case_json(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    return _json(request, case_chain_get_for(request.user, case_id))


@health_staff_required
def chain_cluster(request: AuthenticatedRequest, cluster_id: int) -> HttpResponse:
    graph = cluster_chain_get_for(request.user, cluster_id)
    return _page(request, graph, reverse("contacts:chain_cluster_json", args=[cluster_id]))


@health_staff_required
@gzip_page
def chain_cluster_json(request: AuthenticatedRequest, cluster_id: int) -> HttpResponse:
    return _json(request, cluster_chain_get_for(request.user, cluster_id))


urlpatterns: list[URLPattern] = [
    path("chains/case/<int:case_id>/", chain_case, name="chain_case"),
    path("chains/case/<int:case_id>.json", chain_case_json, name="chain_case_json"),
    path("chains/cluster/<int:cluster_id>/", chain_cluster, name="chain_cluster"),
    path("chains/cluster/<int:cluster_id>.json", chain_cluster_json, name="chain_cluster_json"),
]
