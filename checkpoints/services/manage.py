"""Managing checkpoints: creating and editing them, and assigning their staff (who may
manage which checkpoints and assign whom: ``checkpoints.selectors.manage``).

Who may: administrators, the province CDC (role ``province_cdc``), and members of a
checkpoint team (a health unit of kind ``checkpoint_team``), each for the checkpoints in
their wards (the CDC: the whole province). Staff they may assign: users with the role
``checkpoint_staff`` in their own unit or a unit under it (administrators and the
province-wide CDC: any). Assignments they may not make are left as they were, so a team
lead editing the list never removes someone the CDC assigned from another team.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from checkpoints.errors import CheckpointError
from checkpoints.models import Checkpoint
from checkpoints.selectors.manage import assignable_staff, checkpoints_managed_by, wards_managed_by
from truyvet.accounts.models import User
from truyvet.accounts.permissions import may_manage_checkpoints
from truyvet.lib.audit import audit_log
from truyvet.lib.errors import DomainError
from truyvet.lib.text import refuse_invisible

FIELDS = ("name", "road", "border", "ward_id", "latitude", "longitude", "is_active")


@dataclass(frozen=True)
class CheckpointInput:
    name: str
    ward_code: int
    road: str = ""
    border: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    is_active: bool = True


def _check_ward(user: User, ward_code: int) -> None:
    if not wards_managed_by(user).filter(code=ward_code).exists():
        raise DomainError(_("You may not place a checkpoint in this ward."), CheckpointError.WARD_OUTSIDE, field="ward")


def _apply(checkpoint: Checkpoint, data: CheckpointInput) -> None:
    for field in ("name", "road", "border"):
        refuse_invisible(getattr(data, field), field)
    checkpoint.name = data.name.strip()
    checkpoint.road = data.road.strip()
    checkpoint.border = data.border.strip()
    checkpoint.ward_id = data.ward_code
    checkpoint.latitude = data.latitude
    checkpoint.longitude = data.longitude
    checkpoint.is_active = data.is_active


def _changes(checkpoint: Checkpoint) -> dict[str, str]:
    return {name: str(getattr(checkpoint, name)) for name in FIELDS}


def checkpoint_create(*, user: User, data: CheckpointInput) -> Checkpoint:
    if not may_manage_checkpoints(user):
        raise DomainError(_("You may not manage checkpoints."), CheckpointError.FORBIDDEN, status=403)
    _check_ward(user, data.ward_code)
    checkpoint = Checkpoint()
    _apply(checkpoint, data)
    with transaction.atomic():
        checkpoint.save(force_insert=True)
        audit_log(actor=user, action="checkpoint.create", obj=checkpoint, detail=_changes(checkpoint))
    return checkpoint


def checkpoint_update(*, user: User, checkpoint: Checkpoint, data: CheckpointInput) -> Checkpoint:
    """Edit a checkpoint the caller got through ``checkpoint_managed_get``."""
    if not checkpoints_managed_by(user).filter(pk=checkpoint.pk).exists():
        raise Http404
    if data.ward_code != checkpoint.ward_id:
        _check_ward(user, data.ward_code)
    before = _changes(checkpoint)
    _apply(checkpoint, data)
    after = _changes(checkpoint)
    changed = {name: [before[name], after[name]] for name in FIELDS if before[name] != after[name]}
    if not changed:
        return checkpoint
    with transaction.atomic():
        checkpoint.save(update_fields=[name.removesuffix("_id") for name in changed])
        audit_log(actor=user, action="checkpoint.update", obj=checkpoint, detail={"changed": changed})
    return checkpoint


def checkpoint_staff_set(*, user: User, checkpoint: Checkpoint, staff: Iterable[User]) -> list[User]:
    """Make ``staff`` the assigned staff among those the user may assign; others assigned
    by someone else stay. Returns the staff now assigned."""
    if not checkpoints_managed_by(user).filter(pk=checkpoint.pk).exists():
        raise Http404
    allowed = set(assignable_staff(user).values_list("pk", flat=True))
    chosen = {u.pk for u in staff}
    if not chosen <= allowed:
        raise DomainError(_("You may not assign this person."), CheckpointError.STAFF_OUTSIDE, field="staff")
    with transaction.atomic():
        current = set(checkpoint.staff.values_list("pk", flat=True))
        added, removed = chosen - current, (current & allowed) - chosen
        if added:
            checkpoint.staff.add(*added)
        if removed:
            checkpoint.staff.remove(*removed)
        if added or removed:
            audit_log(
                actor=user,
                action="checkpoint.staff",
                obj=checkpoint,
                detail={"added": sorted(added), "removed": sorted(removed)},
            )
    return list(checkpoint.staff.order_by("last_name", "first_name", "pk"))
