"""A phone number can name a whole household: the scanner lists them, and once staff move on
("Next traveller", or the next code read) nothing of theirs may stay on the tablet, on
screen or clickable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checkpoints.models import Checkpoint
from tests.browser.test_checkpoint_scanner import checkpoint, guard, sign_in, traveller  # noqa: F401 (fixtures)
from truyvet.accounts.models import User
from truyvet.people.models import Person
from truyvet.people.normalize import mask_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("geo_units")]

ROADSIDE_TABLET = {"width": 800, "height": 1280}
PHONE = "0912345678"


def nothing_of(page: Any, names: list[str]) -> None:
    """None of these people is in the page, shown or hidden, and no button chooses one."""
    html = page.content()
    assert [name for name in names if name in html] == []
    assert page.locator("#matches button").count() == 0
    assert page.locator("#matches").is_hidden()


def test_after_a_phone_names_several_people_next_and_a_new_scan_leave_nothing_of_them(
    live_server: Any,
    browser: Any,
    artifacts: Path,
    checkpoint: Checkpoint,  # noqa: F811
    guard: User,  # noqa: F811
    traveller: Callable[..., tuple[Person, str]],  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    household = [
        traveller(level, full_name=name, phone="+84912345678")
        for level, name in (("green", "Lò Văn An"), ("red", "Lò Thị Bình"), ("yellow", "Lò Văn Cường"))
    ]
    names = [mask_name(person.full_name) for person, _token in household]
    _stranger, stranger_token = traveller("green", full_name="Hoàng Văn Dũng")
    context = browser.new_context(viewport=ROADSIDE_TABLET)
    sign_in(context, live_server, guard)
    page = context.new_page()
    scanner = f"{live_server.url}/checkpoints/{checkpoint.pk}/scan/"
    page.goto(f"{live_server.url}/checkpoints/scan/")
    page.get_by_role("button", name="Start duty shift here").click()
    page.wait_for_url(scanner)
    notice = page.locator("main > .alert", has_text=checkpoint.name)
    expect(notice).to_be_visible()  # the server's message about the page before

    def look_up_the_phone() -> None:
        page.locator("#scan-code").fill(PHONE)
        page.locator("#scan-code").press("Enter")
        expect(page.locator("#result-message")).to_have_text("Several people match: choose one.")
        expect(page.locator("#matches button")).to_have_count(3)

    look_up_the_phone()
    expect(notice).to_have_count(0)
    deny = page.locator("#matches button", has_text=names[1])
    expect(deny).to_contain_text("Deny")  # each person's own verdict
    page.screenshot(path=str(artifacts / "checkpoint-scanner-household-800.png"), full_page=True)
    page.locator("#matches button", has_text=names[0]).click()
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "allow")
    expect(page.locator("#person-name")).to_have_text(names[0])
    assert page.locator("#matches button").count() == 0, "the others go once one is chosen"

    # "Next traveller": the panel is empty, and so is the page.
    page.get_by_role("button", name="Next traveller").click()
    expect(page.locator("#idle")).to_be_visible()
    expect(page.locator("#result")).to_be_hidden()
    nothing_of(page, names)
    assert page.locator("#person-name").inner_text() == "" and page.locator("#result-details li").count() == 0

    # The same household again, and this time the next code is read at once, no "Next".
    look_up_the_phone()
    page.locator("#scan-code").fill(stranger_token)
    page.locator("#scan-code").press("Enter")
    expect(page.locator("#person-name")).to_have_text(mask_name("Hoàng Văn Dũng"))
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "allow")
    nothing_of(page, names)
    page.screenshot(path=str(artifacts / "checkpoint-scanner-next-after-household-800.png"), full_page=True)

    # A last lookup, shown on a phone-sized screen, then "Next" there too.
    page.set_viewport_size({"width": 360, "height": 740})
    look_up_the_phone()
    page.screenshot(path=str(artifacts / "checkpoint-scanner-household-360.png"), full_page=True)
    page.get_by_role("button", name="Next traveller").click()
    nothing_of(page, names)
    page.locator("#record").evaluate("button => button.click()")  # nobody on screen: records nothing
    expect(page.locator("#queue-count")).to_have_text("0")
    assert page.evaluate("() => truyvetQueue.count()") == 0
    context.close()
