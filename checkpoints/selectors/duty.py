"""Who is on duty: the open shifts at checkpoints, and the scanner's list of checkpoints."""

from __future__ import annotations

from dataclasses import dataclass

from checkpoints.models import Checkpoint, DutyShift
from checkpoints.selectors.scope import checkpoints_for_scanning
from truyvet.accounts.models import User


def on_duty(checkpoint_ids: list[int]) -> dict[int, list[DutyShift]]:
    """Open shifts per checkpoint: who is on duty now."""
    found: dict[int, list[DutyShift]] = {pk: [] for pk in checkpoint_ids}
    for shift in DutyShift.objects.filter(checkpoint_id__in=checkpoint_ids, ended_at__isnull=True).select_related(
        "user"
    ):
        found[shift.checkpoint_id].append(shift)
    return found


@dataclass(frozen=True)
class DutyRow:
    checkpoint: Checkpoint
    on_duty: list[DutyShift]
    mine: DutyShift | None  # the user's own open shift here


@dataclass(frozen=True)
class DutyBoard:
    rows: list[DutyRow]
    my_shift: DutyShift | None  # the user's open shift at one of these checkpoints


def duty_board_for(user: User) -> DutyBoard:
    """The checkpoints the user scans at, each with who is on duty there."""
    checkpoints = list(checkpoints_for_scanning(user).select_related("ward"))
    shifts = on_duty([c.pk for c in checkpoints])
    rows = []
    my_shift = None
    for checkpoint in checkpoints:
        here = shifts.get(checkpoint.pk, [])
        mine = next((s for s in here if s.user_id == user.pk), None)
        my_shift = my_shift or mine
        rows.append(DutyRow(checkpoint=checkpoint, on_duty=here, mine=mine))
    return DutyBoard(rows=rows, my_shift=my_shift)
