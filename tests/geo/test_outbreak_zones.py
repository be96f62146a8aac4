"""Outbreak zones: the highest active zone covers a ward (by ward or the whole province);
only the CDC declares them, with coded input errors and an audit event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, home_ward
from truyvet.accounts.models import Role, User
from truyvet.geo.models import OutbreakZone, Ward
from truyvet.geo.selectors import outbreak_zone_for_ward
from truyvet.geo.services import outbreak_zone_create
from truyvet.lib.errors import DomainError
from truyvet.lib.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_highest_active_zone_covers_a_ward_by_ward_or_whole_province() -> None:
    now = timezone.now()
    ward = home_ward(0)
    low = OutbreakZone.objects.create(name="low", level=1, starts_at=now - timedelta(days=1))
    low.wards.set([ward])
    high = OutbreakZone.objects.create(name="high", level=4, starts_at=now - timedelta(days=1), whole_province_id=12)
    OutbreakZone.objects.create(
        name="ended", level=4, starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=1)
    ).wards.set([home_ward(1)])
    OutbreakZone.objects.create(name="future", level=4, starts_at=now + timedelta(days=1)).wards.set([home_ward(2)])
    assert outbreak_zone_for_ward(ward.code) == high
    hanoi = Ward.objects.filter(province_id=1).first()
    assert hanoi is not None and outbreak_zone_for_ward(hanoi.code) is None


@pytest.mark.parametrize(("role", "allowed"), [(Role.PROVINCE_CDC, True), (Role.COMMUNE_STATION, False)])
def test_only_the_cdc_declares_zones_and_it_is_audited(role: str, allowed: bool) -> None:
    user = UserFactory(role=role)

    def make() -> OutbreakZone:
        return outbreak_zone_create(
            user=user, name="Ổ dịch", level=3, starts_at=timezone.now(), ward_codes=[home_ward(0).code]
        )

    if allowed:
        zone = make()
        assert AuditEvent.objects.filter(action="outbreak_zone.create", object_id=str(zone.pk)).exists()
    else:
        with pytest.raises(DomainError) as error:
            make()
        assert error.value.code == "forbidden"


def test_zone_input_errors_have_codes(cdc: User) -> None:
    now = timezone.now()
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "zone_empty"),
        ({"ward_codes": [99999]}, "unknown_ward"),
        ({"ward_codes": [home_ward(0).code], "ends_at": now - timedelta(hours=1)}, "zone_period"),
    ]
    for kwargs, code in cases:
        with pytest.raises(DomainError) as error:
            outbreak_zone_create(user=cdc, name="x", level=2, starts_at=now, **kwargs)
        assert error.value.code == code


def test_the_zones_page_lets_the_cdc_declare_and_others_only_read(client: Client, cdc: User, citizen: User) -> None:
    client.force_login(cdc)
    data: dict[str, Any] = {
        "name": "Ổ dịch bản Nà Lại",
        "level": 3,
        "wards": [home_ward(0).code],
        "starts_at": "2026-11-20T08:00",
    }
    assert client.post(reverse("geo:zones"), data).status_code == 302
    zone = OutbreakZone.objects.get()
    client.force_login(UserFactory(role=Role.COMMUNE_STATION))
    page = client.get(reverse("geo:zones"))
    assert "Ổ dịch bản Nà Lại" in page.content.decode() and page.context["form"] is None
    assert client.post(reverse("geo:zone_end", args=[zone.pk])).status_code == 403
    client.force_login(citizen)
    assert client.get(reverse("geo:zones")).status_code == 403
    client.logout()
    assert client.get(reverse("geo:zones")).status_code == 302
