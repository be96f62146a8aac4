"""Bad input to the tracing API, pages and services: a 4xx or a form message in the error
envelope, never a 500, and nothing half-written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from contacts.models import Case, LabResult, ManualContact, ProximityContact
from contacts.services import CaseInput, case_open, lab_result_add, manual_contact_add
from tests.contacts.conftest import T0
from tests.contacts.test_cases_api import body
from tests.contacts.test_proximity import contact, phone, traced, upload  # noqa: F401 (fixtures)
from tests.factories import PersonFactory, home_ward
from truyvet.lib.errors import DomainError

pytestmark = pytest.mark.django_db

ODD_TIMES = [
    "0001-01-01T00:00:00+00:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59+00:00",
    "9999-12-31T23:59:59-14:00",
    "2018-12-31T23:59:00+07:00",
]
ODD_DAYS = ["0001-01-01", "9999-12-31", "2018-12-31"]


def assert_envelope(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.content
    answer = response.json()
    assert set(answer) == {"code", "detail", "errors"}
    return answer


@pytest.mark.parametrize(
    ("field", "value"),
    [("confirmed_at", t) for t in ODD_TIMES]
    + [("isolated_at", t) for t in ODD_TIMES]
    + [("onset_date", d) for d in ODD_DAYS]
    + [("sample_date", d) for d in ODD_DAYS],
)
def test_a_case_dated_outside_sane_bounds_is_a_400_and_nothing_is_written(
    cdc_api: Client,
    django_capture_on_commit_callbacks: Any,
    field: str,
    value: str,
) -> None:
    person = PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = cdc_api.post("/api/v1/cases/", body(person, **{field: value}), content_type="application/json")
    answer = assert_envelope(response)
    assert field in answer["errors"]
    assert not Case.objects.exists()
    # The client corrects the date and is answered, not told the case exists.
    with django_capture_on_commit_callbacks(execute=True):
        again = cdc_api.post("/api/v1/cases/", body(person), content_type="application/json")
    assert again.status_code == 201, again.content
    assert Case.objects.get().matching == "done"


@pytest.mark.parametrize("person_id", [2**63, 2**31, -1, "1" * 5000])
def test_a_person_id_too_large_for_the_database_is_a_400(
    cdc_api: Client,
    person_id: Any,
) -> None:
    response = cdc_api.post(
        "/api/v1/cases/", {**body(PersonFactory()), "person_id": person_id}, content_type="application/json"
    )
    assert "person_id" in assert_envelope(response)["errors"]


def test_exposure_paging_and_case_ids_too_large_for_the_database_are_4xx(
    cdc_api: Client,
    make_case: Callable[..., Case],
) -> None:
    case = make_case()
    for after in ("9223372036854775808", "-1", "١٢", "1e3"):
        response = cdc_api.get(f"/api/v1/cases/{case.pk}/exposures/", {"after": after})
        assert "after" in assert_envelope(response)["errors"], after
    for level in ("9223372036854775808", "0"):
        assert_envelope(cdc_api.get(f"/api/v1/cases/{case.pk}/exposures/", {"level": level}))
    assert_envelope(cdc_api.get(f"/api/v1/cases/{2**63}/exposures/"), 404)


@pytest.mark.parametrize("day", [date(1, 1, 1), date(2018, 12, 31), date(9999, 12, 31)])
def test_the_tracing_services_refuse_days_outside_sane_bounds(make_case: Callable[..., Case], day: date) -> None:
    case = make_case()
    with pytest.raises(DomainError) as refused:
        lab_result_add(user=None, case=case, sample_date=day)
    assert refused.value.code in {"too_early", "in_future"}
    with pytest.raises(DomainError):
        lab_result_add(user=None, case=case, sample_date=T0.date(), result_date=day)
    with pytest.raises(DomainError):
        manual_contact_add(user=None, case=case, full_name="Giàng A Páo", phone="0911222333", contact_date=day)
    with pytest.raises(DomainError):
        case_open(user=None, person=PersonFactory(), data=CaseInput(confirmed_at=T0, onset_date=day))
    assert not LabResult.objects.exists() and not ManualContact.objects.exists()
    assert Case.objects.count() == 1


@pytest.mark.parametrize("name", ["Giàng A\u202e Páo", "Giàng\u200b A Páo", "\ufeffGiàng A Páo", "Giàng\x07 A"])
def test_a_contact_name_with_invisible_characters_is_refused_with_a_message(
    make_case: Callable[..., Case], name: str
) -> None:
    with pytest.raises(DomainError) as refused:
        manual_contact_add(user=None, case=make_case(), full_name=name, phone="0911222333", contact_date=T0.date())
    assert refused.value.code == "invalid_characters"
    assert "full_name" in refused.value.errors
    assert not ManualContact.objects.exists()


def test_the_case_and_contact_forms_answer_a_year_one_date_with_a_message(
    insider_client: Client, make_case: Callable[..., Case]
) -> None:
    case = make_case(PersonFactory(ward=home_ward(0)))
    response = insider_client.post(
        reverse("contacts:case_manual_contact", args=[case.pk]),
        {
            "contact-full_name": "Vàng Thị Ba",
            "contact-phone": "0912 777 888",
            "contact-contact_date": "0001-01-01",
            "contact-setting": "household",
            "contact-source": case.person_id,
        },
    )
    assert response.status_code == 400
    assert "2019-01-01" in response.content.decode()
    assert not ManualContact.objects.exists()
    response = insider_client.post(
        reverse("contacts:case_lab_result", args=[case.pk]),
        {"lab-test_type": "rt_pcr", "lab-sample_date": "0001-01-01", "lab-result": "pending"},
    )
    assert response.status_code < 500
    assert not LabResult.objects.exists()
    response = insider_client.get(reverse("contacts:case_list"), {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert response.status_code == 200


ODD_VALUES: list[Any] = [
    "0\udfff12",
    2**63,
    -(2**63),
    10**300,
    1.5,
    True,
    None,
    [],
    {"a": 1},
    "x" * 10_000,
    *ODD_TIMES,
]


@pytest.mark.parametrize("field", ["device_id", "first_seen", "last_seen", "min_distance_m"])
def test_an_odd_value_in_an_uploaded_encounter_is_a_400_and_nothing_is_written(
    client: Client,
    traced: dict[str, Any],  # noqa: F811
    field: str,
) -> None:
    for value in [v for v in ODD_VALUES if v != 1.5]:  # 1.5 m is a fine distance
        encounter = {**contact(traced["other"].device_id), field: value}
        answer = assert_envelope(upload(client, traced, [encounter]))
        assert any(key.startswith("contacts") for key in answer["errors"]), (field, value)
    assert not ProximityContact.objects.exists()


@pytest.mark.parametrize("field", ["device_id", "upload_code", "contacts"])
def test_an_odd_value_in_an_upload_is_a_4xx(
    client: Client,
    traced: dict[str, Any],  # noqa: F811
    field: str,
) -> None:
    for value in [v for v in ODD_VALUES if v not in (None, [])]:  # an empty log is fine
        response = upload(client, traced, **{field: value})
        assert 400 <= response.status_code < 500, (field, value, response.content)
        assert_envelope(response, response.status_code)
    assert not ProximityContact.objects.exists()
