"""Which checkpoints and passages a user may see, decided in one place.

- Scanning: a checkpoint's assigned staff (and administrators) may scan there.
- Oversight (monitoring, reports, passages): the units whose wards include the
  checkpoint's ward (the CDC: the whole province), and the checkpoint's own staff.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from checkpoints.models import Checkpoint, Passage
from truyvet.accounts.jurisdiction import jurisdiction_wards, sees_everywhere, ward_filter
from truyvet.accounts.models import User
from truyvet.lib.bounds import MAX_INT


def checkpoints_for_scanning(user: User) -> QuerySet[Checkpoint]:
    if not (user.is_authenticated and user.is_active):
        return Checkpoint.objects.none()
    qs = Checkpoint.objects.filter(is_active=True)
    return qs if sees_everywhere(user) else qs.filter(staff=user)


def _is_id(value: int | str) -> bool:
    """Whether a checkpoint id from a URL can name a row (digits, within PostgreSQL's integer)."""
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_INT


def checkpoint_for_scanning(user: User, checkpoint_id: int | str) -> Checkpoint:
    """The checkpoint, or 404 when absent, inactive or not one the user scans at."""
    if not _is_id(checkpoint_id):
        raise Http404
    checkpoint = checkpoints_for_scanning(user).filter(pk=int(checkpoint_id)).select_related("ward").first()
    if checkpoint is None:
        raise Http404
    return checkpoint


def checkpoints_for(user: User) -> QuerySet[Checkpoint]:
    """The checkpoints the user oversees (monitoring, reports)."""
    if not (user.is_authenticated and user.is_active):
        return Checkpoint.objects.none()
    condition = ward_filter(user)
    qs = Checkpoint.objects.select_related("ward")
    if condition is None:
        return qs
    return qs.filter(condition | Q(staff=user)).distinct()


def checkpoint_get_for(user: User, checkpoint_id: int | str) -> Checkpoint:
    if not _is_id(checkpoint_id):
        raise Http404
    checkpoint = checkpoints_for(user).filter(pk=int(checkpoint_id)).first()
    if checkpoint is None:
        raise Http404
    return checkpoint


def checkpoint_visible_to(user: User, checkpoint: Checkpoint) -> bool:
    """Whether the user oversees this checkpoint (a passage's page links to its list)."""
    return checkpoints_for(user).filter(pk=checkpoint.pk).exists()


def passages_for(user: User) -> QuerySet[Passage]:
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
