"""The demo province's safety map: every type and every status, the demo manager's several
facilities, reports to moderate; a re-run adds nothing."""

from __future__ import annotations

import io

from safetymap.models import Assessment, Facility, FacilityType, Report, SafetyStatus
from safetymap.selectors import MapFilter, map_geojson, shown_status_of
from truyvet.accounts.models import User


def test_the_demo_has_every_type_and_status_and_is_idempotent(db: None) -> None:
    from truyvet.accounts import demo as accounts_demo

    accounts_demo.seed({}, io.StringIO())
    from safetymap import demo

    demo.seed({"facilities": 60, "facility_days": 7, "facility_reports": 12}, io.StringIO())
    facilities = list(Facility.objects.all())
    assert len(facilities) == 60
    assert {f.type for f in facilities} == set(FacilityType.values)
    assert {shown_status_of(f) for f in facilities} == set(SafetyStatus.values)
    manager = User.objects.get(username="facility")
    assert manager.managed_facilities.count() == 6
    assert Report.objects.count() == 12
    assessments = Assessment.objects.count()
    assert assessments > 250
    demo.seed({"facilities": 60, "facility_days": 7, "facility_reports": 12}, io.StringIO())
    assert (Facility.objects.count(), Assessment.objects.count(), Report.objects.count()) == (60, assessments, 12)
    assert len(map_geojson(MapFilter())) > 1000
