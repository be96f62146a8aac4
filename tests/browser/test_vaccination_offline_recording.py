"""A vaccination site loses its connection: the offline recording page in Chromium, with two
personal QR cards held to the (fake) camera one after the other, the network cut and back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.fake_camera import write_y4m_cards
from tests.browser.test_checkpoint_scanner import sign_in, wait_until
from tests.factories import PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.credentials.services import qr_issue
from truyvet.lib.qr import render_png
from vaccination.models import Dose, Screening, Site, StockLot
from vaccination.screening import QUESTIONS, suggested_outcome

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]

TABLET = {"width": 800, "height": 1100}  # a 10-inch tablet held upright
KEPT = """async () => {
    const pages = await caches.open("truyvet-vaccination-pages");
    const shells = (await caches.keys()).filter(name => name.startsWith("truyvet-vaccination-shell-"));
    if (shells.length !== 1 || !(await pages.match(location.pathname))) { return false; }
    const shell = await caches.open(shells[0]);
    return (await shell.keys()).some(request => request.url.includes("jsQR"));
}"""


@pytest.fixture
def site(geo_units: None) -> Site:
    from django.utils import timezone

    site = Site.objects.create(name="Trạm Y tế xã Nậm Xe", ward=home_ward(0))
    StockLot.objects.create(
        site=site,
        product="EU/1/20/1528",
        manufacturer="ORG-100030215",
        lot="FK1234",
        expires_on=timezone.localdate().replace(year=timezone.localdate().year + 1),
        doses_left=50,
    )
    return site


@pytest.fixture
def nurse(site: Site) -> User:
    nurse = UserFactory(username="y-ta-nam-xe", role=Role.VACCINATION_STAFF)
    site.staff.add(nurse)
    return nurse


def test_offline_two_cards_are_queued_with_their_screening_and_sent_once_when_the_network_is_back(
    live_server: Any, playwright: Any, tmp_path: Path, artifacts: Path, site: Site, nurse: User
) -> None:
    from playwright.sync_api import expect

    people = PersonFactory.create_batch(2)
    cards = [qr_issue(person=p, risk_level="green")[0] for p in people]
    video = write_y4m_cards(tmp_path / "cards.y4m", [render_png(t, box_size=6, border=4) for t in cards])
    args = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]  # fmt: skip
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    context = browser.new_context(viewport=TABLET, timezone_id="Asia/Ho_Chi_Minh")
    context.grant_permissions(["camera"], origin=live_server.url)
    sign_in(context, live_server, nurse)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    url = f"{live_server.url}/vaccination/offline/{site.pk}/"

    # Online once: the worker is installed; the page, its files and the QR decoder are kept.
    page.goto(url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    wait_until(lambda: page.evaluate(KEPT), timeout=20)
    page.locator("#session-product").select_option("EU/1/20/1528")
    expect(page.locator("#session-manufacturer")).to_have_value("ORG-100030215")
    expect(page.locator("#session-lot")).to_have_value("FK1234")

    context.set_offline(True)
    page.reload()  # from the worker's copy: no network at all
    expect(page.locator("#net-status")).to_have_text("Offline")
    expect(page.locator("#session-lot")).to_have_value("FK1234")  # the session is kept
    for n in (1, 2):
        page.locator("#camera-start").click()
        expect(page.locator("#visit")).to_be_visible(timeout=20_000)
        expect(page.locator("#visit-who")).to_contain_text("Personal QR code")
        expect(page.locator("#suggested")).to_contain_text("Vaccinate")
        if n == 2:
            page.locator("#q-allergy").check()  # a "refer" answer: the vaccinator decides to vaccinate anyway
            expect(page.locator("#outcome-refer")).to_be_checked()
            page.locator("label[for=outcome-vaccinate]").click()
            page.locator("#note").fill("Dị ứng tôm, đã khám")
            page.screenshot(path=str(artifacts / "vaccination-offline-visit.png"), full_page=True)
        page.locator("#record").click()
        expect(page.locator("#queue-label")).to_have_text(f"{n} waiting")
    # A third person, typed in, postponed: a screening and no dose.
    page.locator("#id-number").fill("079099000001")
    page.locator("#id-number").press("Enter")
    page.locator("#q-acute_illness").check()
    expect(page.locator("#outcome-postpone")).to_be_checked()
    expect(page.locator("#dose-fields")).to_be_hidden()
    page.locator("#record").click()
    expect(page.locator("#queue-label")).to_have_text("3 waiting")
    expect(page.locator("#queue-list li[data-status=pending]")).to_have_count(3)
    page.screenshot(path=str(artifacts / "vaccination-offline-queue.png"), full_page=True)
    queued = page.evaluate("() => truyvetOfflineQueue.create({db: 'truyvet-vaccination', store: 'visits'}).all()")
    assert {r["item"].get("qr_token") for r in queued} == {*cards, None}
    assert not Dose.objects.exists() and not Screening.objects.exists()

    # The network is back: the queue is sent, each visit once.
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/doses/" in r.url else None)
    context.set_offline(False)
    expect(page.locator("#queue-label")).to_have_text("0 waiting", timeout=30_000)
    expect(page.locator("#queue-list li[data-status=created]")).to_have_count(2)
    expect(page.locator("#queue-list li[data-status=rejected]")).to_have_count(1)  # nobody has that id number
    rejected = page.locator("#queue-list li[data-status=rejected]")
    expect(rejected.locator(".reason-vi")).to_have_text("không có người nào trên hệ thống mang số này")
    expect(rejected.locator(".reason-en")).to_have_text("nobody known to the portal has this number")
    doses = list(Dose.objects.order_by("person_id"))
    assert [(d.person_id, d.site_id, d.vaccinator_id, d.lot) for d in doses] == [
        (p.pk, site.pk, nurse.pk, "FK1234") for p in sorted(people, key=lambda p: p.pk)
    ]
    screenings = {s.client_id: s for s in Screening.objects.all()}
    assert {d.client_id for d in doses} == set(screenings)
    assert sorted(s.answers["allergy"] for s in screenings.values()) == [False, True]
    assert {s.note for s in screenings.values()} == {"", "Dị ứng tôm, đã khám"}
    assert StockLot.objects.get().doses_left == 48
    assert len(posts) == 1  # one batch

    # A reload replays nothing: the answered visits are not sent again.
    page.reload()
    expect(page.locator("#queue-list li")).to_have_count(3)
    page.wait_for_timeout(3_000)
    assert len(posts) == 1 and Dose.objects.count() == 2 and Screening.objects.count() == 2

    # A tablet that never heard the answers sends the same visits again: "already recorded".
    page.evaluate("""async () => {
        const queue = truyvetOfflineQueue.create({db: 'truyvet-vaccination', store: 'visits'});
        for (const record of await queue.all()) {
            if (record.status === 'created') { await queue.put(Object.assign(record, {status: 'pending'})); }
        }
    }""")
    page.reload()
    expect(page.locator("#queue-list li[data-status=duplicate]")).to_have_count(2, timeout=20_000)
    expect(page.locator("#queue-list li[data-status=duplicate] .queue-status").first).to_have_text("Already recorded")
    assert Dose.objects.count() == 2 and Screening.objects.count() == 2

    # The refused visit: fixed (back into the form) or dropped.
    rejected.locator(".queue-fix").click()
    expect(page.locator("#visit-who")).to_have_text("Citizen id number 079099000001")
    expect(page.locator("#q-acute_illness")).to_be_checked()
    page.locator("#visit-cancel").click()
    for width in (360, 800, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(artifacts / f"vaccination-offline-{width}.png"), full_page=True)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page is wider than the screen at {width} px"
    page.locator("#queue-list li[data-status=rejected] .queue-drop").click()
    expect(page.locator("#queue-list li")).to_have_count(2)
    browser.close()


def test_the_pages_suggested_outcome_is_the_servers(
    live_server: Any, browser: Any, artifacts: Path, site: Site, nurse: User
) -> None:
    """The screening's rule has two copies (vaccination/screening.py and the page's
    JavaScript): the same cases for both."""
    from playwright.sync_api import expect

    keys = [key for key, _question, _outcome in QUESTIONS]
    cases: list[dict[str, bool]] = [{}] + [{key: True} for key in keys]
    cases += [{"acute_illness": True, "allergy": True}, {"covid_recent": True, "abnormal_signs": True}]
    cases += [dict.fromkeys(keys, True), dict.fromkeys(keys, False)]
    context = browser.new_context()
    sign_in(context, live_server, nurse)
    page = context.new_page()
    page.goto(f"{live_server.url}/vaccination/offline/{site.pk}/")
    page.wait_for_function("() => window.truyvetScreening !== undefined")
    on_page = page.evaluate("(cases) => cases.map(c => truyvetScreening.suggestedOutcome(c))", cases)
    assert on_page == [suggested_outcome(case) for case in cases]
    assert set(on_page) == {"vaccinate", "postpone", "refer"}
    # In Vietnamese (the longer words) on a phone: nothing runs off the screen.
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "vi", "url": live_server.url}])
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    page.locator("#id-number").fill("079099000001")
    page.locator("#id-number").press("Enter")
    expect(page.locator("#visit-who")).to_have_text("Số căn cước công dân 079099000001")
    page.screenshot(path=str(artifacts / "vaccination-offline-vi-360.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    context.close()
