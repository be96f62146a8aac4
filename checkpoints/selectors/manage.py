"""Who may manage which checkpoints, and assign whom (``checkpoints.services.manage`` writes).

Who may: administrators, the province CDC (role ``province_cdc``), and members of a
checkpoint team (a health unit of kind ``checkpoint_team``), each for the checkpoints in
their wards (the CDC: the whole province). Staff they may assign: users with the role
``checkpoint_staff`` in their own unit or a unit under it (administrators and the
province-wide CDC: any).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from checkpoints.models import Checkpoint
from truyvet.accounts.jurisdiction import jurisdiction_wards, scope_to_jurisdiction, sees_province
from truyvet.accounts.models import Role, User
from truyvet.accounts.permissions import may_manage_checkpoints
from truyvet.geo.models import Ward


def checkpoints_managed_by(user: User) -> QuerySet[Checkpoint]:
    """Checkpoints the user may edit (inactive ones too)."""
    if not may_manage_checkpoints(user):
        return Checkpoint.objects.none()
    return scope_to_jurisdiction(Checkpoint.objects.select_related("ward"), user)


def checkpoint_managed_get(user: User, checkpoint_id: int | str) -> Checkpoint:
    if not str(checkpoint_id).isascii() or not str(checkpoint_id).isdigit():
        raise Http404
    checkpoint = checkpoints_managed_by(user).filter(pk=int(checkpoint_id)).first()
    if checkpoint is None:
        raise Http404
    return checkpoint


def wards_managed_by(user: User) -> QuerySet[Ward]:
    """Wards where the user may place a checkpoint."""
    return jurisdiction_wards(user) if may_manage_checkpoints(user) else Ward.objects.none()


def assignable_staff(user: User) -> QuerySet[User]:
    """Active checkpoint staff the user may assign to their checkpoints."""
    if not may_manage_checkpoints(user):
        return User.objects.none()
    qs = User.objects.filter(role=Role.CHECKPOINT_STAFF, is_active=True).order_by("last_name", "first_name", "pk")
    if sees_province(user):
        return qs
    unit_id = user.health_unit_id
    return qs.filter(Q(health_unit_id=unit_id) | Q(health_unit__parent_id=unit_id))


def checkpoint_list_managed_by(user: User) -> QuerySet[Checkpoint]:
    """The management list: active checkpoints first, then by name, with their staff."""
    return checkpoints_managed_by(user).prefetch_related("staff").order_by("-is_active", "name", "pk")


def ward_options(user: User, checkpoint: Checkpoint | None = None) -> list[tuple[int, str]]:
    """The wards a checkpoint may be placed in, as (code, name) by name: the user's, and a
    checkpoint's own ward even if the user's wards changed since."""
    wards = wards_managed_by(user)
    if checkpoint is not None:
        wards = (wards | Ward.objects.filter(code=checkpoint.ward_id)).distinct()
    return list(wards.order_by("sort_name", "name").values_list("code", "name"))


def assigned_staff(checkpoint: Checkpoint) -> list[User]:
    """The staff assigned to the checkpoint, by name."""
    return list(checkpoint.staff.order_by("last_name", "first_name", "pk"))


def staff_not_assignable(user: User, staff: list[User]) -> list[User]:
    """Of these staff, those the user may not assign or remove (they stay as they are)."""
    allowed = set(assignable_staff(user).values_list("pk", flat=True))
    return [member for member in staff if member.pk not in allowed]
