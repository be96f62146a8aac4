from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from checkpoints.selectors.facts import people_facts, zone_ward_codes
from checkpoints.verdicts import judge, verdict_for
from contacts.models import FollowUp
from tests.factories import CaseFactory, PersonFactory, home_ward
from truyvet.credentials.models import QrCredential
from truyvet.geo.models import OutbreakZone
from truyvet.people.models import Person

pytestmark = pytest.mark.django_db


def facts_of(person: Person):  # type: ignore[no-untyped-def]
    return people_facts([person.pk], at=timezone.now())[person.pk]


def test_a_green_declaration_is_allowed(traveller: Callable[..., tuple[Person, str]]) -> None:
    person, _token = traveller("green")
    judgement = judge(facts_of(person))
    assert (judgement.verdict, judgement.findings) == ("allow", ["green"])


def test_a_yellow_declaration_is_referred_to_the_health_desk(traveller: Callable[..., tuple[Person, str]]) -> None:
    person, _token = traveller("yellow")
    assert judge(facts_of(person)).verdict == "refer"


def test_a_red_declaration_is_denied(traveller: Callable[..., tuple[Person, str]]) -> None:
    person, _token = traveller("red")
    assert judge(facts_of(person)).verdict == "deny"


def test_somebody_without_a_declaration_is_asked_to_declare() -> None:
    person = PersonFactory()
    judgement = judge(facts_of(person))
    assert (judgement.verdict, judgement.findings) == ("declare", ["no_declaration"])
    assert judge(None).verdict == "declare"


def test_an_expired_declaration_counts_as_none(traveller: Callable[..., tuple[Person, str]]) -> None:
    person, _token = traveller("green")
    QrCredential.objects.filter(person=person).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert judge(facts_of(person)).verdict == "declare"


def test_a_revoked_code_counts_as_no_declaration(traveller: Callable[..., tuple[Person, str]]) -> None:
    person, _token = traveller("green")
    QrCredential.objects.filter(person=person).update(revoked_at=timezone.now())
    assert judge(facts_of(person)).verdict == "declare"


def test_a_current_case_is_denied_even_with_a_green_code(traveller: Callable[..., tuple[Person, str]]) -> None:
    person, _token = traveller("green")
    CaseFactory(person=person)
    judgement = judge(facts_of(person))
    assert judgement.verdict == "deny"
    assert "current_case" in judgement.findings
    assert judgement.f_level == 0


def test_an_active_f1_is_denied_and_an_f2_referred(traveller: Callable[..., tuple[Person, str]]) -> None:
    f1, _ = traveller("green")
    f2, _ = traveller("green")
    today = timezone.localdate()
    for person, level in ((f1, 1), (f2, 2)):
        FollowUp.objects.create(
            person=person,
            level=level,
            ward_id=person.ward_id,
            last_exposure_at=timezone.now(),
            quarantine_until=today + timedelta(days=14),
        )
    assert judge(facts_of(f1)).verdict == "deny"
    assert judge(facts_of(f2)).verdict == "refer"


def test_a_fever_at_the_checkpoint_sends_a_green_traveller_to_the_health_desk(
    traveller: Callable[..., tuple[Person, str]],
) -> None:
    person, _token = traveller("green")
    assert judge(facts_of(person), temperature=Decimal("37.4")).verdict == "allow"
    judgement = judge(facts_of(person), temperature=Decimal("37.5"))
    assert judgement.verdict == "refer"
    assert "fever" in judgement.findings


def test_coming_from_an_active_outbreak_zone_is_referred(traveller: Callable[..., tuple[Person, str]]) -> None:
    person, _token = traveller("green")
    zone = OutbreakZone.objects.create(name="Ổ dịch", starts_at=timezone.now() - timedelta(days=1))
    zone.wards.set([home_ward(3)])
    zones = zone_ward_codes(timezone.now())
    assert judge(facts_of(person), origin_ward_code=home_ward(3).code, zone_wards=zones).verdict == "refer"
    assert judge(facts_of(person), origin_ward_code=home_ward(4).code, zone_wards=zones).verdict == "allow"


def test_a_province_can_change_the_rules_in_settings(settings: pytest.FixtureRequest) -> None:
    settings.CHECKPOINT_VERDICTS = {**settings.CHECKPOINT_VERDICTS, "active_f2": "deny", "yellow": "allow"}  # type: ignore[attr-defined]
    assert verdict_for(["green", "active_f2"]) == "deny"
    assert verdict_for(["yellow"]) == "allow"


def test_the_most_severe_finding_wins() -> None:
    assert verdict_for(["no_declaration", "fever"]) == "refer"
    assert verdict_for(["yellow", "active_f1"]) == "deny"
    assert verdict_for([]) == "allow"


def test_facts_for_many_people_take_a_fixed_number_of_queries(
    traveller: Callable[..., tuple[Person, str]], django_assert_max_num_queries: Callable[..., object]
) -> None:
    people = [traveller("green")[0] for _ in range(20)]
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        facts = people_facts([p.pk for p in people], at=timezone.now())
    assert len(facts) == 20
