"""Coverage statistics on a small population whose numbers are known by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import PersonFactory, home_ward
from vaccination.coverage import coverage_of, ward_coverage_fractions
from vaccination.models import Dose, PriorityGroup, PriorityMembership, Site, TargetPopulation

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)


def born(age: int) -> date:
    return date(TODAY.year - age, 1, 1)


def give(person_id: int, site: Site, number: int, total: int = 2, product: str = "EU/1/20/1528",
         days_ago: int = 100) -> None:  # fmt: skip
    Dose.objects.create(
        person_id=person_id, product=product, manufacturer="ORG-100030215", prophylaxis="1119349007",
        dose_number=number, total_doses=total, administered_on=TODAY - timedelta(days=days_ago - 30 * number),
        site=site,
    )  # fmt: skip


@pytest.fixture
def population(site: Site) -> dict[str, object]:
    """Ward A: 6 people. A child of 8 (no dose), a girl of 15 (one dose), adults of 30 (full
    series), 40 (one dose), 70 (full + booster, in a priority group), 55 (nothing, no dose).
    Ward B: 2 adults, one with one dose given at ward A's site. Someone with no ward."""
    a, b = home_ward(0), home_ward(1)
    people = {
        "child": PersonFactory(ward=a, date_of_birth=born(8)),
        "teen": PersonFactory(ward=a, date_of_birth=born(15)),
        "thirty": PersonFactory(ward=a, date_of_birth=born(30)),
        "forty": PersonFactory(ward=a, date_of_birth=born(40)),
        "seventy": PersonFactory(ward=a, date_of_birth=born(70)),
        "fiftyfive": PersonFactory(ward=a, date_of_birth=born(55)),
        "b1": PersonFactory(ward=b, date_of_birth=born(25)),
        "b2": PersonFactory(ward=b, date_of_birth=born(45)),
        "nowhere": PersonFactory(ward=None, date_of_birth=born(33)),
    }
    give(people["teen"].pk, site, 1)
    give(people["thirty"].pk, site, 1)
    give(people["thirty"].pk, site, 2)
    give(people["forty"].pk, site, 1, product="EU/1/21/1529")
    give(people["seventy"].pk, site, 1)
    give(people["seventy"].pk, site, 2)
    give(people["seventy"].pk, site, 3)
    give(people["b1"].pk, site, 1)
    give(people["nowhere"].pk, site, 1)
    elderly = PriorityGroup.objects.order_by("order").first()
    assert elderly is not None
    PriorityMembership.objects.create(person=people["seventy"], group=elderly)
    PriorityMembership.objects.create(person=people["fiftyfive"], group=elderly)
    return {"people": people, "group": elderly}


def test_coverage_counts_the_target_ages_of_each_ward(population: dict[str, object], settings: object) -> None:
    coverage = coverage_of([home_ward(0).code, home_ward(1).code], TODAY)
    a, b = (next(w for w in coverage.wards if w.ward_code == home_ward(i).code) for i in (0, 1))
    # Ward A: 18+ are thirty, forty, seventy, fiftyfive.
    assert a.target == 4 and a.target_source == "registered"
    assert (a.in_target.one_dose, a.in_target.full_series, a.in_target.booster) == (3, 2, 1)
    assert a.coverage_one == Decimal("0.75") and a.coverage_full == Decimal("0.5")
    assert a.people == 6
    assert a.by_age["0-11"].people == 1 and a.by_age["0-11"].one_dose == 0
    assert a.by_age["12-17"].one_dose == 1
    assert a.by_age["65+"].booster == 1
    assert (b.target, b.in_target.one_dose, b.in_target.full_series) == (2, 1, 0)


def test_doses_are_counted_by_product_and_number(population: dict[str, object]) -> None:
    coverage = coverage_of([home_ward(0).code, home_ward(1).code], TODAY)
    # The person with no ward is in no ward's figures.
    assert coverage.doses == [("EU/1/20/1528", 1, 4), ("EU/1/20/1528", 2, 2), ("EU/1/20/1528", 3, 1),
                              ("EU/1/21/1529", 1, 1)]  # fmt: skip


def test_priority_groups_count_their_members(population: dict[str, object]) -> None:
    coverage = coverage_of([home_ward(0).code], TODAY)
    counts = {g.pk: c for g, c in coverage.groups}[population["group"].pk]  # type: ignore[attr-defined]
    assert (counts.people, counts.one_dose, counts.full_series, counts.booster) == (2, 1, 1, 1)


def test_an_entered_target_population_replaces_the_count(population: dict[str, object]) -> None:
    TargetPopulation.objects.create(ward=home_ward(0), population=10)
    ward = coverage_of([home_ward(0).code], TODAY, with_details=False).wards[0]
    assert ward.target == 10 and ward.target_source == "entered" and ward.coverage_full == Decimal("0.2")


def test_a_minimum_age_of_12_brings_the_teenagers_in(population: dict[str, object], settings: object) -> None:
    settings.VACCINATION_COVERAGE_MIN_AGE = 12  # type: ignore[attr-defined]
    ward = coverage_of([home_ward(0).code], TODAY).wards[0]
    assert ward.target == 5 and ward.in_target.one_dose == 4


def test_a_minimum_age_inside_a_band_splits_it(population: dict[str, object], settings: object) -> None:
    settings.VACCINATION_COVERAGE_MIN_AGE = 16  # type: ignore[attr-defined]
    ward = coverage_of([home_ward(0).code], TODAY).wards[0]
    assert ward.target == 4  # the girl is 15 on the day (born 1 January 2011)


def test_doses_after_the_day_are_not_counted(population: dict[str, object]) -> None:
    early = TODAY - timedelta(days=100)
    ward = coverage_of([home_ward(0).code], early, with_details=False).wards[0]
    assert ward.in_target.one_dose == 0


def test_the_operations_map_reads_the_full_series_share(population: dict[str, object]) -> None:
    assert ward_coverage_fractions([home_ward(0).code], TODAY) == {home_ward(0).code: Decimal("0.5")}


def test_the_coverage_page_shows_the_centres_wards_and_exports(
    population: dict[str, object], centre_client: Client
) -> None:
    page = centre_client.get("/vaccination/coverage/", {"day": TODAY.isoformat()})
    assert page.status_code == 200
    assert page.context["total"].target == 6 and "<svg" in page.content.decode()
    csv = centre_client.get("/vaccination/coverage/", {"day": TODAY.isoformat(), "format": "csv"})
    text = b"".join(csv.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert f"{home_ward(0).code}," in text and ",18-49,2,2,1,0,4,registered" in text
    xlsx = centre_client.get("/vaccination/coverage/", {"day": TODAY.isoformat(), "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_station_sees_its_own_ward_only(population: dict[str, object], outsider_client: Client) -> None:
    page = outsider_client.get("/vaccination/coverage/", {"day": TODAY.isoformat()})
    assert [w.ward_code for w in page.context["coverage"].wards] == [home_ward(1).code]
    assert outsider_client.get("/vaccination/coverage/", {"ward": home_ward(0).code}).status_code == 404


def test_the_coverage_page_is_for_health_staff(client: Client, vaccinator_client: Client, citizen_client: Client,
                                               db: None) -> None:  # fmt: skip
    assert client.get("/vaccination/coverage/").status_code == 302
    assert vaccinator_client.get("/vaccination/coverage/").status_code == 403
    assert citizen_client.get("/vaccination/coverage/").status_code == 403


def test_the_statistics_take_as_many_queries_for_one_ward_as_for_every_ward(
    population: dict[str, object], django_assert_max_num_queries: object
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    codes = [home_ward(i).code for i in range(6)]
    with CaptureQueriesContext(connection) as one:
        coverage_of(codes[:1], TODAY)
    with CaptureQueriesContext(connection) as every:
        coverage_of(codes, TODAY)
    assert len(one) == len(every) <= 7  # wards, summaries, 3 aggregates, targets, groups


def test_the_operations_map_shows_the_vaccination_panel(population: dict[str, object], client: Client) -> None:
    from django.core.cache import cache

    cache.clear()
    page = client.get("/operations/")
    panel = page.context["vaccination"]
    today = timezone.localdate()
    assert panel["day"] == today and panel["target"] >= 6
    assert "Dân số mục tiêu" in page.content.decode()


def test_the_ioc_feed_sends_each_wards_coverage_from_the_ward_days(site: Site) -> None:
    from ioc.feed import events_collect
    from ioc.models import IocEvent
    from operations.services import ward_days_store
    from vaccination.coverage import coverage_store

    yesterday = timezone.localdate() - timedelta(days=1)
    person = PersonFactory(ward=home_ward(0), date_of_birth=date(1990, 1, 1))
    for number in (1, 2):
        Dose.objects.create(person=person, product="EU/1/20/1528", manufacturer="ORG-100030215",
                            prophylaxis="1119349007", dose_number=number, total_doses=2, site=site,
                            administered_on=yesterday - timedelta(days=60 - 30 * number))  # fmt: skip
    ward_days_store(days=[yesterday])
    coverage_store(yesterday)
    events_collect()
    event = IocEvent.objects.get(
        type="vn.truyvet.ioc.vaccination.coverage.daily", subject__contains=f"/wards/{home_ward(0).code}/"
    )
    assert event.data["coverage"] == 1.0
    assert (event.data["target"], event.data["one_dose"], event.data["full_series"], event.data["booster"]) == (
        1,
        1,
        1,
        0,
    )


def test_stored_summaries_give_the_same_figures_in_a_few_queries(
    population: dict[str, object], django_assert_max_num_queries: object
) -> None:
    from vaccination.coverage import coverage_store

    codes = [home_ward(0).code, home_ward(1).code]
    live = coverage_of(codes, TODAY, live=True)
    assert coverage_store(TODAY) >= 2
    with django_assert_max_num_queries(4):  # type: ignore[operator]
        stored = coverage_of(codes, TODAY)
    assert stored.computed_at is not None and live.computed_at is None
    assert [(w.ward_code, w.target, w.in_target, w.by_age) for w in stored.wards] == [
        (w.ward_code, w.target, w.in_target, w.by_age) for w in live.wards
    ]
    assert stored.doses == live.doses
    assert [(g.pk, c) for g, c in stored.groups] == [(g.pk, c) for g, c in live.groups]


def test_a_stale_summary_is_not_read(population: dict[str, object]) -> None:
    from vaccination.coverage import coverage_store
    from vaccination.models import CoverageSummary

    today = timezone.localdate()
    coverage_store(today)
    CoverageSummary.objects.update(computed_at=timezone.now() - timedelta(hours=2))
    assert coverage_of([home_ward(0).code], today).computed_at is None


def test_an_entered_target_counts_at_once_over_a_summary(population: dict[str, object]) -> None:
    from vaccination.coverage import coverage_store

    coverage_store(TODAY)
    TargetPopulation.objects.create(ward=home_ward(0), population=8)
    ward = coverage_of([home_ward(0).code], TODAY).wards[0]
    assert ward.target == 8 and ward.coverage_full == Decimal("0.25")
