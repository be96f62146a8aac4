"""Duty shifts: who is on duty at which checkpoint (the scanner's home page starts and ends them)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checkpoints.errors import CheckpointError
from checkpoints.models import Checkpoint, DutyShift
from truyvet.accounts.models import User
from truyvet.lib.errors import DomainError


def shift_start(*, user: User, checkpoint: Checkpoint) -> DutyShift:
    """Put ``user`` on duty at ``checkpoint``, ending any shift they left open elsewhere."""
    now = timezone.now()
    with transaction.atomic():
        open_shift = DutyShift.objects.select_for_update().filter(user=user, ended_at__isnull=True).first()
        if open_shift is not None:
            if open_shift.checkpoint_id == checkpoint.pk:
                return open_shift
            open_shift.ended_at = now
            open_shift.save(update_fields=["ended_at"])
        return DutyShift.objects.create(user=user, checkpoint=checkpoint, started_at=now)


def shift_end(*, user: User) -> DutyShift | None:
    shift = DutyShift.objects.filter(user=user, ended_at__isnull=True).first()
    if shift is None:
        raise DomainError(_("You are not on duty."), CheckpointError.NOT_ON_DUTY)
    shift.ended_at = timezone.now()
    shift.save(update_fields=["ended_at"])
    return shift
