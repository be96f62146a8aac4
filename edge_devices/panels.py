"""The sections edge_devices adds to checkpoint pages (``checkpoints.panels``): the devices
silent too long and today's fevers on the board, a passage's temperature and face."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from checkpoints.models import Checkpoint, Passage
from checkpoints.panels import Panel, add_board_panel, add_passage_panel
from edge_devices.models import Reading
from edge_devices.selectors import devices_offline, readings_of_passage
from truyvet.accounts.models import User
from truyvet.lib.days import day_start


def board_panel(user: User, checkpoints: Sequence[Checkpoint]) -> Panel | None:
    ids = [c.pk for c in checkpoints]
    if not ids:
        return None
    fevers = list(
        Reading.objects.filter(
            checkpoint_id__in=ids,
            fever=True,
            fever_group__isnull=True,
            captured_at__gte=day_start(timezone.localdate()),
        )
        .select_related("checkpoint")
        .order_by("-captured_at")[:20]
    )
    return Panel("edge_devices/_board.html", {"offline": devices_offline(ids), "fevers": fevers})


def passage_panel(user: User, passage: Passage) -> Panel | None:
    readings = list(readings_of_passage(passage.pk))
    return Panel("edge_devices/_passage.html", {"readings": readings}) if readings else None


def register() -> None:
    add_board_panel(board_panel)
    add_passage_panel(passage_panel)
