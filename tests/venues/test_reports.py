from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Role
from truyvet.lib.models import AuditEvent
from venues.models import CheckIn, Venue
from venues.services import VenueInput, venue_create

pytestmark = pytest.mark.django_db


def make_venue(ward_index: int, name: str, *, checkins: int = 0, age_days: int = 30) -> Venue:
    venue = venue_create(
        owner=UserFactory(role=Role.VENUE_OWNER),
        data=VenueInput(name=name, category="market", address="x", ward_code=home_ward(ward_index).code),
    )
    Venue.objects.filter(pk=venue.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    now = timezone.now()
    CheckIn.objects.bulk_create(
        [
            CheckIn(
                venue=venue,
                person=PersonFactory(full_name=f"Khách {name} {i}"),
                client_id=uuid.uuid4(),
                checked_in_at=now - timedelta(hours=i),
                ends_at=now,
            )
            for i in range(checkins)
        ]
    )
    return venue


@pytest.fixture
def venues() -> tuple[Venue, Venue, Venue]:
    return make_venue(0, "Chợ A", checkins=3), make_venue(0, "Quán vắng"), make_venue(1, "Chợ B", checkins=2)


def test_the_report_counts_the_users_wards_only(insider_client: Client, venues: tuple) -> None:
    response = insider_client.get(reverse("venues:reports"))
    checkins = response.context["checkins"]
    assert sum(r["checkins"] for r in checkins) == 3
    assert [v.name for v in response.context["idle"]] == ["Quán vắng"]
    assert sum(r["total"] for r in response.context["venues"]) == 2


def test_the_report_takes_a_fixed_number_of_queries(
    insider_client: Client, venues: tuple, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(9):
        insider_client.get(reverse("venues:reports"))


def test_exports_parse_and_hold_no_other_ward(insider_client: Client, venues: tuple) -> None:
    body = b"".join(
        insider_client.get(reverse("venues:reports_export", args=["csv"]), {"table": "checkins"}).streaming_content
    )
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert (
        rows[0] == ["day", "ward_code", "ward", "checkins", "venues_with_checkins"]
        and sum(int(r[3]) for r in rows[1:]) == 3
    )
    book = openpyxl.load_workbook(
        io.BytesIO(insider_client.get(reverse("venues:reports_export", args=["xlsx"])).content)
    )
    assert book.sheetnames == ["venues", "checkins", "idle"]
    assert [row[2] for row in book["idle"].values][1:] == ["Quán vắng"]
    assert insider_client.get(reverse("venues:reports_export", args=["csv"]), {"table": "x"}).status_code == 404


def test_visitors_are_shown_to_insiders_and_every_view_is_audited(
    insider_client: Client, insider: Any, venues: tuple
) -> None:
    venue = venues[0]
    page = insider_client.get(reverse("venues:visitors", args=[venue.pk])).content.decode()
    assert "Khách Chợ A 0" in page
    assert AuditEvent.objects.filter(action="venue.visitors", actor=insider, object_type="venues.venue").count() == 1
    assert AuditEvent.objects.filter(action="venue.visitors", object_type="venues.checkin").count() == 3


def test_an_outsider_cannot_see_the_visitors_of_another_ward(outsider_client: Client, venues: tuple) -> None:
    assert outsider_client.get(reverse("venues:visitors", args=[venues[0].pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="venue.visitors").exists()


def test_venue_owners_never_see_the_visitors_or_the_reports(client: Client, venues: tuple) -> None:
    client.force_login(venues[0].owner)
    assert client.get(reverse("venues:visitors", args=[venues[0].pk])).status_code == 403
    assert client.get(reverse("venues:reports")).status_code == 403


def test_anonymous_visitors_are_asked_to_sign_in(client: Client) -> None:
    assert client.get(reverse("venues:reports")).status_code == 302
