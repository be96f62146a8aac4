"""/metrics for Prometheus (a token or an allowed address, what it counts) and the outbox part
of /healthz."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY

from tests.factories import CaseFactory, PersonFactory
from truyvet.lib.models import OutboxMessage
from truyvet.lib.notify import Recipient, notification_send

pytestmark = pytest.mark.django_db
TOKEN = "a-long-random-scrape-token"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def metrics_token(settings: Any) -> str:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_ADDRESSES = []
    return TOKEN


def scrape(client: Client, token: str | None = TOKEN) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get("/metrics", **headers)


def test_metrics_are_off_until_a_token_or_an_address_is_configured(client: Client, settings: Any) -> None:
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_ADDRESSES = []
    assert scrape(client).status_code == 404


def test_metrics_need_the_token(client: Client, metrics_token: str) -> None:
    missing = scrape(client, token=None)
    assert missing.status_code == 401 and missing["WWW-Authenticate"].startswith("Bearer")
    assert scrape(client, token="wrong").status_code == 401
    assert scrape(client).status_code == 200


def test_an_allowed_address_scrapes_without_a_token_and_another_does_not(client: Client, settings: Any) -> None:
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_ADDRESSES = ["10.1.2.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.3.3").status_code == 401


def test_metrics_count_requests_by_view_and_read_the_outbox_backlog(client: Client, metrics_token: str) -> None:
    before = sample("truyvet_http_request_duration_seconds_count", view="healthz", method="GET", status="200")
    client.get("/healthz")
    after = sample("truyvet_http_request_duration_seconds_count", view="healthz", method="GET", status="200")
    assert after == before + 1
    client.get("/no/such/page/at/all")
    OutboxMessage.objects.create(task="t", created_at=timezone.now() - timedelta(minutes=2))
    response = scrape(client)
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'truyvet_http_request_duration_seconds_bucket{le="0.005",method="GET",status="200",view="healthz"}' in text
    assert 'view="unresolved"' in text and "no/such" not in text, "unknown paths add no series"
    assert "truyvet_outbox_pending 1.0" in text
    oldest = next(line for line in text.splitlines() if line.startswith("truyvet_outbox_oldest_seconds "))
    assert float(oldest.split()[1]) >= 120


def test_metrics_show_each_celery_queues_depth(client: Client, metrics_token: str, settings: Any) -> None:
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (the queues are Redis lists)")
    text = scrape(client).content.decode()
    assert 'truyvet_celery_queue_length{queue="celery"}' in text
    assert f'truyvet_celery_queue_length{{queue="{settings.EDGE_QUEUE}"}}' in text


def test_sms_sent_and_failed_are_counted(settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    sent = sample("truyvet_notifications_total", channel="sms", outcome="sent")
    failed = sample("truyvet_notifications_total", channel="sms", outcome="failed")
    person = PersonFactory(phone="+84912345678")
    to = Recipient(person_id=person.pk, phone=person.phone)
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipient=to, title="A", body="B", dedupe_key="m1")
    settings.SMS_BACKEND = "tests.project.test_metrics_and_healthz_parts.BrokenGateway"
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipient=to, title="A", body="C", dedupe_key="m2")
    assert sample("truyvet_notifications_total", channel="sms", outcome="sent") == sent + 1
    assert sample("truyvet_notifications_total", channel="sms", outcome="failed") == failed + 1


class BrokenGateway:
    def send(self, phone: str, text: str) -> None:
        raise ConnectionError("the gateway is down")


def test_matching_duration_is_observed() -> None:
    from contacts.tasks import match_case

    before = sample("truyvet_matching_duration_seconds_count")
    match_case.delay(CaseFactory().pk)
    assert sample("truyvet_matching_duration_seconds_count") == before + 1


# --- /healthz: the outbox part -------------------------------------------------------------


def test_healthz_reports_the_outbox_and_its_backlog(client: Client, settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as in production: tasks through the outbox
    settings.OUTBOX_LATE_SECONDS = 60
    body = client.get("/healthz").json()
    assert body["outbox"] == "ok" and body["outbox_pending"] == 0 and body["outbox_oldest_seconds"] is None
    OutboxMessage.objects.create(task="t", created_at=timezone.now() - timedelta(minutes=5))
    response = client.get("/healthz")
    body = response.json()
    assert body["outbox"] == "late" and body["outbox_pending"] == 1 and body["outbox_oldest_seconds"] >= 300
    assert response.status_code == (503 if "down" in body.values() else 200), "late alone is no reason for a 503"


def test_healthz_says_eager_for_the_outbox_when_tasks_run_inline(client: Client, settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert client.get("/healthz").json()["outbox"] == "eager"
