"""The pages of reactions after vaccination: the citizen's and the vaccinator's report, the
CDC's line list with its exports, one reaction; every one refused to outsiders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import signed_in
from tests.factories import HealthUnitFactory, PersonFactory, UserFactory, home_ward
from tests.vaccination.conftest import dose_in
from truyvet.accounts.models import Role, UnitKind, User
from truyvet.lib.audit import AuditEvent
from truyvet.people.models import Person
from vaccination.models import Dose, Reaction, Site
from vaccination.reactions import ReactionIn, reaction_report
from vaccination.services import dose_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def dose(person: Person, site: Site, vaccinator: User) -> Dose:
    return dose_record(user=vaccinator, data=dose_in(person, site))


def form(dose: Dose, **changes: str) -> dict[str, str]:
    data = {
        "kinds": "fever",
        "onset_date": (dose.administered_on + timedelta(days=1)).isoformat(),
        "onset_time": "09:30",
        "outcome": "recovering",
        "description": "Sốt 38,5 độ",
    }
    data.update(changes)
    return data


@pytest.fixture
def reaction(dose: Dose, vaccinator: User) -> Reaction:
    return reaction_report(
        user=vaccinator,
        data=ReactionIn(dose_id=dose.pk, kinds=("fever",), onset_at=timezone.now() - timedelta(days=1),
                        outcome="recovered"),
    )  # fmt: skip


def test_a_citizen_reports_a_reaction_from_their_page(citizen: User, dose: Dose) -> None:
    Person.objects.filter(pk=dose.person_id).update(phone=citizen.phone)
    client = signed_in(citizen)
    page = client.get("/vaccination/me/").content.decode()
    assert (
        f"/vaccination/doses/{dose.pk}/reaction/" in page and f"/vaccination/certificates/{dose.person_id}.pdf" in page
    )
    assert client.get(f"/vaccination/doses/{dose.pk}/reaction/").status_code == 200
    response = client.post(f"/vaccination/doses/{dose.pk}/reaction/", form(dose))
    assert response.status_code == 302
    (reaction,) = Reaction.objects.all()
    assert reaction.reporter_kind == "citizen" and reaction.kinds == ["fever"]
    assert "Đã báo phản ứng" in client.get("/vaccination/me/").content.decode()


def test_a_bad_report_shows_the_rule_and_writes_nothing(vaccinator_client: Client, dose: Dose) -> None:
    before = (dose.administered_on - timedelta(days=1)).isoformat()
    response = vaccinator_client.post(f"/vaccination/doses/{dose.pk}/reaction/", form(dose, onset_date=before))
    assert response.status_code == 200
    assert "thời điểm khởi phát trước ngày tiêm" in response.content.decode()  # Vietnamese first
    assert not Reaction.objects.exists()


def test_a_citizen_may_not_report_about_a_stranger(citizen_client: Client, dose: Dose) -> None:
    assert citizen_client.get(f"/vaccination/doses/{dose.pk}/reaction/").status_code == 404
    assert citizen_client.post(f"/vaccination/doses/{dose.pk}/reaction/", form(dose)).status_code == 404


def test_staff_of_another_ward_may_not_open_the_report_form(outsider_client: Client, dose: Dose) -> None:
    assert outsider_client.get(f"/vaccination/doses/{dose.pk}/reaction/").status_code == 404


def test_the_report_form_needs_a_signed_in_user(client: Client, dose: Dose) -> None:
    assert client.get(f"/vaccination/doses/{dose.pk}/reaction/").status_code == 302


def test_the_cdc_reads_the_line_list_and_every_read_is_logged(cdc_client: Client, reaction: Reaction) -> None:
    page = cdc_client.get("/vaccination/reactions/")
    assert page.status_code == 200 and reaction.person.full_name in page.content.decode()
    assert AuditEvent.objects.filter(action="vaccination.reactions_read", person_id=reaction.person_id).exists()


def test_the_line_list_filters(cdc_client: Client, reaction: Reaction) -> None:
    assert len(cdc_client.get("/vaccination/reactions/", {"serious": "yes"}).context["rows"]) == 0
    assert len(cdc_client.get("/vaccination/reactions/", {"serious": "no"}).context["rows"]) == 1
    assert len(cdc_client.get("/vaccination/reactions/", {"kind": "anaphylaxis"}).context["rows"]) == 0
    assert len(cdc_client.get("/vaccination/reactions/", {"kind": "fever"}).context["rows"]) == 1
    assert len(cdc_client.get("/vaccination/reactions/", {"outcome": "died"}).context["rows"]) == 0
    assert len(cdc_client.get("/vaccination/reactions/", {"ward": home_ward(1).code}).context["rows"]) == 0


def test_the_line_list_exports_csv_and_xlsx(cdc_client: Client, reaction: Reaction) -> None:
    csv = cdc_client.get("/vaccination/reactions/", {"format": "csv"})
    text = b"".join(csv.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert text.startswith("id,reported_at") and f"\n{reaction.pk}," in text and ",fever," in text
    xlsx = cdc_client.get("/vaccination/reactions/", {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_health_centre_sees_the_reactions_of_its_communes(centre_client: Client, reaction: Reaction) -> None:
    assert len(centre_client.get("/vaccination/reactions/").context["rows"]) == 1
    assert centre_client.get(f"/vaccination/reactions/{reaction.pk}/").status_code == 200


def test_a_station_of_another_ward_sees_none(outsider_client: Client, reaction: Reaction) -> None:
    assert len(outsider_client.get("/vaccination/reactions/").context["rows"]) == 0
    assert outsider_client.get(f"/vaccination/reactions/{reaction.pk}/").status_code == 404
    assert outsider_client.post(f"/vaccination/reactions/{reaction.pk}/", {"outcome": "died"}).status_code == 404
    csv = outsider_client.get("/vaccination/reactions/", {"format": "csv"})
    assert str(reaction.pk) + "," not in b"".join(csv.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]


def test_a_health_centre_elsewhere_sees_none(reaction: Reaction) -> None:
    unit = HealthUnitFactory(name="TTYT khác", kind=UnitKind.HEALTH_CENTRE, wards=[home_ward(3)])
    client = signed_in(UserFactory(username="centre2", role=Role.HEALTH_CENTRE, health_unit=unit))
    assert client.get(f"/vaccination/reactions/{reaction.pk}/").status_code == 404


def test_the_line_list_is_for_health_staff(
    client: Client, vaccinator_client: Client, citizen_client: Client, reaction: Reaction
) -> None:
    assert client.get("/vaccination/reactions/").status_code == 302
    assert vaccinator_client.get("/vaccination/reactions/").status_code == 403
    assert citizen_client.get("/vaccination/reactions/").status_code == 403
    assert citizen_client.get(f"/vaccination/reactions/{reaction.pk}/").status_code == 403


def test_the_cdc_follows_up_the_outcome(cdc_client: Client, reaction: Reaction) -> None:
    response = cdc_client.post(f"/vaccination/reactions/{reaction.pk}/", {"outcome": "sequelae"})
    assert response.status_code == 302
    reaction.refresh_from_db()
    assert reaction.outcome == "sequelae"
    refused = cdc_client.post(f"/vaccination/reactions/{reaction.pk}/", {"outcome": "died"})
    assert refused.status_code == 200 and "tử vong là phản ứng nghiêm trọng" in refused.content.decode()


def test_the_line_list_reads_in_a_fixed_number_of_queries(
    cdc_client: Client, reaction: Reaction, vaccinator: User, site: Site, django_assert_max_num_queries: object
) -> None:
    for _ in range(5):
        other = PersonFactory()
        given = dose_record(user=vaccinator, data=dose_in(other, site))
        reaction_report(user=vaccinator, data=ReactionIn(dose_id=given.pk, kinds=("fever",),
                                                         onset_at=timezone.now(), outcome="recovered"))  # fmt: skip
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert len(cdc_client.get("/vaccination/reactions/").context["rows"]) == 6


def test_a_serious_reaction_shows_on_the_cdcs_alerts_in_their_language(
    cdc_client: Client, dose: Dose, vaccinator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("vaccination.tasks.transaction.on_commit", lambda callback: callback())
    reaction_report(
        user=vaccinator,
        data=ReactionIn(dose_id=dose.pk, kinds=("anaphylaxis",), onset_at=timezone.now() - timedelta(hours=1),
                        serious=True, serious_reason="hospitalisation", outcome="recovering"),
    )  # fmt: skip
    page = cdc_client.get("/accounts/alerts/").content.decode()
    assert "Phản ứng nghiêm trọng sau tiêm tại Trạm tiêm phường A" in page
    assert "Phản vệ" in page
