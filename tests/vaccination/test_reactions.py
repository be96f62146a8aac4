"""Reactions after vaccination (AEFI): the DHIS2 AEFI package's rules, who may report, and
the alert a serious reaction raises once."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from tests.factories import HealthUnitFactory, PersonFactory, UserFactory, home_ward
from tests.vaccination.conftest import dose_in
from truyvet.accounts.models import Alert, HealthUnit, Role, UnitKind, User
from truyvet.lib.audit import AuditEvent
from truyvet.lib.errors import DomainError
from truyvet.people.models import Person
from vaccination.models import Dose, Reaction, Site
from vaccination.reaction_alerts import serious_reaction_alert
from vaccination.reactions import ReactionIn, reaction_follow_up, reaction_report
from vaccination.services import dose_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _commits_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Alerts are queued on commit: run them at once, as a committed request would."""
    monkeypatch.setattr("vaccination.tasks.transaction.on_commit", lambda callback: callback())


@pytest.fixture
def dose(person: Person, site: Site, vaccinator: User) -> Dose:
    return dose_record(user=vaccinator, data=dose_in(person, site))


def report(dose: Dose, **changes: Any) -> ReactionIn:
    values: dict[str, Any] = {
        "dose_id": dose.pk,
        "kinds": ("fever",),
        "onset_at": timezone.make_aware(datetime.combine(dose.administered_on, datetime.min.time()))
        + timedelta(hours=8),
        "outcome": "recovered",
    }
    values.update(changes)
    return ReactionIn(**values)


def refused(user: User, data: ReactionIn) -> str:
    with pytest.raises(DomainError) as caught:
        reaction_report(user=user, data=data)
    return caught.value.code


def test_a_vaccinator_records_a_reaction_with_the_core_variables(vaccinator: User, dose: Dose) -> None:
    reaction = reaction_report(user=vaccinator, data=report(dose, kinds=("fever", "severe_local"), description="sốt"))
    assert reaction.person_id == dose.person_id and reaction.reporter_kind == "staff"
    assert reaction.kinds == ["severe_local", "fever"]
    assert AuditEvent.objects.filter(action="vaccination.reaction_report", person_id=dose.person_id).exists()


def test_a_report_without_a_reaction_is_refused(vaccinator: User, dose: Dose) -> None:
    assert refused(vaccinator, report(dose, kinds=())) == "no_reaction"


def test_a_reaction_not_on_the_list_is_refused(vaccinator: User, dose: Dose) -> None:
    assert refused(vaccinator, report(dose, kinds=("hiccups",))) == "unknown_reaction"


def test_another_reaction_needs_a_description(vaccinator: User, dose: Dose) -> None:
    assert refused(vaccinator, report(dose, kinds=("other",))) == "other_needs_description"


def test_an_onset_before_the_vaccination_is_refused(vaccinator: User, dose: Dose) -> None:
    day_before = report(dose).onset_at - timedelta(days=1)
    assert refused(vaccinator, report(dose, onset_at=day_before)) == "onset_before_vaccination"


def test_an_onset_in_the_future_is_refused(vaccinator: User, dose: Dose) -> None:
    assert refused(vaccinator, report(dose, onset_at=timezone.now() + timedelta(hours=2))) == "onset_in_future"


def test_a_vaccination_before_birth_is_refused(vaccinator: User, dose: Dose) -> None:
    # The dose was checked when recorded; the birth date was corrected since.
    Person.objects.filter(pk=dose.person_id).update(date_of_birth=dose.administered_on + timedelta(days=1))
    assert refused(vaccinator, report(dose)) == "vaccination_before_birth"


def test_serious_needs_a_reason(vaccinator: User, dose: Dose) -> None:
    assert refused(vaccinator, report(dose, serious=True)) == "serious_reason_required"


def test_a_reason_needs_serious(vaccinator: User, dose: Dose) -> None:
    assert refused(vaccinator, report(dose, serious_reason="hospitalisation")) == "reason_without_serious"


def test_a_reason_not_on_the_list_is_refused(vaccinator: User, dose: Dose) -> None:
    assert refused(vaccinator, report(dose, serious=True, serious_reason="bad_luck")) == "unknown_serious_reason"


def test_an_outcome_not_on_the_list_is_refused(vaccinator: User, dose: Dose) -> None:
    assert refused(vaccinator, report(dose, outcome="better")) == "unknown_reaction_outcome"


def test_a_death_must_be_serious_for_the_reason_death(vaccinator: User, dose: Dose) -> None:
    died_on = dose.administered_on + timedelta(days=2)
    assert refused(vaccinator, report(dose, outcome="died", died_on=died_on)) == "death_not_serious"
    assert (
        refused(vaccinator, report(dose, serious=True, serious_reason="death", outcome="recovering"))
        == "death_not_serious"
    )


def test_a_death_needs_its_date(vaccinator: User, dose: Dose) -> None:
    data = report(dose, serious=True, serious_reason="death", outcome="died")
    assert refused(vaccinator, data) == "death_date_required"


def test_a_date_of_death_without_a_death_is_refused(vaccinator: User, dose: Dose) -> None:
    assert refused(vaccinator, report(dose, died_on=dose.administered_on)) == "death_date_without_death"


def test_a_death_before_the_onset_is_refused(vaccinator: User, dose: Dose) -> None:
    data = report(
        dose, serious=True, serious_reason="death", outcome="died", died_on=dose.administered_on - timedelta(days=1)
    )
    assert refused(vaccinator, data) == "death_before_onset"


def test_a_death_in_the_future_is_refused(vaccinator: User, dose: Dose) -> None:
    data = report(
        dose, serious=True, serious_reason="death", outcome="died", died_on=timezone.localdate() + timedelta(days=1)
    )
    assert refused(vaccinator, data) == "death_in_future"


def test_a_refused_report_writes_nothing(vaccinator: User, dose: Dose) -> None:
    refused(vaccinator, report(dose, kinds=()))
    assert not Reaction.objects.exists()


def test_a_retried_report_writes_nothing_new(vaccinator: User, dose: Dose) -> None:
    key = uuid.uuid4()
    first = reaction_report(user=vaccinator, data=report(dose, client_id=key))
    again = reaction_report(user=vaccinator, data=report(dose, client_id=key))
    assert first.pk == again.pk and Reaction.objects.count() == 1


@pytest.fixture
def cdc_unit_here(db: None) -> HealthUnit:
    return HealthUnitFactory(name="CDC", kind=UnitKind.PROVINCE_CDC, whole_province=True)


@pytest.fixture
def health_centre(db: None) -> HealthUnit:
    return HealthUnitFactory(name="TTYT", kind=UnitKind.HEALTH_CENTRE, wards=[home_ward(0)])


def test_a_serious_reaction_alerts_the_cdc_and_the_sites_health_centre_once(
    vaccinator: User, dose: Dose, cdc_unit_here: HealthUnit, health_centre: HealthUnit
) -> None:
    far = HealthUnitFactory(name="TTYT xa", kind=UnitKind.HEALTH_CENTRE, wards=[home_ward(5)])
    reaction = reaction_report(
        user=vaccinator, data=report(dose, kinds=("anaphylaxis",), serious=True, serious_reason="hospitalisation")
    )
    alerts = Alert.objects.filter(dedupe_key=f"aefi:{reaction.pk}")
    assert {a.unit_id for a in alerts} == {cdc_unit_here.pk, health_centre.pk}
    assert far.pk not in {a.unit_id for a in alerts}
    assert all(a.severity == "urgent" and a.code == "vaccination.serious_reaction" for a in alerts)
    # A retried task and a later follow-up add nothing.
    assert serious_reaction_alert(reaction.pk) == 0
    reaction_follow_up(user=vaccinator, reaction=reaction, outcome="recovering", serious=True,
                       serious_reason="hospitalisation")  # fmt: skip
    assert Alert.objects.filter(dedupe_key=f"aefi:{reaction.pk}").count() == 2


def test_the_alert_reads_in_each_readers_language(vaccinator: User, dose: Dose, cdc_unit_here: HealthUnit) -> None:
    from django.utils import translation

    reaction_report(
        user=vaccinator, data=report(dose, kinds=("anaphylaxis",), serious=True, serious_reason="disability")
    )
    alert = Alert.objects.get(unit=cdc_unit_here)
    with translation.override("en"):
        assert "Anaphylaxis" in alert.shown.body and "Disability" in alert.shown.body
    with translation.override("vi"):
        assert "Phản vệ" in alert.shown.body


def test_the_sites_own_health_centre_is_alerted_when_it_has_one(
    vaccinator: User, dose: Dose, site: Site, health_centre: HealthUnit
) -> None:
    own = HealthUnitFactory(name="TTYT riêng", kind=UnitKind.HEALTH_CENTRE)
    site.health_unit = own
    site.save(update_fields=["health_unit"])
    reaction_report(user=vaccinator, data=report(dose, kinds=("seizures",), serious=True, serious_reason="other"))
    assert set(Alert.objects.values_list("unit_id", flat=True)) == {own.pk}


def test_a_mild_reaction_alerts_nobody(vaccinator: User, dose: Dose, cdc_unit_here: HealthUnit) -> None:
    reaction_report(user=vaccinator, data=report(dose))
    assert not Alert.objects.exists()


def test_a_reaction_that_becomes_serious_alerts_then(vaccinator: User, dose: Dose, cdc_unit_here: HealthUnit) -> None:
    reaction = reaction_report(user=vaccinator, data=report(dose))
    reaction_follow_up(user=vaccinator, reaction=reaction, outcome="not_recovered", serious=True,
                       serious_reason="life_threatening")  # fmt: skip
    assert Alert.objects.filter(unit=cdc_unit_here).count() == 1


def test_a_citizen_reports_for_their_household_only(citizen: User, dose: Dose, site: Site, vaccinator: User) -> None:
    Person.objects.filter(pk=dose.person_id).update(phone=citizen.phone)
    reaction = reaction_report(user=citizen, data=report(dose))
    assert reaction.reporter_kind == "citizen"
    stranger = PersonFactory(date_of_birth=date(1980, 1, 1))
    theirs = dose_record(user=vaccinator, data=dose_in(stranger, site))
    with pytest.raises(Http404):
        reaction_report(user=citizen, data=report(theirs))


def test_health_staff_of_another_ward_may_not_report(outsider: User, dose: Dose) -> None:
    with pytest.raises(Http404):
        reaction_report(user=outsider, data=report(dose))


def test_a_vaccinator_without_a_site_may_not_report(dose: Dose) -> None:
    nobody = UserFactory(username="vacc2", role=Role.VACCINATION_STAFF)
    with pytest.raises(Http404):
        reaction_report(user=nobody, data=report(dose))
