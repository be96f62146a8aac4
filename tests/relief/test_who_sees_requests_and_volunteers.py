"""Staff see the help requests and volunteers of their own wards: every staff page and export
is tried with the station of ward A (who may), the station of ward B (404, or not listed),
an anonymous visitor (the sign-in page) and roles that are not health staff (403)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from relief.models import HelpRequest, HelpStatus, Volunteer
from tests.factories import home_ward
from tests.relief.conftest import make_request, make_volunteer
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db


def pages(sos: HelpRequest, volunteer: Volunteer) -> list[str]:
    """Every staff page that shows one request or one volunteer of ward A."""
    return [
        reverse("relief:staff_detail", args=[sos.pk]),
        reverse("relief:roster_detail", args=[volunteer.pk]),
        reverse("relief:roster") + f"?for={sos.pk}",
    ]


def steps(sos: HelpRequest, volunteer: Volunteer, original: HelpRequest) -> list[tuple[str, dict[str, Any]]]:
    return [
        (reverse("relief:staff_assign", args=[sos.pk]), {"volunteer": volunteer.pk}),
        (reverse("relief:staff_step", args=[sos.pk]), {"action": "started"}),
        (reverse("relief:staff_duplicate", args=[sos.pk]), {"original": original.pk}),
        (reverse("relief:staff_note", args=[sos.pk]), {"note": "ghi chú"}),
    ]


LISTS = ["relief:staff_list", "relief:roster"]
EXPORTS = [
    ("relief:staff_export", "csv"),
    ("relief:staff_export", "xlsx"),
    ("relief:roster_export", "csv"),
    ("relief:roster_export", "xlsx"),
]


def test_the_station_of_the_ward_opens_every_page(insider_client: Client, sos: HelpRequest, volunteer) -> None:
    for url in pages(sos, volunteer):
        assert insider_client.get(url).status_code == 200, url
    for name in LISTS:
        assert insider_client.get(reverse(name)).status_code == 200
    for name, fmt in EXPORTS:
        assert insider_client.get(reverse(name, args=[fmt])).status_code == 200


def test_a_station_of_another_ward_gets_404_for_each_page_and_step(
    outsider_client: Client, sos: HelpRequest, volunteer: Volunteer
) -> None:
    original = make_request()
    for url in pages(sos, volunteer):
        assert outsider_client.get(url).status_code == 404, url
    for url, data in steps(sos, volunteer, original):
        assert outsider_client.post(url, data).status_code == 404, url
    sos.refresh_from_db()
    assert (sos.status, sos.volunteer, sos.events.count()) == (HelpStatus.NEW, None, 1)


def test_a_station_of_another_ward_does_not_find_them_in_lists_or_exports(
    outsider_client: Client, insider_client: Client
) -> None:
    make_request(text="Nhà ông Páo hết gạo", phone="+84981112223")
    make_volunteer("Giàng A Páo")
    theirs = make_request(ward=home_ward(1), text="Nhà bà Dua cần thuốc", phone="+84984445556")

    listed = outsider_client.get(reverse("relief:staff_list")).content.decode()
    assert f"#{theirs.pk}" in listed
    assert outsider_client.get(reverse("relief:staff_list")).context["rows"] == [theirs]
    assert "Giàng A Páo" not in outsider_client.get(reverse("relief:roster")).content.decode()
    exported = b"".join(outsider_client.get(reverse("relief:staff_export", args=["csv"])).streaming_content).decode()
    assert "Nhà bà Dua" in exported and "Nhà ông Páo" not in exported
    volunteers = b"".join(outsider_client.get(reverse("relief:roster_export", args=["csv"])).streaming_content)
    assert "Giàng A Páo" not in volunteers.decode()
    assert "Giàng A Páo" in insider_client.get(reverse("relief:roster")).content.decode()


def test_the_cdc_sees_every_ward(cdc_client: Client, sos: HelpRequest) -> None:
    theirs = make_request(ward=home_ward(1))

    rows = cdc_client.get(reverse("relief:staff_list")).context["rows"]

    assert set(rows) == {sos, theirs}
    assert cdc_client.get(reverse("relief:staff_detail", args=[theirs.pk])).status_code == 200


def test_a_volunteer_of_two_wards_is_seen_by_both_stations(insider_client: Client, outsider_client: Client) -> None:
    both = make_volunteer(wards=[home_ward(0), home_ward(1)])

    for client in (insider_client, outsider_client):
        assert client.get(reverse("relief:roster_detail", args=[both.pk])).status_code == 200


def test_an_anonymous_visitor_is_sent_to_sign_in(client: Client, sos: HelpRequest, volunteer) -> None:
    urls = [
        *pages(sos, volunteer),
        *(reverse(name) for name in LISTS),
        *(reverse(name, args=[fmt]) for name, fmt in EXPORTS),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), url
    for url, data in steps(sos, volunteer, make_request()):
        assert client.post(url, data).status_code == 302


@pytest.mark.parametrize("who", ["venue_owner_client", "citizen_client", "bus_operator_client", "guard_client"])
def test_roles_that_are_not_health_staff_are_refused(request: Any, who: str, sos: HelpRequest, volunteer) -> None:
    client = request.getfixturevalue(who)

    for url in [*pages(sos, volunteer), reverse("relief:staff_list"), reverse("relief:roster")]:
        assert client.get(url).status_code == 403, url


def test_opening_a_request_a_volunteer_or_an_export_is_audit_logged(
    insider_client: Client, sos: HelpRequest, volunteer
) -> None:
    insider_client.get(reverse("relief:staff_detail", args=[sos.pk]))
    insider_client.get(reverse("relief:roster_detail", args=[volunteer.pk]))
    insider_client.get(reverse("relief:staff_export", args=["xlsx"]))
    insider_client.get(reverse("relief:roster"))

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"relief.sos_view", "relief.volunteer_view", "relief.sos_export", "relief.volunteer_list"} <= actions


def test_the_list_filters_by_status_type_and_ward(cdc_client: Client) -> None:
    food = make_request(kind="food")
    done = make_request(kind="oxygen", status=HelpStatus.DONE)
    theirs = make_request(kind="rescue", ward=home_ward(1))

    def rows(query: str) -> set[HelpRequest]:
        return set(cdc_client.get(reverse("relief:staff_list") + query).context["rows"])

    assert rows("") == {food, theirs}  # the open ones by default
    assert rows("?status=all") == {food, done, theirs}
    assert rows("?status=done") == {done}
    assert rows("?status=all&kind=oxygen") == {done}
    assert rows(f"?ward={home_ward(1).code}") == {theirs}
