"""Every link opens: from each demo role's home (and a citizen's), the links of the pages
they reach within the site answer below 400. A failure names the page that linked it.

The crawl is bounded: a few levels deep, a few pages of each shape (``/contacts/cases/N/``
once or twice, not for every case), no sign-out, no language switch. Files (exports, cards,
posters) are fetched like pages but not read for links."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from truyvet.accounts.demo import DEMO_USERS
from truyvet.accounts.models import Role, User
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db

DEPTH = 3  # links followed from the home
PAGES_PER_ROLE = 120
PER_SHAPE = 2  # pages of one shape (numbers and query values aside)
SKIP = ("/accounts/logout/", "/i18n/", "/static/", "/media/")
SKIP_PATTERN = re.compile(r"^/admin/.*/(add|password)/")  # Django's own forms
# The admin site is Django's own: its index and each list are opened, not every record.
ADMIN_DEPTH = 2


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.found.append(href)


def links_of(html: str, base: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    found = []
    for href in parser.found:
        href, _ = urldefrag(href)
        if not href or href.startswith(("mailto:", "tel:", "javascript:", "data:")):
            continue
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            if parts.netloc not in ("testserver", ""):
                continue  # another site
            href = parts.path + (f"?{parts.query}" if parts.query else "")
        elif not href.startswith("/"):
            href = base.rsplit("/", 1)[0] + "/" + href if not href.startswith("?") else base.split("?")[0] + href
        found.append(href)
    return found


def shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted(k for k, _ in parse_qsl(parts.query, keep_blank_values=True))
    return re.sub(r"\d+", "N", parts.path) + "?" + urlencode([(k, "") for k in keys])


def crawl(client: Client, start: str) -> list[tuple[str, int, str]]:
    """(url, status, the page that linked it) for every answer of 400 or more."""
    broken: list[tuple[str, int, str]] = []
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    queue: deque[tuple[str, int, str]] = deque([(start, 0, "(the home)")])
    visited = 0
    while queue and visited < PAGES_PER_ROLE:
        url, depth, parent = queue.popleft()
        if url in seen or url.startswith(SKIP) or SKIP_PATTERN.match(url):
            continue
        seen.add(url)
        key = shape(url)
        if shapes.get(key, 0) >= PER_SHAPE:
            continue
        shapes[key] = shapes.get(key, 0) + 1
        visited += 1
        response = client.get(url, follow=True)
        if response.status_code >= 400:
            broken.append((url, response.status_code, parent))
            continue
        final = response.redirect_chain[-1][0] if response.redirect_chain else url
        content_type = response.get("Content-Type", "")
        limit = ADMIN_DEPTH if final.startswith("/admin/") else DEPTH
        if depth >= limit or "text/html" not in content_type or getattr(response, "streaming", False):
            continue
        for link in links_of(response.content.decode(), final):
            if link not in seen:
                queue.append((link, depth + 1, final))
    return broken


def demo_citizen() -> User:
    """A citizen signed in with the phone of a demo person."""
    person = Person.objects.exclude(phone="").exclude(phone__isnull=True).order_by("pk").first()
    assert person is not None
    return User.objects.create(username="citizen-demo", role=Role.CITIZEN, phone=person.phone)


@pytest.mark.usefixtures("geo_units")
def test_every_link_from_every_roles_home_opens() -> None:
    call_command(
        "seed_demo", people=200, venues=5, checkins=300, cases=2, proximity=20, passages=40, sos=5,
        operations_cases=10, verbosity=0,
    )  # fmt: skip
    users = [*User.objects.filter(username__in=list(DEMO_USERS)).order_by("username"), demo_citizen()]
    assert len(users) == len(DEMO_USERS) + 1
    broken = []
    for user in users:
        client = Client()
        client.force_login(user)
        broken += [(user.username, *row) for row in crawl(client, "/accounts/home/")]
    assert not broken, "\n".join(
        f"{who}: {status} {url}  (linked from {parent})" for who, url, status, parent in broken
    )
