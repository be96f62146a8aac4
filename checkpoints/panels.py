"""Sections that apps above checkpoints add to its pages, without checkpoints importing them.

``edge_devices`` reads checkpoints and may not be read by it (docs/ARCHITECTURE.md); yet the
checkpoint's board lists its silent devices and a passage's page shows the temperature and
face a camera took. So the app registers, in its ``AppConfig.ready``, a function per page
that gives the template and context of its section (or None), and the page includes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from checkpoints.models import Checkpoint, Passage
from truyvet.accounts.models import User


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


BoardPanel = Callable[[User, Sequence[Checkpoint]], Panel | None]
PassagePanel = Callable[[User, Passage], Panel | None]

_board: list[BoardPanel] = []
_passage: list[PassagePanel] = []


def add_board_panel(panel: BoardPanel) -> None:
    if panel not in _board:
        _board.append(panel)


def add_passage_panel(panel: PassagePanel) -> None:
    if panel not in _passage:
        _passage.append(panel)


def board_panels(user: User, checkpoints: Sequence[Checkpoint]) -> list[Panel]:
    return [p for p in (make(user, checkpoints) for make in _board) if p is not None]


def passage_panels(user: User, passage: Passage) -> list[Panel]:
    return [p for p in (make(user, passage) for make in _passage) if p is not None]
