"""The IOC feed: aggregates only, CloudEvents, Standard Webhooks signatures, retries with
backoff, 410, failed deliveries resent, no delivery lost, the pull endpoint."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import timedelta

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from checkpoints.models import Direction, Passage, Verdict
from ioc import signing
from ioc.delivery import backoff, claim, deliver_due
from ioc.feed import events_collect
from ioc.models import Delivery, DeliveryStatus, IocEvent, WebhookEndpoint
from ioc.services import client_create, endpoint_create, endpoint_rotate_secret
from tests.factories import CheckpointFactory, PersonFactory, UserFactory
from truyvet.accounts.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return UserFactory(username="ioc_admin", role=Role.ADMINISTRATOR)


def passages(count: int, *, hours_ago: float = 2, person=None) -> None:
    checkpoint = CheckpointFactory(name="Chốt Lao Bảo")
    at = timezone.now() - timedelta(hours=hours_ago)
    Passage.objects.bulk_create(
        Passage(
            client_id=uuid.uuid4(),
            checkpoint=checkpoint,
            person=person,
            direction=Direction.IN if i % 2 == 0 else Direction.OUT,
            verdict=Verdict.REFER if i == 0 else Verdict.ALLOW,
            scanned_at=at,
        )
        for i in range(count)
    )


def receiver_verifies(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The receiver's check, as docs/DEVICES.md shows it (written apart from ioc.signing)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        s.startswith("v1,") and hmac.compare_digest(s[3:], expected) for s in headers["webhook-signature"].split()
    )


# --- What the IOC gets ---------------------------------------------------------------------


def test_the_signature_matches_the_standard_webhooks_example() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    signature = signing.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_passages_are_counted_per_hour_and_checkpoint_without_personal_data() -> None:
    person = PersonFactory(full_name="Nguyễn Văn An")
    passages(5, person=person)
    assert events_collect() == 1
    event = IocEvent.objects.get()
    cloud = event.cloudevent()
    assert cloud["specversion"] == "1.0" and cloud["type"] == "vn.truyvet.ioc.passages.hourly"
    assert {k: cloud["data"][k] for k in ("entering", "leaving", "flagged")} == {
        "entering": 3,
        "leaving": 2,
        "flagged": 1,
    }
    text = str(cloud)
    assert person.full_name not in text and "person" not in text
    assert set(cloud["data"]) == {
        "checkpoint_id", "checkpoint_name", "ward_code", "hour_start", "hour_end", "entering", "leaving", "flagged"
    }  # fmt: skip


def test_the_current_hour_is_not_sent_until_it_closes() -> None:
    passages(3, hours_ago=0)
    assert (
        events_collect(now=timezone.now()) == 0
        or IocEvent.objects.filter(type__endswith="passages.hourly").count() <= 1
    )


def test_collecting_twice_writes_nothing_new_until_the_figures_change() -> None:
    passages(2)
    assert events_collect() == 1
    assert events_collect() == 0
    passages(1)  # a tablet that synced late, another checkpoint
    assert events_collect() == 1


# --- Pushing -------------------------------------------------------------------------------


def test_an_event_is_pushed_signed_and_verifiable(receiver, admin_user) -> None:
    endpoint = endpoint_create(user=admin_user, url=receiver.url)
    passages(2)
    events_collect()
    assert deliver_due() == 1
    (got,) = receiver.received
    headers = {k.lower(): v for k, v in got["headers"].items()}
    assert headers["webhook-id"] == got["event"]["id"]
    assert receiver_verifies(endpoint.secret, headers, got["body"])
    assert not receiver_verifies(signing.new_secret(), headers, got["body"])
    assert headers["content-type"].startswith("application/cloudevents+json")


def test_a_rotated_secret_signs_beside_the_old_one(receiver, admin_user) -> None:
    endpoint = endpoint_create(user=admin_user, url=receiver.url)
    old = endpoint.secret
    new = endpoint_rotate_secret(user=admin_user, endpoint=endpoint)
    passages(2)
    events_collect()
    deliver_due()
    headers = {k.lower(): v for k, v in receiver.received[0]["headers"].items()}
    assert len(headers["webhook-signature"].split()) == 2
    assert receiver_verifies(old, headers, receiver.received[0]["body"])
    assert receiver_verifies(new, headers, receiver.received[0]["body"])


def test_a_failed_call_is_retried_later_with_backoff_and_jitter(receiver, admin_user, settings) -> None:
    endpoint_create(user=admin_user, url=receiver.url)
    receiver.statuses = [500]
    passages(2)
    events_collect()
    before = timezone.now()
    assert deliver_due() == 0
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and delivery.last_status == 500
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 0.8 * settings.IOC_RETRY_BASE_SECONDS <= wait <= 1.2 * settings.IOC_RETRY_BASE_SECONDS + 1
    assert deliver_due() == 0  # not due yet
    Delivery.objects.update(next_attempt_at=timezone.now())  # the time has come
    assert deliver_due() == 1
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


def test_the_backoff_grows_exponentially_up_to_twelve_hours() -> None:
    waits = [backoff(n).total_seconds() for n in range(1, 12)]
    assert 8 <= waits[0] <= 12 and 24 <= waits[1] <= 36 and 72 <= waits[2] <= 108
    assert max(waits) <= 12 * 3600 * 1.2


def test_after_three_days_a_delivery_fails_and_staff_resend_it(receiver, admin_user) -> None:
    endpoint_create(user=admin_user, url=receiver.url)
    receiver.statuses = [503]
    passages(2)
    events_collect()
    Delivery.objects.update(give_up_at=timezone.now() + timedelta(seconds=1))  # three days later
    deliver_due()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    client = Client()
    client.force_login(admin_user)
    page = client.get("/ioc/")
    assert delivery.event.subject in page.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(f"/ioc/deliveries/{delivery.pk}/resend/").status_code == 302
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED  # the task ran on commit
    assert len(receiver.received) == 1


def test_410_disables_the_endpoint_until_staff_enable_it(receiver, admin_user) -> None:
    endpoint = endpoint_create(user=admin_user, url=receiver.url)
    receiver.statuses = [410]
    passages(2)
    events_collect()
    deliver_due()
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == "410 Gone"
    assert Delivery.objects.get().status == DeliveryStatus.FAILED
    passages(1)
    events_collect()  # a new event: no delivery to a disabled endpoint
    assert Delivery.objects.count() == 1
    client = Client()
    client.force_login(admin_user)
    assert client.post(f"/ioc/endpoints/{endpoint.pk}/enable/").status_code == 302
    assert WebhookEndpoint.objects.get().is_active


def test_no_delivery_is_lost_when_the_queued_task_is_lost(receiver, admin_user) -> None:
    """A worker or Redis restart loses the queued task: the delivery is in the database, and
    the minute's sweep (beat) sends it."""
    endpoint_create(user=admin_user, url=receiver.url)
    passages(2)
    events_collect()  # its on-commit task never runs here: as if the broker lost it
    assert Delivery.objects.get().status == DeliveryStatus.PENDING
    assert deliver_due() == 1
    assert len(receiver.received) == 1


def test_a_worker_killed_mid_send_leaves_its_claim_to_lapse(receiver, admin_user) -> None:
    endpoint_create(user=admin_user, url=receiver.url)
    passages(2)
    events_collect()
    claimed = claim(now=timezone.now())  # a worker claims it, then dies before sending
    assert len(claimed) == 1
    assert deliver_due() == 0  # claimed: nobody else sends it
    Delivery.objects.update(locked_until=timezone.now() - timedelta(seconds=1))  # the minute passed
    assert deliver_due() == 1
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


def test_a_receiver_failing_one_call_in_three_loses_nothing(receiver, admin_user) -> None:
    endpoint_create(user=admin_user, url=receiver.url)
    receiver.fail_every = 3
    for hours in range(2, 14):
        passages(1, hours_ago=hours)
    total = events_collect()
    assert total >= 10
    for _round in range(10):
        deliver_due()
        Delivery.objects.filter(status=DeliveryStatus.PENDING).update(next_attempt_at=timezone.now())
    ids = [r["event"]["id"] for r in receiver.received]
    assert sorted(set(ids)) == sorted(IocEvent.objects.values_list("event_id", flat=True))
    assert len(ids) == len(set(ids))


# --- Pulling -------------------------------------------------------------------------------


def test_an_ioc_pulls_the_events_with_a_cursor(admin_user) -> None:
    _client, token = client_create(user=admin_user, name="IOC Quảng Trị")
    ioc = Client(HTTP_AUTHORIZATION=f"IOC {token}")
    passages(2)
    events_collect()
    first = ioc.get("/api/v1/ioc/events/").json()
    assert [e["type"] for e in first["events"]] == ["vn.truyvet.ioc.passages.hourly"]
    again = ioc.get(f"/api/v1/ioc/events/?cursor={first['next_cursor']}").json()
    assert again == {"events": [], "next_cursor": first["next_cursor"]}


def test_the_pull_endpoint_refuses_anybody_without_a_token(client, insider_client) -> None:
    assert client.get("/api/v1/ioc/events/").status_code == 401
    assert insider_client.get("/api/v1/ioc/events/").status_code == 401
    assert Client(HTTP_AUTHORIZATION="IOC ioc_00000000_nope").get("/api/v1/ioc/events/").status_code == 401


def test_a_bad_cursor_is_a_400(admin_user) -> None:
    _client, token = client_create(user=admin_user, name="IOC")
    response = Client(HTTP_AUTHORIZATION=f"IOC {token}").get("/api/v1/ioc/events/?cursor=abc")
    assert response.status_code == 400


def test_a_withdrawn_client_is_refused(admin_user) -> None:
    ioc_client, token = client_create(user=admin_user, name="IOC")
    staff = Client()
    staff.force_login(admin_user)
    staff.post(f"/ioc/clients/{ioc_client.pk}/revoke/")
    assert Client(HTTP_AUTHORIZATION=f"IOC {token}").get("/api/v1/ioc/events/").status_code == 401


# --- Who manages the feed -------------------------------------------------------------------


def test_the_cdc_manages_the_feed_and_a_commune_station_may_not(cdc_client, insider_client, client, receiver) -> None:
    assert cdc_client.get("/ioc/").status_code == 200
    page = cdc_client.post("/ioc/endpoints/new/", {"url": receiver.url, "description": "IOC"})
    assert WebhookEndpoint.objects.get().secret in page.content.decode()
    assert insider_client.get("/ioc/").status_code == 403
    assert insider_client.post("/ioc/endpoints/new/", {"url": receiver.url}).status_code == 403
    assert client.get("/ioc/").status_code == 302
    page = cdc_client.post("/ioc/clients/new/", {"name": "IOC"})
    assert "ioc_" in page.content.decode()


def test_a_fever_alert_is_an_event_with_its_time_checkpoint_and_temperature(insider) -> None:
    from edge_devices.models import DeviceKind
    from edge_devices.services import DeviceInput, ReadingInput, device_register, reading_ingest

    checkpoint = CheckpointFactory(name="Chốt Cam Lộ")
    device, _key = device_register(
        user=insider, checkpoint=checkpoint, data=DeviceInput(kind=DeviceKind.THERMAL_CAMERA, serial="T1")
    )
    from decimal import Decimal

    for seconds, temperature in ((40, "38.6"), (20, "38.9")):  # one traveller: one group, one alert
        reading_ingest(
            device=device,
            data=ReadingInput(
                client_id=uuid.uuid4(),
                captured_at=timezone.now() - timedelta(seconds=seconds),
                temperature_c=Decimal(temperature),
            ),
        )
    events_collect()
    (event,) = IocEvent.objects.filter(type="vn.truyvet.ioc.fever.alert")
    assert event.data["checkpoint_name"] == "Chốt Cam Lộ" and event.data["temperature_c"] == 38.6
    assert set(event.data) == {"time", "checkpoint_id", "checkpoint_name", "ward_code", "temperature_c"}


def test_cases_f1_and_f2_per_ward_and_day_come_from_the_ward_days() -> None:
    from operations.models import WardDay
    from tests.factories import home_ward

    yesterday = timezone.localdate() - timedelta(days=1)
    WardDay.objects.create(
        ward=home_ward(0), day=yesterday, new_local=2, new_imported=1, f1_active=7, f2_active=12,
        computed_at=timezone.now(),
    )  # fmt: skip
    events_collect()
    (event,) = IocEvent.objects.filter(type="vn.truyvet.ioc.tracing.daily")
    assert event.data == {"day": yesterday.isoformat(), "ward_code": home_ward(0).pk, "new_cases": 3, "f1": 7, "f2": 12}
    assert not IocEvent.objects.filter(type="vn.truyvet.ioc.vaccination.coverage.daily").exists()


def test_every_ioc_action_is_refused_to_a_commune_station_and_to_visitors(
    insider_client, client, admin_user, receiver
) -> None:
    from ioc.models import IocClient

    endpoint = endpoint_create(user=admin_user, url=receiver.url)
    ioc_client, _token = client_create(user=admin_user, name="IOC")
    passages(2)
    events_collect()
    delivery = Delivery.objects.get()
    for url in (
        f"/ioc/endpoints/{endpoint.pk}/rotate/",
        f"/ioc/endpoints/{endpoint.pk}/enable/",
        f"/ioc/deliveries/{delivery.pk}/resend/",
        "/ioc/clients/new/",
        f"/ioc/clients/{ioc_client.pk}/revoke/",
    ):
        assert insider_client.post(url).status_code == 403, url
        assert client.post(url).status_code == 302, url
    assert WebhookEndpoint.objects.get().secret == endpoint.secret
    assert IocClient.objects.get().revoked_at is None


def test_a_rotated_secret_is_shown_once_on_the_page(admin_user, receiver) -> None:
    endpoint = endpoint_create(user=admin_user, url=receiver.url)
    staff = Client()
    staff.force_login(admin_user)
    page = staff.post(f"/ioc/endpoints/{endpoint.pk}/rotate/").content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret in page and endpoint.previous_secret not in page
    assert endpoint.secret not in staff.get("/ioc/").content.decode()
