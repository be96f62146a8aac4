"""Stored alerts, inbox notices and SMS are a message code and its parameters, shown in the
language of whoever reads them (``truyvet.lib.messages``)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from checkpoints.messages import DENIED
from declarations.messages import FLAGGED
from tests.factories import PersonFactory, home_ward
from truyvet.accounts.models import Alert, HealthUnit
from truyvet.accounts.services import alert_raise
from truyvet.lib import sms
from truyvet.lib.messages import LEGACY, render
from truyvet.lib.models import Notification
from truyvet.lib.notify import Recipient, notification_send

pytestmark = pytest.mark.django_db


def home(client: Client, language: str) -> str:
    client.cookies["django_language"] = language
    return client.get(reverse("accounts:alerts")).content.decode()


def test_the_same_stored_alert_reads_in_vietnamese_and_in_english_with_its_reasons(
    insider_client: Client, station: HealthUnit
) -> None:
    person = PersonFactory(ward=home_ward(0), full_name="Lò Văn Pọm")
    alert_raise(
        ward_code=home_ward(0).code,
        kind="declaration",
        code=FLAGGED,
        params={"level": "red", "name": person.full_name, "reasons": ["symptoms", "case_contact"]},
        dedupe_key="declaration:1",
        person_id=person.pk,
    )
    vietnamese, english = home(insider_client, "vi"), home(insider_client, "en")
    assert "Đỏ: nguy cơ cao: Lò Văn Pọm" in vietnamese and "triệu chứng, tiếp xúc với ca bệnh" in vietnamese
    assert "Red: high risk: Lò Văn Pọm" in english and "symptoms, contact with a case" in english
    assert "triệu chứng" not in english and "contact with a case" not in vietnamese


def test_an_inbox_notice_reads_in_the_language_of_the_page(citizen_client: Client) -> None:
    person = PersonFactory(phone="+84912345678")
    notification_send(
        recipient=Recipient(person_id=person.pk),
        code="declarations.declared_elsewhere",
        dedupe_key="declared-elsewhere:1",
    )
    citizen_client.cookies["django_language"] = "vi"
    vietnamese = citizen_client.get(reverse("accounts:me")).content.decode()
    citizen_client.cookies["django_language"] = "en"
    english = citizen_client.get(reverse("accounts:me")).content.decode()
    assert "Khai báo y tế mới" in vietnamese and "New health declaration" not in vietnamese
    assert "New health declaration" in english and "Khai báo y tế mới" not in english


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "New health declaration: Somebody has just made"), ("vi", "Khai báo y tế mới: Có người vừa khai báo")],
)
def test_an_sms_goes_out_in_the_recipients_language_whatever_the_senders(
    language: str, expected: str, django_capture_on_commit_callbacks: Any
) -> None:
    person = PersonFactory(phone="+84912000222", language=language)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            recipient=Recipient(person_id=person.pk, phone=person.phone, language=person.language),
            code="declarations.declared_elsewhere",
            dedupe_key="declared-elsewhere:2",
        )
    (message,) = sms.outbox
    assert message["text"].startswith(expected)


def test_a_checkpoint_alert_names_the_verdict_and_the_findings_in_each_language() -> None:
    params = {"checkpoint": "Km 5", "who": "A Páo", "when": "08:00 07/12/2026", "reasons": ["fever"]}
    assert render(DENIED, params, language="vi").title == "Chốt Km 5: A Páo (không cho qua)"
    english = render(DENIED, params, language="en")
    assert (english.title, english.body) == (
        "Checkpoint Km 5: A Páo (denied)",
        "08:00 07/12/2026: fever at the checkpoint",
    )


def test_an_unknown_code_or_a_missing_parameter_shows_the_stored_words_not_an_error() -> None:
    assert render("gone.code", {}, title="Kept", body="as written").title == "Kept"
    assert render(FLAGGED, {"level": "red"}, language="en").title == "%(level)s: %(name)s"


def _migration(app: str, name: str) -> Any:
    return importlib.import_module(f"truyvet.{app}.migrations.{name}")


def test_old_glued_texts_are_split_so_each_reader_sees_their_half(station: HealthUnit) -> None:
    person = PersonFactory()
    glued = Notification.objects.create(
        person=person,
        channel="portal",
        title="Cảnh báo tiếp xúc gần (F1) / Close contact warning (F1)",
        body="Hãy ở nhà. / Stay at home.",
        dedupe_key="old:1",
    )
    single = Notification.objects.create(
        person=person, channel="portal", title="Chỉ tiếng Việt", body="x", dedupe_key="old:2"
    )
    checkpoint = Alert.objects.create(
        unit=station, kind="checkpoint", title="Chốt Km 5: A Páo (không cho qua) / denied", body="08:00: sốt",
        dedupe_key="passage:1",
    )  # fmt: skip
    _migration("lib", "0003_notification_message_code").texts_by_language(apps, None)
    _migration("accounts", "0005_alert_message_code").texts_by_language(apps, None)
    for row in (glued, single, checkpoint):
        row.refresh_from_db()
    assert glued.code == LEGACY
    assert (glued.text("vi").title, glued.text("vi").body) == ("Cảnh báo tiếp xúc gần (F1)", "Hãy ở nhà.")
    assert (glued.text("en").title, glued.text("en").body) == ("Close contact warning (F1)", "Stay at home.")
    assert single.code == "" and single.text("en").title == "Chỉ tiếng Việt"
    assert render(checkpoint.code, checkpoint.params, language="en").title == "Checkpoint Km 5: A Páo (denied)"
    assert render(checkpoint.code, checkpoint.params, language="vi").title == "Chốt Km 5: A Páo (không cho qua)"


def test_old_declaration_alerts_get_their_level_and_reasons_back_as_codes(station: HealthUnit) -> None:
    english = Alert.objects.create(
        unit=station, kind="declaration", title="Red: high risk: Lò Văn Pọm",
        body="contact with a case, with symptoms, symptoms", dedupe_key="declaration:1",
    )  # fmt: skip
    vietnamese = Alert.objects.create(
        unit=station, kind="declaration", title="Vàng: cần theo dõi: Giàng A Páo", body="triệu chứng",
        dedupe_key="declaration:2",
    )  # fmt: skip
    unknown = Alert.objects.create(
        unit=station, kind="declaration", title="Đỏ: nguy cơ cao: X", body="một lý do lạ", dedupe_key="declaration:3"
    )
    importlib.import_module("declarations.migrations.0004_alert_message_codes").alert_codes(apps, None)
    for alert in (english, vietnamese, unknown):
        alert.refresh_from_db()
    assert english.params == {"level": "red", "name": "Lò Văn Pọm", "reasons": ["contact_with_symptoms", "symptoms"]}
    assert render(english.code, english.params, language="vi") == render(
        FLAGGED, {"level": "red", "name": "Lò Văn Pọm", "reasons": ["contact_with_symptoms", "symptoms"]}, language="vi"
    )
    assert render(vietnamese.code, vietnamese.params, language="en").title == "Yellow: needs attention: Giàng A Páo"
    assert render(vietnamese.code, vietnamese.params, language="en").body == "symptoms"
    assert unknown.code == "" and unknown.shown.body == "một lý do lạ"
