"""The demo's help requests, volunteers and teams (``make run``): every type and status, the
map alive, and a second run adds nothing."""

from __future__ import annotations

import io

import pytest

from relief import demo
from relief.models import HelpKind, HelpRequest, HelpStatus, Team, Volunteer
from relief.selectors import assignments_of, sos_map_features

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_type_and_status_and_a_second_run_adds_nothing() -> None:
    out = io.StringIO()
    demo.seed({"sos": 40}, out)
    demo.seed({"sos": 40}, out)

    assert HelpRequest.objects.count() == 40
    assert set(HelpRequest.objects.values_list("kind", flat=True)) == set(HelpKind.values)
    assert set(HelpRequest.objects.values_list("status", flat=True)) == set(HelpStatus.values)
    assert Volunteer.objects.count() == len(demo.VOLUNTEERS) and Team.objects.count() == 2
    assert 0 < len(sos_map_features()) < 40  # old done ones have left the map
    assert all(sos.events.exists() for sos in HelpRequest.objects.all())
    assert "0700000001" in out.getvalue()


def test_the_demo_volunteer_has_open_assignments_in_the_demo_stations_commune() -> None:
    demo.seed({"sos": 40}, io.StringIO())

    volunteer = Volunteer.objects.get(phone=demo.DEMO_VOLUNTEER_PHONE)
    open_ones = [s for s in assignments_of(volunteer) if s.is_open]
    assert open_ones and {s.ward_id for s in open_ones} <= {w.code for w in volunteer.wards.all()}
