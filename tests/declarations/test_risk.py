from __future__ import annotations

import pytest
from django.utils import timezone

from declarations.risk import Answers, assess, raise_to_status
from tests.factories import home_ward
from truyvet.geo.models import OutbreakZone
from truyvet.people.status import PersonStatus

NOBODY = PersonStatus()


def level(answers: Answers, status: PersonStatus = NOBODY, origin: int | None = None) -> tuple[str, list[str]]:
    return assess(answers, status, at=timezone.now(), origin_ward_code=origin)


def test_no_symptom_and_no_exposure_is_green() -> None:
    assert level(Answers()) == ("green", [])


@pytest.mark.parametrize("symptom", ["fever", "cough", "breathing", "sore_throat", "taste_smell", "fatigue"])
def test_any_symptom_is_yellow(symptom: str) -> None:
    assert level(Answers(symptoms=[symptom])) == ("yellow", ["symptoms"])


def test_an_outbreak_zone_answer_is_yellow() -> None:
    assert level(Answers(outbreak_zone=True)) == ("yellow", ["outbreak_zone_answer"])


def test_arrival_from_abroad_is_yellow() -> None:
    assert level(Answers(abroad_14d=True)) == ("yellow", ["abroad_14d"])


def test_case_contact_without_symptoms_is_yellow() -> None:
    assert level(Answers(case_contact=True)) == ("yellow", ["case_contact"])


def test_case_contact_with_symptoms_is_red() -> None:
    assert level(Answers(case_contact=True, symptoms=["fever"])) == ("red", ["contact_with_symptoms", "symptoms"])


def test_a_current_case_is_red_whatever_they_answer() -> None:
    assert level(Answers(), PersonStatus(f_level=0)) == ("red", ["current_case"])


def test_an_active_f1_is_red() -> None:
    assert level(Answers(), PersonStatus(f_level=1)) == ("red", ["active_f1"])


def test_an_f2_alone_stays_green() -> None:
    assert level(Answers(), PersonStatus(f_level=2))[0] == "green"


@pytest.mark.django_db
def test_an_origin_ward_inside_an_active_zone_is_yellow() -> None:
    now = timezone.now()
    zone = OutbreakZone.objects.create(name="Ổ dịch", starts_at=now - timezone.timedelta(days=1))
    zone.wards.set([home_ward(3)])
    assert level(Answers(), origin=home_ward(3).code) == ("yellow", ["origin_in_outbreak_zone"])
    assert level(Answers(), origin=home_ward(4).code) == ("green", [])


@pytest.mark.django_db
def test_an_origin_in_an_ended_zone_is_green() -> None:
    now = timezone.now()
    zone = OutbreakZone.objects.create(
        name="Cũ", starts_at=now - timezone.timedelta(days=9), ends_at=now - timezone.timedelta(days=1)
    )
    zone.wards.set([home_ward(3)])
    assert level(Answers(), origin=home_ward(3).code)[0] == "green"


def test_the_province_can_change_the_rules(settings: pytest.FixtureRequest) -> None:
    settings.RISK_LEVELS = {**settings.RISK_LEVELS, "abroad_14d": "green", "symptoms": "red"}  # type: ignore[attr-defined]
    assert level(Answers(abroad_14d=True))[0] == "green"
    assert level(Answers(symptoms=["cough"]))[0] == "red"


def test_an_earlier_green_is_raised_to_red_once_the_person_is_a_case() -> None:
    assert raise_to_status("green", PersonStatus(f_level=0)) == "red"
    assert raise_to_status("yellow", NOBODY) == "yellow"
