"""Read-side figures of checkpoints: the live monitoring board, the daily report per
checkpoint and verdict, the passage list and one passage.

Every figure is set-based: the board is a fixed handful of GROUP BY queries (today's
counts, the last 24 hours per hour, open shifts, tablets, the latest flagged travellers)
whatever the number of checkpoints, and the report is one GROUP BY over the period.
Hours and days are local (the portal's time zone), cut by the database with ``Trunc``.

Scope: the checkpoints the user oversees (``checkpoints.selectors.scope.checkpoints_for``).
One passage is also open to the health units its alert went to (``checkpoints.alerts``):
the units covering the traveller's destination ward, or their home ward when none was
given, so the link in the alert works for the unit that must act on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate, TruncHour
from django.http import Http404
from django.utils import timezone

from checkpoints.models import FLAGGED_VERDICTS, Checkpoint, Direction, Passage, Tablet, Verdict, passage_url
from checkpoints.selectors.duty import on_duty
from checkpoints.selectors.scope import checkpoints_for, passages_for
from checkpoints.verdicts import finding_label
from truyvet.accounts.models import User
from truyvet.lib.days import day_start
from truyvet.people.normalize import mask_name

HOURS = 24
FLAGGED_ON_BOARD = 20
_FLAGGED = sorted(FLAGGED_VERDICTS)


# --- Who a traveller is, as a list may show it -----------------------------------------


def masked_identifier(identifier: str) -> str:
    """A typed id number or phone, as '•••678': enough to match it, not to read it."""
    identifier = identifier.strip()
    return "•••" + identifier[-3:] if identifier else ""


def traveller_label(passage: Passage) -> str:
    """The masked name (or masked typed identifier) of the passage's traveller; needs the
    person selected with the passage."""
    if passage.person_id is not None and passage.person is not None:
        return mask_name(passage.person.full_name)
    return masked_identifier(passage.identifier)


# --- The monitoring board --------------------------------------------------------------


@dataclass(frozen=True)
class TabletState:
    device_id: str
    label: str
    user_name: str
    last_seen_at: datetime
    last_sync_at: datetime | None
    pending: int
    offline: bool


@dataclass(frozen=True)
class HourCount:
    hour: datetime  # local, on the hour
    entering: int
    leaving: int


@dataclass
class CheckpointBoard:
    checkpoint: Checkpoint
    entering_today: int = 0
    leaving_today: int = 0
    flagged_today: int = 0
    on_duty: list[str] = field(default_factory=list)
    tablets: list[TabletState] = field(default_factory=list)
    hours: list[HourCount] = field(default_factory=list)

    @property
    def peak(self) -> int:
        """The busiest hour's count in one direction: the chart's scale."""
        return max((max(h.entering, h.leaving) for h in self.hours), default=0)


@dataclass(frozen=True)
class FlaggedRow:
    passage_id: int
    checkpoint_name: str
    scanned_at: datetime
    traveller: str
    verdict: str
    verdict_label: str
    direction_label: str
    reasons: list[str]
    destination: str

    @property
    def url(self) -> str:
        return passage_url(self.passage_id, self.scanned_at)


@dataclass
class Board:
    generated_at: datetime
    hours: list[datetime]
    checkpoints: list[CheckpointBoard]
    flagged: list[FlaggedRow]


def hour_slots(now: datetime, count: int = HOURS) -> list[datetime]:
    """The local hours of the last ``count`` hours, the current one last."""
    current = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    return [current - timedelta(hours=count - 1 - i) for i in range(count)]


def _user_name(user: User | None) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def monitor_board(user: User, *, now: datetime | None = None, flagged_limit: int = FLAGGED_ON_BOARD) -> Board:
    """The active checkpoints the user oversees, each with today's passages, who is on
    duty, its tablets and its last 24 hours; and the latest flagged travellers."""
    now = now or timezone.now()
    slots = hour_slots(now)
    checkpoints = list(checkpoints_for(user).filter(is_active=True).order_by("name", "pk"))
    boards = {c.pk: CheckpointBoard(checkpoint=c) for c in checkpoints}
    ids = list(boards)
    if not ids:
        return Board(generated_at=now, hours=slots, checkpoints=[], flagged=[])
    passages = Passage.objects.filter(checkpoint_id__in=ids)

    today = timezone.localdate(now)
    for row in (
        passages.filter(scanned_at__gte=day_start(today), scanned_at__lt=day_start(today + timedelta(days=1)))
        .values("checkpoint_id")
        .annotate(
            entering=Count("id", filter=Q(direction=Direction.IN)),
            leaving=Count("id", filter=Q(direction=Direction.OUT)),
            flagged=Count("id", filter=Q(verdict__in=_FLAGGED)),
        )
        .order_by()
    ):
        board = boards[row["checkpoint_id"]]
        board.entering_today, board.leaving_today, board.flagged_today = row["entering"], row["leaving"], row["flagged"]

    per_hour: dict[tuple[int, float, str], int] = {}
    for hourly in (
        passages.filter(scanned_at__gte=slots[0], scanned_at__lt=slots[-1] + timedelta(hours=1))
        .annotate(hour=TruncHour("scanned_at", tzinfo=timezone.get_current_timezone()))
        .values("checkpoint_id", "hour", "direction")
        .annotate(n=Count("id"))
        .order_by()
    ):
        per_hour[(hourly["checkpoint_id"], hourly["hour"].timestamp(), hourly["direction"])] = hourly["n"]
    for pk, board in boards.items():
        board.hours = [
            HourCount(
                hour=slot,
                entering=per_hour.get((pk, slot.timestamp(), Direction.IN), 0),
                leaving=per_hour.get((pk, slot.timestamp(), Direction.OUT), 0),
            )
            for slot in slots
        ]

    for pk, shifts in on_duty(ids).items():
        boards[pk].on_duty = [_user_name(s.user) for s in shifts]

    offline_after = settings.CHECKPOINT_TABLET_OFFLINE_AFTER
    for tablet in Tablet.objects.filter(checkpoint_id__in=ids).select_related("user"):
        boards[tablet.checkpoint_id].tablets.append(
            TabletState(
                device_id=tablet.device_id,
                label=tablet.label or tablet.device_id[:8],
                user_name=_user_name(tablet.user),
                last_seen_at=tablet.last_seen_at,
                last_sync_at=tablet.last_sync_at,
                pending=tablet.pending,
                offline=now - tablet.last_seen_at > offline_after,
            )
        )

    flagged = [
        flagged_row(p)
        for p in passages.filter(verdict__in=_FLAGGED, scanned_at__gte=now - timedelta(hours=HOURS))
        .select_related("checkpoint", "person", "destination_ward")
        .only(
            "verdict",
            "direction",
            "reasons",
            "scanned_at",
            "identifier",
            "checkpoint__name",
            "person__full_name",
            "destination_ward__name",
        )
        .order_by("-scanned_at", "-id")[:flagged_limit]
    ]
    return Board(generated_at=now, hours=slots, checkpoints=list(boards.values()), flagged=flagged)


def flagged_row(passage: Passage) -> FlaggedRow:
    return FlaggedRow(
        passage_id=passage.pk,
        checkpoint_name=passage.checkpoint.name,
        scanned_at=passage.scanned_at,
        traveller=traveller_label(passage),
        verdict=passage.verdict,
        verdict_label=str(passage.get_verdict_display()),
        direction_label=str(passage.get_direction_display()),
        reasons=[finding_label(code) for code in passage.reasons],
        destination=passage.destination_ward.name if passage.destination_ward else "",
    )


# --- The daily report ------------------------------------------------------------------

VERDICTS: list[str] = [v.value for v in Verdict]


def daily_report(user: User, *, date_from: date, date_to: date) -> list[dict[str, Any]]:
    """One row per local day, checkpoint and direction, with the count of each verdict,
    newest day first."""
    qs = Passage.objects.filter(
        checkpoint__in=checkpoints_for(user).values("pk"),
        scanned_at__gte=day_start(date_from),
        scanned_at__lt=day_start(date_to + timedelta(days=1)),
    )
    rows: Any = (
        qs.annotate(day=TruncDate("scanned_at", tzinfo=timezone.get_current_timezone()))
        .values(
            "day", "checkpoint_id", "checkpoint__name", "checkpoint__ward_id", "checkpoint__ward__name", "direction"
        )
        .annotate(total=Count("id"), **{v: Count("id", filter=Q(verdict=v)) for v in VERDICTS})
        .order_by("-day", "checkpoint__name", "checkpoint_id", "direction")
    )
    return list(rows)


# --- Passages --------------------------------------------------------------------------


@dataclass(frozen=True)
class PassageFilters:
    date_from: date | None = None
    date_to: date | None = None
    verdict: str = ""
    direction: str = ""


def passage_list(checkpoint: Checkpoint, filters: PassageFilters) -> QuerySet[Passage]:
    """The passages of one checkpoint (the caller got it through ``checkpoint_get_for``),
    newest scan first."""
    qs = Passage.objects.filter(checkpoint=checkpoint)
    if filters.date_from:
        qs = qs.filter(scanned_at__gte=day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(scanned_at__lt=day_start(filters.date_to + timedelta(days=1)))
    if filters.verdict:
        qs = qs.filter(verdict=filters.verdict)
    if filters.direction:
        qs = qs.filter(direction=filters.direction)
    return qs.select_related("person", "origin_ward", "destination_ward").order_by("-scanned_at", "-id")


def passage_get_for(user: User, passage_id: int | str, *, scanned_at: datetime | None = None) -> Passage:
    """One passage with everything its page shows, or 404 outside the user's reach. With
    its ``scanned_at`` (the page's link carries it) PostgreSQL reads one day's partition,
    not every day's."""
    if not str(passage_id).isascii() or not str(passage_id).isdigit():
        raise Http404
    found = passages_for(user).filter(pk=int(passage_id))
    if scanned_at is not None:
        found = found.filter(scanned_at=scanned_at)
    passage = found.select_related(
        "checkpoint__ward", "person__ward", "trip", "origin_ward", "destination_ward", "recorded_by"
    ).first()
    if passage is None:
        raise Http404
    return passage


def passages_of_person(user: User, person_id: int, *, exclude: int, limit: int = 10) -> list[Passage]:
    """The traveller's other passages the user may see, newest first."""
    return list(
        passages_for(user)
        .filter(person_id=person_id)
        .exclude(pk=exclude)
        .select_related("checkpoint", "destination_ward")
        .order_by("-scanned_at", "-id")[:limit]
    )
