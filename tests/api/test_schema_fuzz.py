"""schemathesis over /api/schema/, as each role: generated requests (valid and invalid) to
every operation, and chains that follow the schema's links. No answer may be a 500, or
differ from what the schema documents (status, content type, body, headers).

The run is bounded (a fixed number of examples per operation, derandomized) so CI stays
reproducible and takes minutes; it goes through Django's WSGI app inside the test's
transaction, on whichever database the suite runs on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import uuid4

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

from checkpoints.models import Checkpoint
from contacts.models import Case
from tests.factories import HealthUnitFactory, PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Role, UnitKind, User
from truyvet.credentials.services import qr_issue
from vaccination.models import Site
from venues.models import CheckIn, Venue

pytestmark = pytest.mark.django_db

EXAMPLES = 20  # per operation and role; with ~18 operations and 9 roles, about 3,000 requests
STATEFUL_EXAMPLES = 15
STATEFUL_STEPS = 6

ROLES = [
    "anonymous",
    "citizen",
    Role.PROVINCE_CDC,
    Role.HEALTH_CENTRE,
    Role.COMMUNE_STATION,
    Role.CHECKPOINT_STAFF,
    Role.VENUE_OWNER,
    Role.VACCINATION_STAFF,
    Role.BUS_OPERATOR,
]

# Every check runs except one: "schema-valid data is accepted" cannot hold here, since
# what makes input acceptable is mostly beyond a schema (a QR token signed by our key, a
# venue code that exists, an id number's rules); such input is refused with 400 by design.
EXCLUDED_CHECKS = [positive_data_acceptance]

# Failures that belong to other work in progress, left out until it lands:
# "METHOD path" -> the checks skipped there, each with the bug it waits for.
KNOWN: dict[str, list[Any]] = {
    # A batch keeps its passages when its monitoring fields (`tablet_id`, `pending`) are of
    # the wrong type: they are dropped, not refused, so a tablet's offline queue never
    # sticks on them (API.md: each item stands alone). The schema cannot say "ignored".
    "POST /api/v1/checkpoints/{checkpoint_id}/scans/": [negative_data_rejection],
    # The same for a site's batch of doses: an item that breaks the item's schema is answered
    # in its result (rejected, with the field), not with a 400 for the whole batch, so that
    # one bad item never sinks the others.
    "POST /api/v1/vaccination/sites/{site_id}/doses/": [negative_data_rejection],
}


@dataclass
class Cast:
    """Everyone the run calls as, and the records their calls can reach."""

    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    qr_token: str = ""

    def headers(self, role: str) -> dict[str, str]:
        key = self.tokens.get(role)
        # The calls go through WSGI, which does not undo a Content-Encoding as an HTTP client
        # would: ask for answers as they are (the safety map's GeoJSON is gzipped on request).
        found = {"Accept-Encoding": "identity"}
        return {**found, "Authorization": f"Token {key}"} if key else found


def _user(role: str, **fields: Any) -> User:
    return UserFactory(role=role, **fields)


@pytest.fixture
def _quiet_refusals() -> Iterator[None]:
    """Thousands of refused requests: only server errors are worth a line in the log."""
    log = logging.getLogger("django.request")
    level = log.level
    log.setLevel(logging.ERROR)
    yield
    log.setLevel(level)


@pytest.fixture
def _one_connection() -> Iterator[None]:
    """Requests reach Django's WSGI handler, which closes old database connections around
    each request; inside the test's transaction that would close it (PostgreSQL). Django's
    test client turns this off the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def cast(db: None, settings: Any, _quiet_refusals: None, _one_connection: None) -> Cast:
    settings.RATELIMIT_ENABLE = False  # thousands of public calls from one address
    ward = home_ward(0)
    cdc = HealthUnitFactory(name="CDC", kind=UnitKind.PROVINCE_CDC, whole_province=True)
    centre = HealthUnitFactory(name="TTYT", kind=UnitKind.HEALTH_CENTRE, wards=[ward, home_ward(1)])
    station = HealthUnitFactory(name="TYT", kind=UnitKind.COMMUNE_STATION, wards=[ward])
    team = HealthUnitFactory(name="Tổ chốt", kind=UnitKind.CHECKPOINT_TEAM, wards=[ward])
    site = HealthUnitFactory(name="Điểm tiêm", kind=UnitKind.VACCINATION_SITE, wards=[ward])
    users = {
        "citizen": _user(Role.CITIZEN, person=PersonFactory()),
        Role.PROVINCE_CDC: _user(Role.PROVINCE_CDC, health_unit=cdc),
        Role.HEALTH_CENTRE: _user(Role.HEALTH_CENTRE, health_unit=centre),
        Role.COMMUNE_STATION: _user(Role.COMMUNE_STATION, health_unit=station),
        Role.CHECKPOINT_STAFF: _user(Role.CHECKPOINT_STAFF, health_unit=team),
        Role.VENUE_OWNER: _user(Role.VENUE_OWNER),
        Role.VACCINATION_STAFF: _user(Role.VACCINATION_STAFF, health_unit=site),
        Role.BUS_OPERATOR: _user(Role.BUS_OPERATOR),
    }
    vaccination_site = Site.objects.create(name="Trạm tiêm", ward=ward)
    vaccination_site.staff.add(users[Role.VACCINATION_STAFF])
    checkpoint = Checkpoint.objects.create(name="Chốt Km 12", road="QL4D", ward=ward, latitude=22.4, longitude=103.4)
    checkpoint.staff.add(users[Role.CHECKPOINT_STAFF])
    venue = Venue.objects.create(
        name="Chợ Trung tâm", category="market", address="1 Lê Lợi", ward=ward, owner=users[Role.VENUE_OWNER]
    )
    traveller = PersonFactory()
    qr_token, _expires = qr_issue(person=traveller, risk_level="green")
    sick = PersonFactory()
    case = Case.objects.create(person=sick, ward_id=sick.ward_id, confirmed_at=timezone.now() - timedelta(days=1))
    arrived = timezone.now() - timedelta(hours=1)
    checkin = CheckIn.objects.create(
        person=traveller, venue=venue, checked_in_at=arrived, ends_at=arrived + timedelta(hours=2), client_id=uuid4()
    )
    return Cast(
        tokens={role: Token.objects.create(user=user).key for role, user in users.items()},
        ids={
            "case_id": case.pk,
            "checkpoint_id": checkpoint.pk,
            "venue_id": venue.pk,
            "checkin_id": checkin.pk,
            "person_id": traveller.pk,
            "site_id": vaccination_site.pk,
        },
        qr_token=qr_token,
    )


def _load_schema() -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    # Query parameters the schema does not name are ignored, by design (clients may send more
    # than an endpoint reads), so requests with made-up ones are not generated; credentials
    # are each role's real token (or none), not made-up ones.
    schema.config.generation.update(
        max_examples=EXAMPLES,
        deterministic=True,
        database="none",
        allow_extra_parameters=False,
        with_security_parameters=False,
    )
    return schema


# Loaded when the module is collected: the schema comes from code, no database is read.
schema = _load_schema()


@pytest.fixture(params=ROLES)
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# The cast (function-scoped) is shared by the examples of one test on purpose: records
# accumulate as they would on a real server.
FUZZ_SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(
    case: schemathesis.Case, role: str, cast: Cast
) -> None:
    # Path ids point at the cast's records, so calls reach real objects (or the caller's 404).
    for name in case.path_parameters or {}:
        if name in cast.ids:
            case.path_parameters[name] = cast.ids[name]
    known = KNOWN.get(f"{case.operation.method.upper()} {case.operation.path}", [])
    case.call_and_validate(headers=cast.headers(role), excluded_checks=EXCLUDED_CHECKS + known)


@pytest.fixture
def api_schema(cast: Cast) -> schemathesis.BaseSchema:
    loaded = _load_schema()
    loaded.config.update(parameters=dict(cast.ids))
    return loaded


def test_chains_that_follow_the_schemas_links_stay_within_the_schema(
    api_schema: schemathesis.BaseSchema, role: str, cast: Cast
) -> None:
    headers = cast.headers(role)

    class Workflow(api_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(
            self, response: schemathesis.Response, case: schemathesis.Case, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            known = KNOWN.get(f"{case.operation.method.upper()} {case.operation.path}", [])
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=EXCLUDED_CHECKS + known,
                headers=headers,
                transport_kwargs=kwargs,
            )

    Workflow.run(
        settings=hypothesis.settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
