"""The scanner pages: who may open them, the duty shift, the offline PWA's files, the
declaration QR code, and the type-in box without JavaScript."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from checkpoints.models import Checkpoint, DutyShift, Passage
from checkpoints.views import scanner as scanner_views
from declarations.models import Declaration
from tests.factories import CheckpointFactory, UserFactory, home_ward
from truyvet.accounts.models import User
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db


def scanner_url(checkpoint: Checkpoint) -> str:
    return reverse("checkpoints:scanner", args=[checkpoint.pk])


def page_config(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="scanner-config" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the page carries its settings for the script"
    return json.loads(found.group(1))


def worker_config(body: str) -> dict[str, Any]:
    found = re.search(r"^self\.TRUYVET_SW = (\{.*\});$", body, re.M)
    assert found
    return json.loads(found.group(1))


def test_staff_see_the_checkpoints_they_scan_at_and_open_the_scanner_in_one_click(
    guard_client: Client, checkpoint: Checkpoint, other_checkpoint: Checkpoint
) -> None:
    page = guard_client.get(reverse("checkpoints:scanner_home")).content.decode()
    assert checkpoint.name in page and scanner_url(checkpoint) in page
    assert other_checkpoint.name not in page
    assert reverse("checkpoints:scanner_manifest") in page, "the start page is installable too"


def test_the_checkpoint_list_costs_the_same_queries_for_one_checkpoint_or_many(
    guard: User, guard_client: Client, checkpoint: Checkpoint, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    url = reverse("checkpoints:scanner_home")
    guard_client.get(url)
    with django_assert_max_num_queries(20) as one:
        guard_client.get(url)
    for n in range(4):
        more = CheckpointFactory(name=f"Chốt {n}", ward=home_ward(n))
        more.staff.add(guard)
        DutyShift.objects.create(checkpoint=more, user=UserFactory(), started_at=checkpoint.created_at)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert guard_client.get(url).content.decode().count("Chốt ") >= 5


def test_the_scanner_page_carries_its_addresses_and_the_verdict_rules(
    guard_client: Client, checkpoint: Checkpoint
) -> None:
    response = guard_client.get(scanner_url(checkpoint))
    assert response.status_code == 200
    html = response.content.decode()
    config = page_config(html)
    assert config["checkpoint"] == checkpoint.pk
    assert config["urls"]["check"] == f"/api/v1/checkpoints/{checkpoint.pk}/check/"
    assert config["urls"]["scans"] == "/api/v1/checkpoints/{id}/scans/"
    assert config["urls"]["heartbeat"] == f"/api/v1/checkpoints/{checkpoint.pk}/heartbeat/"
    assert config["urls"]["keys"] == "/api/v1/keys/"
    assert config["rules"]["green"] == "allow" and config["rules"]["red"] == "deny"
    assert config["batch_max"] <= 500
    assert set(config["verdicts"]) == {"allow", "declare", "refer", "deny"}
    assert {"vi", "en", "hint"} <= set(config["verdicts"]["deny"])
    assert "<noscript>" in html
    assert reverse("checkpoints:scanner_declare_qr", args=[checkpoint.pk]) in html
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), "no inline event handlers (CSP)"
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html), "no inline scripts (CSP)"


def test_a_guard_of_another_checkpoint_gets_404_on_every_scanner_address(
    outsider_guard: User, checkpoint: Checkpoint
) -> None:
    client = Client()
    client.force_login(outsider_guard)
    assert client.get(scanner_url(checkpoint)).status_code == 404
    assert client.get(reverse("checkpoints:scanner_declare_qr", args=[checkpoint.pk])).status_code == 404
    assert client.post(reverse("checkpoints:scanner_shift_start", args=[checkpoint.pk])).status_code == 404
    assert client.post(reverse("checkpoints:scanner_record", args=[checkpoint.pk]), {"code": "x"}).status_code == 404
    assert not DutyShift.objects.exists() and not Passage.objects.exists()
    page = client.get(reverse("checkpoints:scanner_home")).content.decode()
    assert checkpoint.name not in page


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, checkpoint: Checkpoint) -> None:
    for url in (reverse("checkpoints:scanner_home"), scanner_url(checkpoint)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_citizen_may_not_open_the_scanner(client: Client, checkpoint: Checkpoint, citizen: User) -> None:
    client.force_login(citizen)
    assert client.get(reverse("checkpoints:scanner_home")).status_code == 403
    assert client.get(scanner_url(checkpoint)).status_code == 403


def test_staff_start_and_end_their_duty_shift_with_a_button(
    guard: User, guard_client: Client, checkpoint: Checkpoint
) -> None:
    response = guard_client.post(reverse("checkpoints:scanner_shift_start", args=[checkpoint.pk]))
    assert response.status_code == 302 and response["Location"] == scanner_url(checkpoint)
    shift = DutyShift.objects.get(user=guard, ended_at__isnull=True)
    assert shift.checkpoint == checkpoint
    page = guard_client.get(reverse("checkpoints:scanner_home")).content.decode()
    assert reverse("checkpoints:scanner_shift_end") in page

    response = guard_client.post(reverse("checkpoints:scanner_shift_end"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("checkpoints:scanner_home")
    shift.refresh_from_db()
    assert shift.ended_at is not None


def test_ending_a_shift_when_off_duty_says_so(guard_client: Client) -> None:
    response = guard_client.post(reverse("checkpoints:scanner_shift_end"), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not DutyShift.objects.exists()


def test_the_service_worker_is_served_from_the_checkpoints_folder_with_its_scope(client: Client) -> None:
    response = client.get("/checkpoints/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/checkpoints/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    config = worker_config(body)
    assert config["scope"] == "/checkpoints/"
    assert "/api/v1/keys/" in config["data"]
    assert all(url.startswith("/static/") for url in config["shell"])
    assert 'addEventListener("fetch"' in body
    assert worker_config(client.get("/checkpoints/sw.js").content.decode())["version"] == config["version"]


def test_every_file_the_scanner_page_loads_is_kept_for_offline_use(
    guard_client: Client, checkpoint: Checkpoint, client: Client
) -> None:
    html = guard_client.get(scanner_url(checkpoint)).content.decode()
    loaded = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html))
    assert loaded, "the page links its files"
    shell = set(worker_config(client.get("/checkpoints/sw.js").content.decode())["shell"])
    assert loaded <= shell, loaded - shell
    for name in scanner_views.SHELL_STATIC:
        assert finders.find(name), name


def test_the_manifest_makes_the_scanner_an_installable_landscape_app(client: Client) -> None:
    response = client.get("/checkpoints/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/checkpoints/scan/" and manifest["scope"] == "/checkpoints/"
    assert manifest["display"] == "standalone" and manifest["orientation"] == "landscape"
    assert manifest["name"] and manifest["short_name"]
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon


def test_the_declaration_qr_code_opens_the_domestic_form_noting_the_checkpoint(
    guard_client: Client, checkpoint: Checkpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[str] = []
    real = scanner_views.render_svg

    def spy(data: str, **options: Any) -> str:
        encoded.append(data)
        return real(data, **options)

    monkeypatch.setattr(scanner_views, "render_svg", spy)
    response = guard_client.get(reverse("checkpoints:scanner_declare_qr", args=[checkpoint.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<") and b"<svg" in response.content
    assert "private" in response["Cache-Control"]
    [address] = encoded
    url = urlparse(address)
    assert url.scheme == "http" and url.netloc == "testserver"
    assert url.path == reverse("declarations:declare", args=["domestic"])
    assert url.query == f"checkpoint={checkpoint.pk}"

    page = Client().get(f"{url.path}?{url.query}").content.decode()
    assert f'name="checkpoint" value="{checkpoint.pk}"' in page
    assert 'class="alert alert-info py-2"' in page


def test_the_tablet_link_fills_in_the_trip_staff_already_typed(client: Client, checkpoint: Checkpoint) -> None:
    origin = home_ward(2)
    destination = home_ward(3)
    query = (
        f"checkpoint={checkpoint.pk}&vehicle_plate=29A-12345&vehicle_type=car"
        f"&origin_ward_code={origin.code}&destination_ward_code={destination.code}&next=/checkpoints/scan/"
    )
    page = client.get(f"/declarations/new/domestic/?{query}").content.decode()
    assert 'value="29A-12345"' in page
    assert f'<option value="{origin.code}" selected>' in page
    assert f'<option value="{destination.code}" selected>' in page
    assert '<option value="car" selected>' in page
    assert 'name="next" value="/checkpoints/scan/"' in page
    daily = client.get(f"/declarations/new/daily/?{query}").content.decode()
    assert 'name="checkpoint"' not in daily, "only the domestic declaration takes a checkpoint"
    odd = client.get("/declarations/new/domestic/?checkpoint=²&origin_ward_code=99999999999999999999").content.decode()
    assert 'name="checkpoint"' not in odd


def test_a_traveller_who_declares_on_the_tablet_leaves_nothing_of_theirs_in_it(
    guard_client: Client, checkpoint: Checkpoint
) -> None:
    scanner = scanner_url(checkpoint)
    response = guard_client.post(
        "/declarations/new/domestic/",
        {
            "checkpoint": str(checkpoint.pk),
            "next": scanner,
            "full_name": "Lò Văn Páo",
            "id_number": "012090123456",
            "date_of_birth": "1990-05-17",
            "gender": "male",
            "phone": "0912345678",
            "province": str(settings.PROVINCE_CODE),
            "ward_code": str(home_ward(0).code),
            "origin_province": str(settings.PROVINCE_CODE),
            "origin_ward_code": str(home_ward(1).code),
            "destination_ward_code": str(home_ward(2).code),
        },
    )
    assert response.status_code == 302 and response["Location"] == scanner
    assert Declaration.objects.get().person.full_name == "Lò Văn Páo"
    assert not guard_client.session.get("my_declarations")
    assert not guard_client.session.get("household")
    assert not response.cookies.get("tv_people")


def test_without_javascript_the_type_in_box_records_a_passage(
    guard: User,
    guard_client: Client,
    checkpoint: Checkpoint,
    traveller: Callable[..., tuple[Person, str]],
) -> None:
    person, token = traveller("green")
    url = reverse("checkpoints:scanner_record", args=[checkpoint.pk])
    response = guard_client.post(
        url,
        {"code": token, "direction": "in", "vehicle_plate": "24b1-555.55", "vehicle_type": "car", "temperature": ""},
    )
    assert response.status_code == 302 and response["Location"] == scanner_url(checkpoint)
    passage = Passage.objects.get()
    assert (passage.person, passage.verdict, passage.checkpoint, passage.recorded_by) == (
        person,
        "allow",
        checkpoint,
        guard,
    )
    assert passage.vehicle_plate == "24B1-555.55" and passage.vehicle_type == "car"

    guard_client.get(scanner_url(checkpoint))  # shows (and so clears) the message
    guard_client.post(url, {"code": "079199000001", "direction": "out", "temperature": "38.2"})
    unknown = Passage.objects.exclude(pk=passage.pk).get()
    assert unknown.person is None and unknown.identifier == "079199000001"
    assert unknown.verdict == "refer" and unknown.direction == "out" and str(unknown.temperature) == "38.2"

    guard_client.get(scanner_url(checkpoint))
    response = guard_client.post(url, {"code": "", "direction": "in"}, follow=True)
    assert Passage.objects.count() == 2
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
