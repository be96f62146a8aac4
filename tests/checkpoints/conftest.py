"""Builders for checkpoint tests: a checkpoint with the cast's guard on duty, travellers with tokens."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from checkpoints.models import Checkpoint
from tests.factories import CheckpointFactory, HealthUnitFactory, PersonFactory, UserFactory, home_ward
from truyvet.accounts.models import Role, UnitKind, User
from truyvet.credentials.services import qr_issue
from truyvet.people.models import Person


@pytest.fixture
def checkpoint(db: None) -> Checkpoint:
    """A checkpoint on QL4D in ward A."""
    return CheckpointFactory(
        name="Chốt Km 12 QL4D", road="QL4D", border="Ranh giới Lào Cai", latitude=22.4, longitude=103.4
    )


@pytest.fixture
def other_checkpoint(db: None) -> Checkpoint:
    """A checkpoint in another ward (``home_ward(5)``)."""
    return CheckpointFactory(name="Chốt Pa So", road="QL12", ward=home_ward(5))


@pytest.fixture
def guard(guard: User, checkpoint: Checkpoint) -> User:
    """The cast's guard, on duty at ``checkpoint``."""
    checkpoint.staff.add(guard)
    return guard


@pytest.fixture
def outsider_guard(other_checkpoint: Checkpoint) -> User:
    """Checkpoint staff of another checkpoint, in another ward."""
    unit = HealthUnitFactory(name="Tổ chốt khác", kind=UnitKind.CHECKPOINT_TEAM, wards=[home_ward(5)])
    user = UserFactory(username="other_guard", role=Role.CHECKPOINT_STAFF, health_unit=unit)
    other_checkpoint.staff.add(user)
    return user


@pytest.fixture
def traveller(db: None) -> Callable[..., tuple[Person, str]]:
    def make(risk_level: str = "green", **fields: Any) -> tuple[Person, str]:
        """A person with a current personal QR token of ``risk_level``."""
        person = PersonFactory(**fields)
        token, _expires = qr_issue(person=person, risk_level=risk_level)
        return person, token

    return make


def scan(token: str = "", *, minutes_ago: float = 1, **fields: Any) -> dict[str, Any]:
    """A batch item as a tablet sends it."""
    item: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "direction": "in",
        "scanned_at": (timezone.now() - timedelta(minutes=minutes_ago)).isoformat(),
    }
    if token:
        item["qr_token"] = token
    item.update(fields)
    return item


def when(minutes_ago: float) -> datetime:
    return timezone.now() - timedelta(minutes=minutes_ago)
