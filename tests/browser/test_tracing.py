"""Tracing end to end in a browser: a CDC officer opens a case, matching finds an F1 and an F2,
and the chain of transmission is drawn with Cytoscape beside its table."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from contacts.models import Case, Exposure
from tests.factories import PersonFactory, VenueFactory, home_ward
from truyvet.accounts.models import User
from truyvet.people.models import Person
from truyvet.people.normalize import mask_name
from venues.models import CheckIn, Venue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]

WAIT_MS = 15_000

# Every security-policy violation the page reports, whether or not Chromium logs it.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""

# True once one of Cytoscape's canvases inside the container has a painted pixel.
CANVAS_PAINTED = """
() => Array.from(document.querySelectorAll("#chain-graph canvas")).some(function (c) {
  if (!c.width || !c.height) { return false; }
  var data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  for (var i = 3; i < data.length; i += 4) { if (data[i] !== 0) { return true; } }
  return false;
})
"""

# chain.js keeps the Cytoscape instance on its container.
GRAPH_SIZE = """
() => {
  var cy = document.getElementById("chain-graph").cy;
  if (!cy) { return null; }
  return {
    nodes: cy.nodes().length,
    edges: cy.edges().map(function (e) { return [e.source().data("level"), e.target().data("level")]; })
  };
}
"""


def stay(person: Person, venue: Venue, start: datetime, minutes: int) -> CheckIn:
    return CheckIn.objects.create(
        venue=venue,
        person=person,
        client_id=uuid.uuid4(),
        checked_in_at=start,
        ends_at=start + timedelta(minutes=minutes),
    )


def test_a_cdc_officer_opens_a_case_sees_its_f1_and_the_chain_graph(
    live_server: Any, desktop_page: Any, artifacts: Path, cdc: User
) -> None:
    from playwright.sync_api import expect

    ward = home_ward(0)
    patient = PersonFactory(full_name="Lò Văn Bệnh", id_number="012090777001", ward=ward)
    f1 = PersonFactory(full_name="Quàng Thị Gặp", id_number="012090777002", ward=ward)
    f2 = PersonFactory(full_name="Vàng A Sau", id_number="012090777003", ward=ward)
    market = VenueFactory(name="Chợ Trung tâm", category="market", address="1 Lê Lợi", ward=ward)
    eatery = VenueFactory(name="Quán Phở", category="restaurant", address="2 Lê Lợi", ward=ward)
    # Yesterday the patient and the F1 were at the market together; a day later the F1
    # ate with the F2 at another venue: inside the infectious window, before confirmation.
    met = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=30)
    stay(patient, market, met, 60)
    stay(f1, market, met + timedelta(minutes=15), 60)
    stay(f1, eatery, met + timedelta(days=1), 45)
    stay(f2, eatery, met + timedelta(days=1, minutes=5), 45)
    confirmed = timezone.localtime(timezone.now() - timedelta(hours=1))

    page = desktop_page
    graph_errors: list[str] = []
    page.add_init_script(RECORD_CSP_VIOLATIONS)

    def on_console(message: Any) -> None:
        if message.type == "error":
            graph_errors.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: graph_errors.append(f"pageerror: {exc}"))

    # Sign in through the real page, on the way to "new case".
    page.goto(f"{live_server.url}/accounts/login/?next=/contacts/cases/new/")
    page.locator("#id_username").fill(cdc.username)
    page.locator("#id_password").fill("pw-for-tests-123")
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/contacts/cases/new/")

    # 1. Find the person by their citizen id, then open a case for them.
    page.locator("#id_find").fill(patient.id_number)
    page.locator("#id_find").press("Enter")
    page.wait_for_url(re.compile(r"/contacts/cases/new/\?find="))
    page.locator(f'a[href="?person={patient.pk}"]').click()
    page.wait_for_url(re.compile(rf"/contacts/cases/new/\?person={patient.pk}$"))
    expect(page.locator('input[name="person"]')).to_have_value(str(patient.pk))
    expect(page.locator("#id_classification")).to_have_value("confirmed")
    page.locator("#id_confirmed_at").fill(confirmed.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_sample_date").fill(confirmed.strftime("%Y-%m-%d"))
    page.locator("form:has(#id_confirmed_at) button[type=submit]").click()
    page.wait_for_url(re.compile(r"/contacts/cases/\d+/$"))

    case = Case.objects.get(person=patient)
    assert page.url == f"{live_server.url}/contacts/cases/{case.pk}/"
    assert case.classification == "confirmed" and case.created_by is not None

    # 2. The case page lists the F1 once matching (inline, after the commit) has run.
    exposures = page.locator("table tbody tr")
    f1_row = exposures.filter(has=page.locator("td:nth-child(2)", has_text=f1.full_name))
    for _attempt in range(10):
        if f1_row.count():
            break
        page.reload()
    expect(f1_row).to_have_count(1)
    expect(f1_row.locator(".badge")).to_have_text("F1")
    expect(f1_row).to_contain_text(market.name)
    expect(page.locator(".badge", has_text="F1:")).to_have_text("F1: 1")
    expect(page.locator(".badge", has_text="F2:")).to_have_text("F2: 1")
    f2_row = exposures.filter(has=page.locator("td:nth-child(2)", has_text=f2.full_name))
    expect(f2_row.locator(".badge")).to_have_text("F2")
    expect(f2_row).to_contain_text(eatery.name)
    assert {(e.person_id, e.level, e.source_person_id) for e in Exposure.objects.filter(case=case)} == {
        (f1.pk, 1, patient.pk),
        (f2.pk, 2, f1.pk),
    }
    page.screenshot(path=str(artifacts / "tracing-case.png"), full_page=True)

    # 3. The chain of transmission: Cytoscape's canvas and the server-rendered table (names
    #    masked there, even for the CDC).
    graph_errors.clear()
    page.locator(f'a[href="/contacts/chains/case/{case.pk}/"]').click()
    page.wait_for_url(f"{live_server.url}/contacts/chains/case/{case.pk}/")
    graph = page.locator("#chain-graph")
    expect(graph).to_have_attribute("data-drawn", re.compile(r"^\d+$"), timeout=WAIT_MS)
    expect(page.locator("#chain-controls")).to_be_visible()
    expect(graph.locator("canvas").first).to_be_attached()
    page.wait_for_function(CANVAS_PAINTED, timeout=WAIT_MS)

    size = page.evaluate(GRAPH_SIZE)
    assert size is not None, "Cytoscape left no instance on #chain-graph"
    assert size["nodes"] == 3
    assert sorted(size["edges"]) == [[0, 1], [1, 2]]

    rows = page.locator("#chain-table tbody tr")
    expect(rows).to_have_count(2)
    f0_to_f1 = rows.filter(has=page.locator("td:nth-child(2)", has_text=f"F1 {mask_name(f1.full_name)}"))
    expect(f0_to_f1).to_have_count(1)
    expect(f0_to_f1.locator("td").nth(0)).to_contain_text(f"F0 #{case.pk} {mask_name(patient.full_name)}")
    expect(f0_to_f1.locator("td").nth(2)).to_contain_text(market.name)
    f1_to_f2 = rows.filter(has=page.locator("td:nth-child(2)", has_text=f"F2 {mask_name(f2.full_name)}"))
    expect(f1_to_f2).to_have_count(1)
    expect(f1_to_f2.locator("td").nth(0)).to_contain_text(f"F1 {mask_name(f1.full_name)}")
    expect(f1_to_f2.locator("td").nth(2)).to_contain_text(eatery.name)
    page.screenshot(path=str(artifacts / "tracing-chain-graph.png"), full_page=True)

    violations = page.evaluate("window.__cspViolations")
    assert violations == [], violations
    assert graph_errors == [], graph_errors
