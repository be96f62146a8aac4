"""The README's pictures, taken from the demo province: the citizen's QR page, a venue's
poster, the checkpoint scanner reading a card, the CDC's home and a chain of transmission.

Without options the test renders each page and checks it; with ``--write-pictures`` it also
writes them to docs/pictures/ (palette PNGs, at most PICTURE_MAX_BYTES each):

    DJANGO_ENV=test .venv/bin/pytest tests/browser/test_readme_pictures.py --write-pictures
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from PIL import Image

from checkpoints.models import Checkpoint, DutyShift
from contacts.models import Case
from declarations.services import Answers, PersonInput, declaration_submit
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.fake_camera import write_y4m
from truyvet.accounts.models import Role, User
from truyvet.lib.qr import render_png
from truyvet.people.models import Person
from venues.models import Venue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]

PICTURES = Path(__file__).resolve().parents[2] / "docs" / "pictures"
PICTURE_MAX_BYTES = 150_000
WAIT_MS = 30_000
PHONE = {"width": 360, "height": 760}
LAPTOP = {"width": 1366, "height": 860}


def small_png(png: bytes, width: int | None = None) -> bytes:
    """The picture as a palette PNG (a screenshot's few colours fit in 256), ``width`` wide."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if width and image.width != width:
        image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(out, format="PNG", optimize=True)
    return out.getvalue()


@pytest.fixture
def picture(request: pytest.FixtureRequest, artifacts: Path) -> Callable[[str, bytes], None]:
    """Keep a picture: always among the test artifacts, and in docs/pictures/ when asked."""
    write = bool(request.config.getoption("--write-pictures"))

    def keep(name: str, png: bytes) -> None:
        data = small_png(png)
        assert len(data) <= PICTURE_MAX_BYTES, f"{name}: {len(data)} bytes"
        (artifacts / f"readme-{name}").write_bytes(data)
        if write:
            PICTURES.mkdir(parents=True, exist_ok=True)
            (PICTURES / name).write_bytes(data)

    return keep


@pytest.fixture
def demo(geo_units: None) -> Iterator[None]:
    call_command("seed_demo", stdout=io.StringIO())
    yield


def signed_in(context: Any, live_server: Any, user: User) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
             "url": live_server.url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "vi", "url": live_server.url},
        ]
    )  # fmt: skip


def test_the_readme_pictures_show_the_demo_province(
    demo: None, live_server: Any, playwright: Any, browser: Any, tmp_path: Path, picture: Callable[[str, bytes], None]
) -> None:
    from playwright.sync_api import expect

    # 1. A citizen's QR after a declaration, on a phone.
    # A demo person with no case and no exposure: a green card, and "allow" at the checkpoint.
    person = (
        Person.objects.filter(is_demo=True, cases__isnull=True, exposures__isnull=True)
        .exclude(phone="")
        .order_by("pk")
        .first()
    )
    assert person is not None and person.ward_id is not None
    submitted = declaration_submit(
        kind="daily",
        person=PersonInput(
            full_name=person.full_name,
            date_of_birth=person.date_of_birth,
            gender=person.gender,
            id_number=person.id_number or "",
            phone=person.phone,
            ward_code=person.ward_id,
            address=person.address,
        ),
        answers=Answers(),
    )
    citizen = User.objects.create(username=f"citizen{person.phone}", phone=person.phone, role=Role.CITIZEN)
    context = browser.new_context(viewport=PHONE)
    signed_in(context, live_server, citizen)
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('declarations:result', args=[submitted.declaration.pk])}")
    expect(page.locator("svg").first).to_be_visible()
    expect(page.locator("body")).to_contain_text(person.full_name.split()[-1])
    picture("citizen-qr.png", page.screenshot())
    context.close()

    # 2. The poster a venue owner prints, as the portal draws it.
    venue = Venue.objects.order_by("pk").first()
    assert venue is not None
    venue.owner = User.objects.get(username="venue")  # the demo owner takes the first demo venue
    venue.save(update_fields=["owner"])
    context = browser.new_context(viewport=PHONE)
    signed_in(context, live_server, venue.owner)
    poster = context.request.get(f"{live_server.url}{reverse('venues:poster', args=[venue.pk, 'png'])}")
    assert poster.status == 200 and poster.headers["content-type"] == "image/png"
    picture("venue-poster.png", small_png(poster.body(), width=360))
    context.close()

    # 3. The scanner on duty at a checkpoint, the citizen's card before its camera.
    shift = (
        DutyShift.objects.filter(user__username="checkpoint", ended_at__isnull=True)
        .select_related("checkpoint")
        .first()
    )
    checkpoint = shift.checkpoint if shift else Checkpoint.objects.order_by("pk").first()
    assert checkpoint is not None
    video = write_y4m(tmp_path / "card.y4m", render_png(submitted.qr_token, box_size=6, border=4))
    args = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]  # fmt: skip
    camera_browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    context = camera_browser.new_context(viewport=LAPTOP)  # a tablet in landscape shows the verdict beside the camera
    context.grant_permissions(["camera"], origin=live_server.url)
    signed_in(context, live_server, User.objects.get(username="checkpoint"))
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('checkpoints:scanner', args=[checkpoint.pk])}")
    page.locator("#verdict[data-verdict=allow]").wait_for(state="visible", timeout=WAIT_MS)
    expect(page.locator("#person-name")).not_to_be_empty()
    picture("checkpoint-scanner.png", page.screenshot())
    camera_browser.close()

    # 4. The CDC's home, on a laptop.
    context = browser.new_context(viewport=LAPTOP)
    signed_in(context, live_server, User.objects.get(username="cdc"))
    page = context.new_page()
    response = page.goto(f"{live_server.url}{reverse('accounts:home')}")
    assert response is not None and response.status == 200
    picture("cdc-home.png", page.screenshot())

    # 5. The chain of transmission of the demo case with the most contacts.
    case = Case.objects.annotate(n=Count("exposures")).filter(n__gt=0).order_by("-n", "pk").first()
    assert case is not None
    page.goto(f"{live_server.url}{reverse('contacts:chain_case', args=[case.pk])}")
    page.wait_for_selector("#chain-graph[data-drawn]", timeout=WAIT_MS)
    assert page.evaluate("() => document.getElementById('chain-graph').cy.nodes().length") > 2
    picture("chain-graph.png", page.screenshot())
    context.close()
