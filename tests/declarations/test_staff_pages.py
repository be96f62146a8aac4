"""Health staff pages for declarations: who may open them, what they show, how the list
filters, searches and pages, what it costs in queries, and what goes to the audit log."""

from __future__ import annotations

import html
import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from declarations.models import Declaration
from tests.factories import HealthUnitFactory, PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.credentials.models import QrCredential
from truyvet.lib.models import AuditEvent
from truyvet.people.models import Person, PersonHistory

pytestmark = pytest.mark.django_db

OLDER = re.compile(r'href="(\?[^"]*before=[^"]*)"')


def declare(person: Person, **fields: Any) -> Declaration:
    """A declaration made straight in the table, in the person's ward."""
    values: dict[str, Any] = {"kind": "daily", "risk_level": "green", "risk_reasons": []}
    values.update(fields)
    return Declaration.objects.create(person=person, ward=person.ward, **values)


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def hoa() -> Person:
    return PersonFactory(
        full_name="Đặng Thị Hoa",
        id_number="012190000002",
        phone="+84912000002",
        gender="female",
        ward=home_ward(0),
        address="Bản Nà Lại, nhà 12",
    )


@pytest.fixture
def chu() -> Person:
    return PersonFactory(full_name="Sùng A Chư", id_number="012090000003", phone="+84912000003", ward=home_ward(1))


@pytest.fixture
def mine(hoa: Person) -> Declaration:
    return declare(
        hoa,
        risk_level="yellow",
        risk_reasons=["case_contact", "abroad_14d"],
        symptoms=["cough", "taste_smell"],
        has_symptoms=True,
        case_contact=True,
        abroad_14d=True,
    )


@pytest.fixture
def theirs(chu: Person) -> Declaration:
    return declare(chu, risk_level="red", risk_reasons=["current_case"])


def _pages(declaration: Declaration) -> list[tuple[str, str]]:
    return [
        ("get", reverse("declarations:staff_list")),
        ("get", reverse("declarations:staff_stats")),
        ("get", reverse("declarations:staff_detail", args=[declaration.pk])),
        ("get", reverse("declarations:staff_export", args=["csv"])),
        ("get", reverse("declarations:staff_export", args=["xlsx"])),
        ("post", reverse("declarations:staff_qr_revoke", args=[declaration.person_id])),
    ]


# Who may open the pages


def test_anonymous_visitors_are_sent_to_sign_in_from_every_staff_page(client: Client, mine: Declaration) -> None:
    for method, url in _pages(mine):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login") + "?next="), url


@pytest.mark.parametrize(
    "role", [Role.VENUE_OWNER, Role.CHECKPOINT_STAFF, Role.BUS_OPERATOR, Role.VACCINATION_STAFF, Role.CITIZEN]
)
def test_users_without_a_health_role_get_403_on_every_staff_page(client: Client, mine: Declaration, role: str) -> None:
    client.force_login(UserFactory(role=role))
    for method, url in _pages(mine):
        assert getattr(client, method)(url).status_code == 403, url
    assert QrCredential.objects.filter(revoked_at__isnull=False).count() == 0


def test_a_venue_owner_is_refused_even_with_a_unit_covering_the_ward(client: Client, mine: Declaration) -> None:
    unit = HealthUnitFactory(wards=[home_ward(0)])
    client.force_login(UserFactory(role=Role.VENUE_OWNER, health_unit=unit))
    assert client.get(reverse("declarations:staff_detail", args=[mine.pk])).status_code == 403


def test_an_insider_opens_the_list_and_sees_the_row(insider_client: Client, mine: Declaration) -> None:
    response = insider_client.get(reverse("declarations:staff_list"))
    assert response.status_code == 200
    assert "Đặng Thị Hoa" in response.content.decode()
    assert reverse("declarations:staff_detail", args=[mine.pk]) in response.content.decode()


def test_an_outsider_does_not_see_the_row_in_the_list(
    outsider_client: Client, mine: Declaration, theirs: Declaration
) -> None:
    page = outsider_client.get(reverse("declarations:staff_list")).content.decode()
    assert "Sùng A Chư" in page
    assert "Đặng Thị Hoa" not in page


def test_an_outsider_cannot_reach_the_row_by_filtering_on_its_ward(outsider_client: Client, mine: Declaration) -> None:
    response = outsider_client.get(reverse("declarations:staff_list"), {"ward": home_ward(0).code})
    assert response.status_code == 200 and "Đặng Thị Hoa" not in response.content.decode()
    assert response.context["rows"] == []


def test_the_ward_filter_offers_only_the_wards_of_the_users_jurisdiction(insider_client: Client) -> None:
    form = insider_client.get(reverse("declarations:staff_list")).context["form"]
    codes = [code for code, _label in form.fields["ward"].choices if code]
    assert codes == [str(home_ward(0).code)]


def test_an_outsider_gets_404_on_the_detail_page_of_another_ward(
    outsider_client: Client, outsider: User, mine: Declaration
) -> None:
    assert outsider_client.get(reverse("declarations:staff_detail", args=[mine.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="declaration.view").exists()


def test_a_missing_declaration_is_404_for_an_insider(insider_client: Client) -> None:
    assert insider_client.get(reverse("declarations:staff_detail", args=[987654])).status_code == 404


def test_a_health_role_without_a_unit_sees_nothing(client: Client, mine: Declaration) -> None:
    client.force_login(UserFactory(role=Role.HEALTH_CENTRE, health_unit=None))
    assert client.get(reverse("declarations:staff_list")).context["rows"] == []
    assert client.get(reverse("declarations:staff_detail", args=[mine.pk])).status_code == 404


def test_the_province_cdc_sees_every_ward_of_the_province(
    cdc_client: Client, mine: Declaration, theirs: Declaration
) -> None:
    page = cdc_client.get(reverse("declarations:staff_list")).content.decode()
    assert "Đặng Thị Hoa" in page and "Sùng A Chư" in page


@pytest.mark.parametrize("who", ["administrator", "superuser"])
def test_administrators_and_superusers_see_every_declaration(
    client: Client, mine: Declaration, theirs: Declaration, who: str
) -> None:
    user = UserFactory(role=Role.ADMINISTRATOR) if who == "administrator" else UserFactory(is_superuser=True)
    client.force_login(user)
    page = client.get(reverse("declarations:staff_list")).content.decode()
    assert "Đặng Thị Hoa" in page and "Sùng A Chư" in page
    assert client.get(reverse("declarations:staff_detail", args=[theirs.pk])).status_code == 200


# The list: filters, search, pages


def _names(client: Client, **query: Any) -> list[str]:
    response = client.get(reverse("declarations:staff_list"), query)
    assert response.status_code == 200
    return [d.person.full_name for d in response.context["rows"]]


def test_the_kind_filter_keeps_only_that_kind(insider_client: Client, hoa: Person) -> None:
    declare(hoa, kind="entry", port_of_entry="Nội Bài")
    declare(PersonFactory(full_name="Lò Văn Pành"), kind="daily")
    assert _names(insider_client, kind="entry") == ["Đặng Thị Hoa"]
    assert _names(insider_client, kind="domestic") == []


def test_the_risk_filter_keeps_only_that_level(insider_client: Client, mine: Declaration) -> None:
    declare(PersonFactory(full_name="Lò Văn Pành"), risk_level="red", risk_reasons=["current_case"])
    assert _names(insider_client, risk_level="red") == ["Lò Văn Pành"]
    assert _names(insider_client, risk_level="yellow") == ["Đặng Thị Hoa"]
    assert _names(insider_client, risk_level="green") == []


def test_the_ward_filter_keeps_only_that_ward(centre_client: Client, mine: Declaration, theirs: Declaration) -> None:
    assert _names(centre_client, ward=home_ward(1).code) == ["Sùng A Chư"]
    assert sorted(_names(centre_client)) == ["Sùng A Chư", "Đặng Thị Hoa"]


def test_the_date_filters_are_inclusive_local_days(insider_client: Client, hoa: Person) -> None:
    today = timezone.localdate()
    for days_ago, name in [(0, "Hôm Nay"), (3, "Ba Ngày Trước"), (10, "Mười Ngày Trước")]:
        d = declare(PersonFactory(full_name=name))
        Declaration.objects.filter(pk=d.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    window = {"date_from": (today - timedelta(days=5)).isoformat(), "date_to": (today - timedelta(days=1)).isoformat()}
    assert _names(insider_client, **window) == ["Ba Ngày Trước"]
    assert _names(insider_client, date_from=today.isoformat()) == ["Hôm Nay"]
    assert _names(insider_client, date_to=(today - timedelta(days=10)).isoformat()) == ["Mười Ngày Trước"]


def test_a_declaration_just_after_local_midnight_counts_for_that_local_day(insider_client: Client) -> None:
    local_midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    d = declare(PersonFactory(full_name="Sau Nửa Đêm"))
    Declaration.objects.filter(pk=d.pk).update(created_at=local_midnight + timedelta(minutes=5))
    assert _names(insider_client, date_from=timezone.localdate().isoformat()) == ["Sau Nửa Đêm"]
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert _names(insider_client, date_to=yesterday) == []


def test_invalid_filters_are_ignored_rather_than_an_error(insider_client: Client, mine: Declaration) -> None:
    assert _names(insider_client, kind="nonsense", date_from="not-a-date", ward="abc") == ["Đặng Thị Hoa"]


@pytest.mark.parametrize(
    "q",
    ["012190000002", "0912000002", "0912 000 002", "+84912000002", "dang thi", "Đặng Thị", "DANG", "dang thi hoa"],
)
def test_each_kind_of_search_finds_the_person(insider_client: Client, mine: Declaration, q: str) -> None:
    declare(PersonFactory(full_name="Lò Văn Pành", id_number="012090000009", phone="+84912000009"))
    assert _names(insider_client, q=q) == ["Đặng Thị Hoa"]


@pytest.mark.parametrize("q", ["012190000003", "0912000009", "thi hoa", "hoa", "Hoàng"])
def test_a_search_matches_whole_ids_phones_and_the_start_of_the_name_only(
    insider_client: Client, mine: Declaration, q: str
) -> None:
    assert _names(insider_client, q=q) == []


def test_a_passport_search_finds_a_foreign_arrival(insider_client: Client, mine: Declaration) -> None:
    john = PersonFactory(full_name="John Smith", id_number=None, passport_number="C1234567", nationality="US")
    declare(john, kind="entry")
    assert _names(insider_client, q="c1234567") == ["John Smith"]


def test_filters_and_search_combine(insider_client: Client, mine: Declaration, hoa: Person) -> None:
    declare(hoa, kind="entry", risk_level="green")
    assert len(_names(insider_client, q="dang", kind="entry")) == 1
    assert _names(insider_client, q="dang", kind="entry", risk_level="yellow") == []


def _many(n: int, *, ward_index: int = 0, **fields: Any) -> list[Declaration]:
    people = [PersonFactory(ward=home_ward(ward_index)) for _ in range(n)]
    values: dict[str, Any] = {"kind": "daily", "risk_level": "green", "risk_reasons": []}
    values.update(fields)
    return Declaration.objects.bulk_create([Declaration(person=p, ward=p.ward, **values) for p in people])


def test_the_older_link_walks_every_row_once_keeping_the_filters(insider_client: Client) -> None:
    yellow = _many(120, risk_level="yellow", risk_reasons=["symptoms"])
    _many(30, risk_level="green")
    # Ties on the time, within and across pages, are broken by id.
    stamp = timezone.now() - timedelta(hours=1)
    Declaration.objects.filter(pk__in=[d.pk for d in yellow[40:70]]).update(created_at=stamp)
    url = reverse("declarations:staff_list") + "?risk_level=yellow"
    seen: list[int] = []
    pages = 0
    while url:
        response = insider_client.get(url)
        rows = response.context["rows"]
        assert len(rows) <= 50 and all(d.risk_level == "yellow" for d in rows)
        seen += [d.pk for d in rows]
        pages += 1
        links = OLDER.findall(response.content.decode())
        if links:
            assert "risk_level=yellow" in links[0]
            url = reverse("declarations:staff_list") + html.unescape(links[0])
        else:
            url = ""
    assert pages == 3
    assert len(seen) == len(set(seen)) == 120
    assert seen == list(
        Declaration.objects.filter(risk_level="yellow").order_by("-created_at", "-id").values_list("pk", flat=True)
    )


def test_exactly_one_full_page_has_no_older_link(insider_client: Client) -> None:
    _many(50)
    response = insider_client.get(reverse("declarations:staff_list"))
    assert len(response.context["rows"]) == 50 and response.context["cursor"] == ""
    assert not OLDER.findall(response.content.decode())


@pytest.mark.parametrize("before", ["garbage", "|", "2026-01-01T00:00:00+07:00|x", "x|12", "2026-13-45|1"])
def test_a_malformed_cursor_shows_the_first_page(insider_client: Client, mine: Declaration, before: str) -> None:
    assert _names(insider_client, before=before) == ["Đặng Thị Hoa"]


def test_the_list_never_counts_the_whole_set_nor_skips_with_offset(insider_client: Client, mine: Declaration) -> None:
    with CaptureQueriesContext(connection) as captured:
        insider_client.get(reverse("declarations:staff_list"), {"q": "dang", "risk_level": "yellow"})
    assert not [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [q["sql"] for q in captured.captured_queries if " OFFSET " in q["sql"].upper()]


def test_the_list_takes_the_same_few_queries_for_5_rows_and_for_a_full_page(
    insider_client: Client, django_assert_max_num_queries: Any
) -> None:
    # session, user, unit, wards of the filter form, one page of rows, one audit insert
    _many(5, risk_level="yellow", risk_reasons=["symptoms", "case_contact"])
    with CaptureQueriesContext(connection) as small:
        insider_client.get(reverse("declarations:staff_list"))
    _many(80, risk_level="red", risk_reasons=["current_case"])
    with django_assert_max_num_queries(6), CaptureQueriesContext(connection) as full:
        response = insider_client.get(reverse("declarations:staff_list"), {"q": "nguyen", "risk_level": "red"})
    assert len(response.context["rows"]) == 50
    assert len(small) == len(full)


def test_the_older_page_takes_no_more_queries_than_the_first(
    insider_client: Client, django_assert_max_num_queries: Any
) -> None:
    _many(120)
    cursor = insider_client.get(reverse("declarations:staff_list")).context["cursor"]
    with django_assert_max_num_queries(6):
        response = insider_client.get(reverse("declarations:staff_list"), {"before": cursor})
    assert len(response.context["rows"]) == 50


def test_the_list_shows_the_risk_badge_the_kind_and_the_reasons(insider_client: Client, mine: Declaration) -> None:
    page = english(insider_client).get(reverse("declarations:staff_list")).content.decode()
    assert 'class="badge risk-yellow"' in page
    assert "Daily declaration" in page
    assert "contact with a case, " in page and "arrived from abroad within 14 days" in page
    assert home_ward(0).name in page


# Audit


def test_each_list_view_writes_one_audit_event_with_the_filters_and_row_count(
    insider_client: Client, insider: User
) -> None:
    _many(70, risk_level="yellow")
    insider_client.get(reverse("declarations:staff_list"), {"risk_level": "yellow", "q": "nguyen"})
    events = list(AuditEvent.objects.filter(action="declaration.list"))
    assert len(events) == 1
    event = events[0]
    assert event.actor == insider and event.actor_label == "insider" and event.ip == "127.0.0.1"
    assert event.detail["rows"] == 50
    assert event.detail["filters"] == {"risk_level": "yellow", "search": "nguyen"}
    assert AuditEvent.objects.count() == 1  # not one per row


def test_refused_and_anonymous_list_views_are_not_audited(client: Client, venue_owner_client: Client) -> None:
    client.get(reverse("declarations:staff_list"))
    venue_owner_client.get(reverse("declarations:staff_list"))
    assert not AuditEvent.objects.exists()


# The detail page


def test_the_detail_shows_the_declaration_in_readable_form(insider_client: Client, mine: Declaration) -> None:
    page = english(insider_client).get(reverse("declarations:staff_detail", args=[mine.pk])).content.decode()
    for text in [
        "Đặng Thị Hoa",
        "012190000002",
        "17/05/1990",
        "+84912000002",
        "Bản Nà Lại, nhà 12",
        home_ward(0).name,
        "Daily declaration",
        "Cough",
        "Loss of taste or smell",
        "contact with a case",
        "arrived from abroad within 14 days",
        'class="badge risk-yellow"',
    ]:
        assert text in page, text
    assert "taste_smell" not in page and "abroad_14d" not in page


def test_the_detail_of_an_entry_shows_the_journey(insider_client: Client) -> None:
    john = PersonFactory(full_name="John Smith", id_number=None, passport_number="C1234567", nationality="US")
    d = declare(
        john,
        kind="entry",
        port_of_entry="Nội Bài",
        flight_number="VN55",
        seat="12A",
        countries_visited=["US", "JP"],
        quarantine_address="Khách sạn Mường Thanh",
    )
    page = english(insider_client).get(reverse("declarations:staff_detail", args=[d.pk])).content.decode()
    for text in ["C1234567", "Nội Bài", "VN55", "12A", "US, JP", "Khách sạn Mường Thanh"]:
        assert text in page, text


def test_the_detail_lists_earlier_declarations_and_contact_details(
    insider_client: Client, hoa: Person, mine: Declaration
) -> None:
    for days in range(1, 25):
        d = declare(hoa, kind="daily")
        Declaration.objects.filter(pk=d.pk).update(created_at=timezone.now() - timedelta(days=days))
    PersonHistory.objects.create(person=hoa, field="phone", old_value="+84987000111", new_value=hoa.phone)
    response = insider_client.get(reverse("declarations:staff_detail", args=[mine.pk]))
    assert len(response.context["history"]) == 20
    assert "+84987000111" in response.content.decode()


def test_the_detail_view_is_audited_with_the_person(insider_client: Client, insider: User, mine: Declaration) -> None:
    insider_client.get(reverse("declarations:staff_detail", args=[mine.pk]))
    event = AuditEvent.objects.get(action="declaration.view")
    assert event.actor == insider and event.person_id == mine.person_id
    assert event.object_type == "declarations.declaration" and event.object_id == str(mine.pk)


def test_the_detail_offers_a_revoke_button_posting_back_to_the_page(insider_client: Client, mine: Declaration) -> None:
    page = insider_client.get(reverse("declarations:staff_detail", args=[mine.pk])).content.decode()
    assert f'action="{reverse("declarations:staff_qr_revoke", args=[mine.person_id])}"' in page
    assert f'name="next" value="{reverse("declarations:staff_detail", args=[mine.pk])}"' in page


# Revoking a QR code


@pytest.fixture
def credential(hoa: Person, mine: Declaration) -> QrCredential:
    now = timezone.now()
    return QrCredential.objects.create(
        person=hoa, issued_at=now, expires_at=now + timedelta(days=7), risk_level="yellow", declaration=mine
    )


def test_an_insider_revokes_a_qr_and_returns_to_the_detail(
    insider_client: Client, insider: User, mine: Declaration, credential: QrCredential
) -> None:
    detail = reverse("declarations:staff_detail", args=[mine.pk])
    url = reverse("declarations:staff_qr_revoke", args=[mine.person_id])
    response = insider_client.post(url, {"next": detail}, follow=True)
    assert response.redirect_chain == [(detail, 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    credential.refresh_from_db()
    assert credential.revoked_at is not None and credential.revoked_by == insider
    assert AuditEvent.objects.filter(action="qr.revoke", actor=insider, person_id=mine.person_id).count() == 1


def test_an_outsider_gets_404_revoking_a_qr_of_another_ward(
    outsider_client: Client, mine: Declaration, credential: QrCredential
) -> None:
    url = reverse("declarations:staff_qr_revoke", args=[mine.person_id])
    assert outsider_client.post(url).status_code == 404
    credential.refresh_from_db()
    assert credential.revoked_at is None


def test_revoking_is_post_only(insider_client: Client, mine: Declaration, credential: QrCredential) -> None:
    assert insider_client.get(reverse("declarations:staff_qr_revoke", args=[mine.person_id])).status_code == 405
    credential.refresh_from_db()
    assert credential.revoked_at is None


# Daily statistics


def test_the_statistics_default_to_the_last_14_days(insider_client: Client, hoa: Person) -> None:
    for days_ago in (0, 13, 14):
        d = declare(hoa, risk_level="red" if days_ago else "yellow")
        Declaration.objects.filter(pk=d.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    response = insider_client.get(reverse("declarations:staff_stats"))
    assert response.status_code == 200
    assert response.context["date_to"] == timezone.localdate()
    assert response.context["date_from"] == timezone.localdate() - timedelta(days=13)
    assert response.context["totals"] == {"total": 2, "yellow": 1, "red": 1}


def test_the_statistics_count_per_day_ward_and_kind_for_the_users_wards_only(
    insider_client: Client, hoa: Person, theirs: Declaration
) -> None:
    declare(hoa, kind="daily", risk_level="yellow")
    declare(hoa, kind="daily", risk_level="red")
    declare(hoa, kind="entry", risk_level="green")
    rows = insider_client.get(reverse("declarations:staff_stats")).context["rows"]
    by_kind = {r["kind"]: (r["ward__code"], r["total"], r["yellow"], r["red"]) for r in rows}
    assert by_kind == {"daily": (home_ward(0).code, 2, 1, 1), "entry": (home_ward(0).code, 1, 0, 0)}


def test_the_statistics_download_as_csv_for_the_chosen_range(insider_client: Client, hoa: Person) -> None:
    d = declare(hoa, risk_level="yellow")
    Declaration.objects.filter(pk=d.pk).update(created_at=timezone.now() - timedelta(days=30))
    day = (timezone.localdate() - timedelta(days=30)).isoformat()
    response = insider_client.get(
        reverse("declarations:staff_stats"), {"date_from": day, "date_to": day, "format": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "day,ward_code,ward,kind,total,yellow,red"
    assert lines[1:] == [f"{day},{home_ward(0).code},{home_ward(0).name},daily,1,1,0"]
