from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import HealthUnitFactory, UserFactory, home_ward
from truyvet.accounts.models import HealthUnit, Role, User
from truyvet.lib import sms
from truyvet.lib.signing import reset_keyring

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def _isolated_keys_and_sms(settings: pytest.FixtureRequest, tmp_path: Path) -> Iterator[None]:
    """Each test signs with its own key directory and collects SMS in memory."""
    settings.SIGNING_KEY_DIR = tmp_path / "keys"  # type: ignore[attr-defined]
    settings.SMS_BACKEND = "truyvet.lib.sms.LocmemBackend"  # type: ignore[attr-defined]
    settings.SMS_FILE_PATH = tmp_path / "sms"  # type: ignore[attr-defined]
    reset_keyring()
    sms.outbox.clear()
    yield
    reset_keyring()


@pytest.fixture(autouse=True)
def _tasks_inline_unless_a_worker_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tasks run inline, even with REDIS_URL set, except in tests marked ``worker``."""
    from django.core.cache import cache

    from truyvet.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = request.node.get_closest_marker("worker") is None or previous
    cache.clear()
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def geo_units(transactional_db: None) -> None:
    """Administrative units for tests on a flushed database (live_server, real workers).

    The geo migration loads them, but a transactional test flushes every table when it
    ends, so the next one reloads them (a fraction of a second)."""
    from truyvet.geo.loading import load_units
    from truyvet.geo.models import Province, Ward

    if not Ward.objects.exists():
        load_units(Province, Ward)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def station(db: None) -> HealthUnit:
    """A commune station for the first ward of the home province."""
    return HealthUnitFactory(name="Trạm Y tế phường một", wards=[home_ward(0)])


@pytest.fixture
def other_station(db: None) -> HealthUnit:
    """A commune station for another ward: its staff are outsiders to ``station``'s ward."""
    return HealthUnitFactory(name="Trạm Y tế xã hai", wards=[home_ward(1)])


@pytest.fixture
def insider(station: HealthUnit) -> User:
    return UserFactory(username="insider", role=Role.COMMUNE_STATION, health_unit=station)


@pytest.fixture
def outsider(other_station: HealthUnit) -> User:
    return UserFactory(username="outsider", role=Role.COMMUNE_STATION, health_unit=other_station)


@pytest.fixture
def insider_client(insider: User) -> Client:
    client = Client()
    client.force_login(insider)
    return client


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    client = Client()
    client.force_login(outsider)
    return client
