"""The site's offline recording page (VACCINATION.md, At the site: offline): who may open
it, what it carries for offline use (the value sets, the site's lots, the checklist, the
words of the server's refusals in both languages), and its service worker."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import signed_in
from tests.factories import UserFactory
from truyvet.accounts.models import Role
from vaccination import offline_views
from vaccination.models import Site, StockLot

pytestmark = pytest.mark.django_db


def page_config(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="offline-config" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert found is not None
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def stock(site: Site, lot: str, **changes: Any) -> StockLot:
    values: dict[str, Any] = {
        "product": "EU/1/20/1528",
        "manufacturer": "ORG-100030215",
        "expires_on": timezone.localdate() + timedelta(days=90),
        "doses_left": 10,
    }
    values.update(changes)
    return StockLot.objects.create(site=site, lot=lot, **values)


def test_a_vaccinator_opens_the_offline_page_of_their_site_with_its_lots_in_stock(
    vaccinator_client: Client, site: Site, other_site: Site
) -> None:
    stock(site, "FK1234")
    stock(site, "EMPTY", doses_left=0)
    stock(site, "OLD", expires_on=timezone.localdate() - timedelta(days=1))
    stock(other_site, "ELSEWHERE")
    response = vaccinator_client.get(f"/vaccination/offline/{site.pk}/")
    assert response.status_code == 200
    config = page_config(response.content.decode())
    assert config["site"] == {"id": site.pk, "name": site.name}
    assert [lot["lot"] for lot in config["lots"]] == ["FK1234"]
    assert config["products"][0]["code"] == "EU/1/20/1528"  # the site's stock first
    assert config["products"][0]["manufacturer"] == "ORG-100030215"
    assert any(m["code"] == "ORG-100030215" for m in config["manufacturers"])
    assert [q["key"] for q in config["questions"]][:2] == ["anaphylaxis", "allergy"]
    assert config["urls"]["doses"] == f"/api/v1/vaccination/sites/{site.pk}/doses/"
    # What the server may answer, in Vietnamese first and English second.
    assert config["rejections"]["duplicate_dose"] == {
        "vi": "mũi tiêm này đã được ghi nhận",
        "en": "this dose is already recorded",
    }
    assert set(config["rejections"]) >= {"token_revoked", "unknown_outcome", "screening_answers_invalid"}
    assert all(set(words) == {"vi", "en"} for words in config["texts"].values())


def test_the_day_list_links_the_offline_page(vaccinator_client: Client, site: Site) -> None:
    body = vaccinator_client.get(f"/vaccination/sites/{site.pk}/").content.decode()
    assert f'href="/vaccination/offline/{site.pk}/"' in body


def test_outsiders_may_not_open_a_sites_offline_page(
    client: Client, citizen_client: Client, insider_client: Client, site: Site
) -> None:
    url = f"/vaccination/offline/{site.pk}/"
    stranger = UserFactory(role=Role.VACCINATION_STAFF)
    Site.objects.create(name="Điểm khác", ward=site.ward).staff.add(stranger)
    assert signed_in(stranger).get(url).status_code == 404
    assert citizen_client.get(url).status_code == 403
    assert insider_client.get(url).status_code == 403
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_worker_keeps_every_file_the_page_loads_and_only_the_offline_pages(
    client: Client, vaccinator_client: Client, site: Site
) -> None:
    response = client.get("/vaccination/offline/sw.js")
    assert response.status_code == 200 and response["Service-Worker-Allowed"] == "/vaccination/offline/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    config = json.loads(body.split("self.TRUYVET_SW = ", 1)[1].split(";\n", 1)[0])
    assert config["cache"] == "truyvet-vaccination" and config["scope"] == "/vaccination/offline/"
    pattern = re.compile(config["page_pattern"])
    assert pattern.match(f"/vaccination/offline/{site.pk}/")
    assert not pattern.match(f"/vaccination/sites/{site.pk}/people/1/")
    page = vaccinator_client.get(f"/vaccination/offline/{site.pk}/").content.decode()
    linked = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page))
    assert linked and linked <= set(config["shell"]) | set(config["optional"].values())
    assert len(config["shell"]) == len(offline_views.SHELL_STATIC)
    # The same source as the checkpoint scanner's worker.
    checkpoint = client.get("/checkpoints/sw.js").content.decode()
    assert body.split(";\n", 1)[1] == checkpoint.split(";\n", 1)[1]
