from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import HealthUnitFactory, UserFactory, home_ward
from truyvet.accounts.models import HealthUnit, Role, UnitKind, User
from truyvet.lib import sms
from truyvet.lib.signing import reset_keyring

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# --- The repository's own database is never touched ---------------------------------------
#
# Without DATABASE_URL the settings use ./db.sqlite3, the developer's own data. pytest-django's
# SQLite test database lives in memory, but a subprocess the tests start (``manage.py`` calls,
# the healthz script) reads the settings afresh: each gets a throwaway SQLite file instead, and
# the run fails if ./db.sqlite3 (or its WAL files) was created or changed all the same.

REPOSITORY_DATABASE = Path(__file__).resolve().parent.parent / "db.sqlite3"
_SCRATCH = Path(tempfile.mkdtemp(prefix="truyvet-tests-"))
SCRATCH_DATABASE_URL = f"sqlite:///{_SCRATCH / 'subprocess.sqlite3'}"
_DATABASE_STATE = pytest.StashKey[dict[str, tuple[int, int] | None]]()


def _repository_database_state() -> dict[str, tuple[int, int] | None]:
    state: dict[str, tuple[int, int] | None] = {}
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = REPOSITORY_DATABASE.with_name(REPOSITORY_DATABASE.name + suffix)
        state[path.name] = (path.stat().st_mtime_ns, path.stat().st_size) if path.exists() else None
    return state


def pytest_configure(config: pytest.Config) -> None:
    """Subprocesses that name no database get the throwaway one (the settings of this process
    were read already: its test database is pytest-django's)."""
    os.environ.setdefault("DATABASE_URL", SCRATCH_DATABASE_URL)
    config.stash[_DATABASE_STATE] = _repository_database_state()


def pytest_unconfigure(config: pytest.Config) -> None:
    if os.environ.get("DATABASE_URL") == SCRATCH_DATABASE_URL:
        del os.environ["DATABASE_URL"]
    shutil.rmtree(_SCRATCH, ignore_errors=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The run fails if it created or changed ./db.sqlite3."""
    before = session.config.stash.get(_DATABASE_STATE, None)
    if before is None or _repository_database_state() == before:
        return
    message = f"the test run wrote {REPOSITORY_DATABASE} (or its WAL files): a test or subprocess used it"
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"ERROR: {message}", red=True, bold=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _isolated_keys_and_sms(settings: pytest.FixtureRequest, tmp_path: Path) -> Iterator[None]:
    """Each test signs with its own key directory and collects SMS in memory; no certificate
    signer is kept from an earlier test (its row was rolled back with that test)."""
    from vaccination.signers import forget_signer

    forget_signer()
    settings.SIGNING_KEY_DIR = tmp_path / "keys"  # type: ignore[attr-defined]
    settings.SMS_BACKEND = "truyvet.lib.sms.LocmemBackend"  # type: ignore[attr-defined]
    settings.SMS_FILE_PATH = tmp_path / "sms"  # type: ignore[attr-defined]
    reset_keyring()
    sms.outbox.clear()
    yield
    reset_keyring()
    forget_signer()


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


# --- The cast --------------------------------------------------------------------------------
#
# One set of people every test folder shares, as healthchecks has alice, bob and charlie. Ward A
# is ``home_ward(0)``, ward B is ``home_ward(1)``. Each person has a ``<name>_client`` signed in
# as them. Ask for the person you need by name; build anyone else with ``tests.factories``.


def signed_in(user: User) -> Client:
    """A test client with ``user`` signed in."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cdc_unit(db: None) -> HealthUnit:
    """The province CDC: its jurisdiction is the whole home province."""
    return HealthUnitFactory(name="CDC tỉnh", kind=UnitKind.PROVINCE_CDC, whole_province=True)


@pytest.fixture
def cdc(cdc_unit: HealthUnit) -> User:
    """Nguyễn Hồng, an officer of the province CDC: sees every ward."""
    return UserFactory(
        username="cdc", role=Role.PROVINCE_CDC, health_unit=cdc_unit, first_name="Hồng", last_name="Nguyễn"
    )


@pytest.fixture
def cdc_client(cdc: User) -> Client:
    """The CDC officer, signed in."""
    return signed_in(cdc)


@pytest.fixture
def station(db: None) -> HealthUnit:
    """The commune station of ward A (``home_ward(0)``)."""
    return HealthUnitFactory(name="Trạm Y tế phường một", wards=[home_ward(0)])


@pytest.fixture
def other_station(db: None) -> HealthUnit:
    """The commune station of ward B (``home_ward(1)``): its staff are outsiders to ward A."""
    return HealthUnitFactory(name="Trạm Y tế xã hai", wards=[home_ward(1)])


@pytest.fixture
def insider(station: HealthUnit) -> User:
    """Staff of ward A's commune station: the owner of ward A's people, cases and venues."""
    return UserFactory(username="insider", role=Role.COMMUNE_STATION, health_unit=station)


@pytest.fixture
def outsider(other_station: HealthUnit) -> User:
    """Staff of ward B's commune station: may not see ward A's records (a 404)."""
    return UserFactory(username="outsider", role=Role.COMMUNE_STATION, health_unit=other_station)


@pytest.fixture
def insider_client(insider: User) -> Client:
    """Ward A's commune station, signed in."""
    return signed_in(insider)


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    """Ward B's commune station, signed in."""
    return signed_in(outsider)


@pytest.fixture
def centre(db: None) -> User:
    """Staff of the health centre that covers wards A and B."""
    unit = HealthUnitFactory(name="TTYT thử", kind=UnitKind.HEALTH_CENTRE, wards=[home_ward(0), home_ward(1)])
    return UserFactory(username="centre", role=Role.HEALTH_CENTRE, health_unit=unit)


@pytest.fixture
def centre_client(centre: User) -> Client:
    """The health centre, signed in."""
    return signed_in(centre)


@pytest.fixture
def venue_owner(db: None) -> User:
    """The owner of a venue (tests give them one with ``VenueFactory(owner=venue_owner)``)."""
    return UserFactory(username="owner1", role=Role.VENUE_OWNER)


@pytest.fixture
def venue_owner_client(venue_owner: User) -> Client:
    """The venue owner, signed in."""
    return signed_in(venue_owner)


@pytest.fixture
def guard(db: None) -> User:
    """Checkpoint staff of a checkpoint team in ward A (on duty at ``checkpoint`` in tests/checkpoints)."""
    unit = HealthUnitFactory(name="Tổ chốt thử", kind=UnitKind.CHECKPOINT_TEAM, wards=[home_ward(0)])
    return UserFactory(username="guard", role=Role.CHECKPOINT_STAFF, health_unit=unit)


@pytest.fixture
def guard_client(guard: User) -> Client:
    """The checkpoint guard, signed in."""
    return signed_in(guard)


@pytest.fixture
def bus_operator(db: None) -> User:
    """Vũ Đức Thắng, a bus operator who declares trips and their passengers."""
    return UserFactory(username="nhaxe", role=Role.BUS_OPERATOR, first_name="Thắng", last_name="Vũ Đức")


@pytest.fixture
def bus_operator_client(bus_operator: User) -> Client:
    """The bus operator, signed in."""
    return signed_in(bus_operator)


@pytest.fixture
def vaccinator(db: None) -> User:
    """Staff of a vaccination site in ward A."""
    unit = HealthUnitFactory(name="Điểm tiêm thử", kind=UnitKind.VACCINATION_SITE, wards=[home_ward(0)])
    return UserFactory(username="vaccinator", role=Role.VACCINATION_STAFF, health_unit=unit)


@pytest.fixture
def vaccinator_client(vaccinator: User) -> Client:
    """The vaccinator, signed in."""
    return signed_in(vaccinator)


@pytest.fixture
def citizen(db: None) -> User:
    """A citizen who signs in with their phone and a code (no password)."""
    return UserFactory(username="citizen", role=Role.CITIZEN, phone="+84912345678", password=None)


@pytest.fixture
def citizen_client(citizen: User) -> Client:
    """The citizen, signed in."""
    return signed_in(citizen)


@pytest.fixture
def administrator(db: None) -> User:
    """The portal's administrator: Django admin, user accounts, settings."""
    return UserFactory(username="admin", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)


@pytest.fixture
def administrator_client(administrator: User) -> Client:
    """The administrator, signed in."""
    return signed_in(administrator)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--write-pictures",
        action="store_true",
        help="Write the README's screenshots to docs/pictures/ (tests/browser/test_readme_pictures.py).",
    )
