"""The API of reactions after vaccination and of coverage."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import home_ward
from tests.vaccination.conftest import dose_in
from truyvet.accounts.models import User
from truyvet.people.models import Person
from vaccination.models import Dose, Reaction, Site
from vaccination.services import dose_record

pytestmark = pytest.mark.django_db
URL = "/api/v1/vaccination/reactions/"


@pytest.fixture
def dose(person: Person, site: Site, vaccinator: User) -> Dose:
    return dose_record(user=vaccinator, data=dose_in(person, site))


def body(dose: Dose, **changes: Any) -> str:
    onset = timezone.make_aware(datetime.combine(dose.administered_on, time(9, 0))) + timedelta(days=1)
    values: dict[str, Any] = {"dose_id": dose.pk, "kinds": ["fever"], "onset_at": onset.isoformat(),
                              "outcome": "recovered"}  # fmt: skip
    values.update(changes)
    return json.dumps(values)


def test_a_vaccinator_reports_a_reaction_and_a_retry_writes_nothing(vaccinator_client: Client, dose: Dose) -> None:
    key = str(uuid.uuid4())
    first = vaccinator_client.post(URL, body(dose, client_id=key), content_type="application/json")
    again = vaccinator_client.post(URL, body(dose, client_id=key), content_type="application/json")
    assert first.status_code == 201 and first.json() == again.json() and Reaction.objects.count() == 1


def test_a_broken_rule_answers_its_code(vaccinator_client: Client, dose: Dose) -> None:
    response = vaccinator_client.post(URL, body(dose, serious=True), content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "serious_reason_required"
    late = (dose.administered_on - timedelta(days=3)).isoformat() + "T08:00:00+07:00"
    response = vaccinator_client.post(URL, body(dose, onset_at=late), content_type="application/json")
    assert response.json()["code"] == "onset_before_vaccination"


def test_outsiders_get_404_and_visitors_401(outsider_client: Client, citizen_client: Client, client: Client,
                                            dose: Dose) -> None:  # fmt: skip
    assert outsider_client.post(URL, body(dose), content_type="application/json").status_code == 404
    assert citizen_client.post(URL, body(dose), content_type="application/json").status_code == 404
    assert client.post(URL, body(dose), content_type="application/json").status_code in {401, 403}
    assert not Reaction.objects.exists()


def test_coverage_answers_the_callers_wards(centre_client: Client, outsider_client: Client, client: Client,
                                           vaccinator_client: Client, dose: Dose) -> None:  # fmt: skip
    answer = centre_client.get("/api/v1/vaccination/coverage/").json()
    wards = {w["ward_code"]: w for w in answer["wards"]}
    assert set(wards) == {home_ward(0).code, home_ward(1).code}
    assert wards[home_ward(0).code]["in_target"]["one_dose"] == 1
    assert answer["doses"] == [{"product": "EU/1/20/1528", "dose_number": 1, "doses": 1}]
    outside = outsider_client.get("/api/v1/vaccination/coverage/", {"ward_code": home_ward(0).code})
    assert outside.status_code == 400 and outside.json()["code"] == "unknown_ward"
    assert outsider_client.get("/api/v1/vaccination/coverage/", {"ward_code": "null"}).json()["code"] == "unknown_ward"
    empty_day = centre_client.get("/api/v1/vaccination/coverage/", {"day": ""})
    assert empty_day.status_code == 400 and empty_day.json()["errors"] == {"day": [empty_day.json()["detail"]]}
    assert vaccinator_client.get("/api/v1/vaccination/coverage/").status_code == 403
    assert client.get("/api/v1/vaccination/coverage/").status_code in {401, 403}
