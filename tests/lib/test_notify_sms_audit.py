from __future__ import annotations

import io
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import zxingcpp
from django.test import RequestFactory
from django.utils import timezone
from PIL import Image

from tests.factories import PersonFactory, UserFactory
from truyvet.lib import sms
from truyvet.lib.audit import audit_log, audit_log_many
from truyvet.lib.delivery import MAX_ATTEMPTS, STALE_CLAIM
from truyvet.lib.models import AuditEvent, DeliveryState, Notification
from truyvet.lib.notify import Recipient, inbox_for, notification_send
from truyvet.lib.qr import render_png, render_svg
from truyvet.lib.tasks import retry_undelivered_notifications

pytestmark = pytest.mark.django_db


class FailingBackend(sms.BaseBackend):
    def send(self, phone: str, text: str) -> None:
        raise sms.SmsError("gateway down")


def send(person: Any, key: str = "warn-1") -> list[Notification]:
    return notification_send(recipient=Recipient(person_id=person.pk, phone=person.phone), title="Cảnh báo",
                             body="Bạn là F1.", dedupe_key=key)  # fmt: skip


def test_a_notification_goes_to_the_inbox_and_by_sms_exactly_once(django_capture_on_commit_callbacks: Any) -> None:
    person = PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        send(person)
    with django_capture_on_commit_callbacks(execute=True):
        send(person)
    assert Notification.objects.count() == 2
    assert [m["to"] for m in sms.outbox] == [person.phone]
    assert [n.title for n in inbox_for(person_ids=[person.pk])] == ["Cảnh báo"]


def test_a_person_without_a_phone_gets_only_the_inbox_message() -> None:
    rows = send(PersonFactory(phone=""))
    assert [r.channel for r in rows] == ["portal"]


def test_a_failing_gateway_keeps_the_message_pending_then_gives_up(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SMS_BACKEND = "tests.lib.test_notify_sms_audit.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        send(PersonFactory())
    row = Notification.objects.get(channel="sms")
    assert row.state == DeliveryState.PENDING and row.attempts == 1 and "gateway down" in row.last_error
    for _ in range(MAX_ATTEMPTS):
        retry_undelivered_notifications.delay()
    row.refresh_from_db()
    assert row.state == DeliveryState.FAILED and row.attempts == MAX_ATTEMPTS


def test_a_claim_left_by_a_dead_worker_is_sent_again_but_a_fresh_claim_is_not(settings: Any) -> None:
    settings.SMS_BACKEND = "tests.lib.test_notify_sms_audit.FailingBackend"
    send(PersonFactory())
    settings.SMS_BACKEND = "truyvet.lib.sms.LocmemBackend"
    Notification.objects.filter(channel="sms").update(state=DeliveryState.SENDING, claimed_at=timezone.now())
    assert retry_undelivered_notifications.delay().get() == 0
    Notification.objects.filter(channel="sms").update(claimed_at=timezone.now() - STALE_CLAIM - timedelta(seconds=1))
    assert retry_undelivered_notifications.delay().get() == 1
    assert len(sms.outbox) == 1


def test_the_file_backend_writes_one_json_line(settings: Any) -> None:
    sms.FileBackend().send("+84912345678", "Xin chào")
    (line,) = next(settings.SMS_FILE_PATH.glob("*.jsonl")).read_text().splitlines()
    assert json.loads(line)["text"] == "Xin chào"


def test_the_http_gateway_backend_posts_json_with_the_token(settings: Any) -> None:
    received: list[tuple[str, dict]] = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((self.headers["Authorization"], body))
            self.send_response(500 if body["text"] == "fail" else 200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
        settings.SMS_GATEWAY_TOKEN = "secret-token"
        sms.HttpGatewayBackend().send("+84912345678", "Mã 123456")
        assert received == [("Bearer secret-token", {"to": "+84912345678", "from": "TRUYVET", "text": "Mã 123456"})]
        with pytest.raises(sms.SmsError):
            sms.HttpGatewayBackend().send("+84912345678", "fail")
    finally:
        server.shutdown()
    settings.SMS_GATEWAY_URL = ""
    with pytest.raises(sms.SmsError):
        sms.HttpGatewayBackend().send("+84912345678", "x")


def test_the_audit_log_records_who_what_which_person_and_from_where() -> None:
    user = UserFactory()
    person = PersonFactory()
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    event = audit_log(actor=user, action="person.view", obj=person, request=request)
    assert (event.actor, event.actor_label, event.person_id, event.ip) == (user, user.username, person.pk, "10.1.2.3")
    assert event.object_type == "people.person"
    anonymous = audit_log(actor=None, action="declaration.submit", person_id=person.pk)
    assert anonymous.actor is None
    audit_log_many(actor=user, action="list", object_type="x", rows=[("1", person.pk), ("2", None)])
    assert AuditEvent.objects.filter(action="list").count() == 2


@pytest.mark.parametrize("text", ["https://truyvet.example/v/ABCD2345", "Nguyễn Văn An", "eyJ" + "a" * 300])
def test_qr_images_decode_to_the_same_text_with_a_real_decoder(text: str) -> None:
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(render_png(text))))
    assert barcode.text == text
    assert render_svg(text).lstrip().startswith("<svg") or "<svg" in render_svg(text)


def test_the_client_address_ignores_a_forged_forwarded_header_unless_a_proxy_is_declared(settings: Any) -> None:
    from truyvet.lib.audit import client_ip

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.NUM_PROXIES = 0
    assert client_ip(request) == "10.0.0.1"
    settings.NUM_PROXIES = 1
    assert client_ip(request) == "203.0.113.9"
