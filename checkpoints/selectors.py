"""Reads at checkpoints, scoped in one place.

- Scanning: a checkpoint's assigned staff (and administrators) may scan there.
- Oversight (monitoring, reports, passages): the units whose wards include the
  checkpoint's ward (the CDC: the whole province), and the checkpoint's own staff.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from checkpoints.models import Checkpoint, DutyShift, Passage
from truyvet.accounts.jurisdiction import jurisdiction_wards, sees_everywhere, ward_filter
from truyvet.lib.bounds import MAX_INT
from truyvet.people.models import Person
from truyvet.people.normalize import normalize_phone


def checkpoints_for_scanning(user: Any) -> QuerySet[Checkpoint]:
    if not (user.is_authenticated and user.is_active):
        return Checkpoint.objects.none()
    qs = Checkpoint.objects.filter(is_active=True)
    return qs if sees_everywhere(user) else qs.filter(staff=user)


def _is_id(value: int | str) -> bool:
    """Whether a checkpoint id from a URL can name a row (digits, within PostgreSQL's integer)."""
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_INT


def checkpoint_for_scanning(user: Any, checkpoint_id: int | str) -> Checkpoint:
    """The checkpoint, or 404 when absent, inactive or not one the user scans at."""
    if not _is_id(checkpoint_id):
        raise Http404
    checkpoint = checkpoints_for_scanning(user).filter(pk=int(checkpoint_id)).select_related("ward").first()
    if checkpoint is None:
        raise Http404
    return checkpoint


def checkpoints_for(user: Any) -> QuerySet[Checkpoint]:
    """The checkpoints the user oversees (monitoring, reports)."""
    if not (user.is_authenticated and user.is_active):
        return Checkpoint.objects.none()
    condition = ward_filter(user)
    qs = Checkpoint.objects.select_related("ward")
    if condition is None:
        return qs
    return qs.filter(condition | Q(staff=user)).distinct()


def checkpoint_get_for(user: Any, checkpoint_id: int | str) -> Checkpoint:
    if not _is_id(checkpoint_id):
        raise Http404
    checkpoint = checkpoints_for(user).filter(pk=int(checkpoint_id)).first()
    if checkpoint is None:
        raise Http404
    return checkpoint


def passages_for(user: Any) -> QuerySet[Passage]:
    """Passages at the checkpoints the user oversees, and the passages whose alert went to
    the user's unit (destination ward, else home ward, in the user's wards)."""
    if not (user.is_authenticated and user.is_active):
        return Passage.objects.none()
    if sees_everywhere(user):
        return Passage.objects.all()
    wards = jurisdiction_wards(user).values("code")
    return Passage.objects.filter(
        Q(checkpoint__in=checkpoints_for(user).values("pk"))
        | Q(destination_ward__in=wards)
        | Q(destination_ward__isnull=True, person__ward__in=wards)
    )


def on_duty(checkpoint_ids: list[int]) -> dict[int, list[DutyShift]]:
    """Open shifts per checkpoint: who is on duty now."""
    found: dict[int, list[DutyShift]] = {pk: [] for pk in checkpoint_ids}
    for shift in DutyShift.objects.filter(checkpoint_id__in=checkpoint_ids, ended_at__isnull=True).select_related(
        "user"
    ):
        found[shift.checkpoint_id].append(shift)
    return found


def identifier_key(*, id_number: str = "", phone: str = "") -> str:
    """How a typed id (citizen id or passport number) or phone is looked up: "id:<NUMBER>"
    or "phone:<E.164>" (the phone as typed when it is not a mobile number)."""
    if id_number:
        return "id:" + id_number.strip().upper()
    return "phone:" + (normalize_phone(phone) or phone.strip())


def people_by_identifier(keys: Iterable[str]) -> dict[str, list[int]]:
    """The people each ``identifier_key`` names (a phone can name a household), in at most
    two queries whatever the number of keys."""
    numbers = {key[3:] for key in keys if key.startswith("id:")}
    phones = {key[6:] for key in keys if key.startswith("phone:")}
    found: dict[str, list[int]] = {}
    if numbers:
        people = Person.objects.filter(Q(id_number__in=numbers) | Q(passport_number__in=numbers))
        for pk, id_number, passport in people.values_list("pk", "id_number", "passport_number").order_by("pk"):
            for number in {id_number, passport} & numbers:
                found.setdefault(f"id:{number}", []).append(pk)
    if phones:
        for pk, phone in Person.objects.filter(phone__in=phones).values_list("pk", "phone").order_by("pk"):
            found.setdefault(f"phone:{phone}", []).append(pk)
    return found
