"""Every read of help requests and volunteers that pages, the API, the operations dashboard
and the steering committee's daily report share.

Staff reads are scoped by ``truyvet.accounts.jurisdiction`` (404 outside the user's wards).
The counts take the wards as given (``wards=None``: no limit): the caller passes
``jurisdiction_wards(user)`` or the wards of the report.

The public map (``sos_map_features``) reads only the type, the status and the pin, rounded
here to two decimal places (about a kilometre); the phone, the name, the address and the
text are never selected.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from relief.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Availability,
    HelpKind,
    HelpRequest,
    HelpRequestEvent,
    HelpStatus,
    Skill,
    Team,
    Volunteer,
    VolunteerSkill,
)
from truyvet.accounts.jurisdiction import jurisdiction_wards, scope_to_jurisdiction, sees_everywhere
from truyvet.accounts.models import User
from truyvet.geo.models import Ward
from truyvet.lib.days import day_start
from truyvet.people.normalize import normalize_phone, search_key

Wards = QuerySet[Ward] | Iterable[int] | None

MAP_PLACES = Decimal("0.01")  # about 1.1 km of latitude, 1 km of longitude here
MAP_MAX_FEATURES = 5000


def _ward_codes(wards: Wards, field: str = "ward") -> Q:
    """A filter on ``field`` for the wards given (a Ward queryset or codes); empty: no limit."""
    if wards is None:
        return Q()
    if isinstance(wards, QuerySet):
        return Q(**{f"{field}__in": wards.values("code")})
    return Q(**{f"{field}__in": list(wards)})


def _day(day: date | None) -> Q:
    if day is None:
        return Q()
    return Q(created_at__gte=day_start(day), created_at__lt=day_start(day + timedelta(days=1)))


# --- Help requests: staff --------------------------------------------------------------------


def sos_list_for(
    user: User | AnonymousUser, *, statuses: Iterable[str] | None = None, kind: str = "", ward_code: int | None = None
) -> QuerySet[HelpRequest]:
    """The help requests of the user's wards, newest first, filtered (``statuses`` None:
    every status)."""
    qs = scope_to_jurisdiction(HelpRequest.objects.select_related("ward", "volunteer", "team"), user)
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    if kind:
        qs = qs.filter(kind=kind)
    if ward_code is not None:
        qs = qs.filter(ward_id=ward_code)
    return qs.order_by("-created_at", "-pk")


def sos_get_for(user: User | AnonymousUser, sos_id: int) -> HelpRequest:
    """One help request of the user's wards, or 404."""
    sos = (
        scope_to_jurisdiction(HelpRequest.objects.select_related("ward", "volunteer", "team", "duplicate_of"), user)
        .filter(pk=sos_id)
        .first()
    )
    if sos is None:
        raise Http404
    return sos


def sos_history(sos: HelpRequest) -> list[HelpRequestEvent]:
    """The request's steps, oldest first."""
    return list(sos.events.select_related("volunteer", "team", "duplicate_of").order_by("at", "pk"))


def sos_duplicates_of(sos: HelpRequest) -> list[HelpRequest]:
    return list(sos.duplicates.order_by("pk"))


def sos_by_ref(ref: str) -> HelpRequest:
    """The request behind a requester's follow link, or 404."""
    if not (0 < len(ref) <= 32 and ref.isascii()):
        raise Http404
    sos = HelpRequest.objects.select_related("ward").filter(ref=ref).first()
    if sos is None:
        raise Http404
    return sos


# --- Help requests: the public map -------------------------------------------------------


def _rounded(value: Decimal) -> float:
    return float(value.quantize(MAP_PLACES, rounding=ROUND_HALF_EVEN))


def sos_map_features(
    *, statuses: Iterable[str] | None = None, kinds: Iterable[str] | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """GeoJSON features of the public map: open requests, and done or duplicate ones for
    ``RELIEF_MAP_CLOSED_DAYS`` after they closed. Each holds the type, the status and the
    pin rounded to about a kilometre; they are ordered by those alone, so that their order
    says nothing of when a request came or of its number."""
    now = now or timezone.now()
    closed_since = now - timedelta(days=settings.RELIEF_MAP_CLOSED_DAYS)
    qs = HelpRequest.objects.filter(
        Q(status__in=OPEN_STATUSES) | Q(status__in=CLOSED_STATUSES, status_changed_at__gte=closed_since)
    )
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    rows = qs.order_by("-status_changed_at").values_list("kind", "status", "latitude", "longitude")
    points = sorted(
        (kind, status, _rounded(latitude), _rounded(longitude))
        for kind, status, latitude, longitude in rows[:MAP_MAX_FEATURES]
    )
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
            "properties": {"type": kind, "status": status},
        }
        for kind, status, latitude, longitude in points
    ]


# --- Counts for the operations dashboard and the daily report --------------------------------


def _by(values: Iterable[str], counted: dict[str, int]) -> dict[str, int]:
    return {value: counted.get(value, 0) for value in values}


def sos_counts(*, day: date | None = None, wards: Wards = None) -> dict[str, Any]:
    """Help requests received on ``day`` (local; None: ever) in ``wards`` (None: all):
    ``{"total", "open", "by_status": {status: n}, "by_type": {type: n}}``, every status and
    type present (0 when none)."""
    qs = HelpRequest.objects.filter(_day(day), _ward_codes(wards)).order_by()
    by_status = dict(qs.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    by_type = dict(qs.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    return {
        "total": sum(by_status.values()),
        "open": sum(n for status, n in by_status.items() if status in OPEN_STATUSES),
        "by_status": _by(HelpStatus.values, by_status),
        "by_type": _by(HelpKind.values, by_type),
    }


def sos_counts_by_ward(day: date | None = None, *, wards: Wards = None) -> list[dict[str, Any]]:
    """Per ward with at least one request received on ``day`` (None: ever), by ward name:
    ``[{"ward_code", "ward_name", "total", "open", "by_status": {...}, "by_type": {...}}]``."""
    qs = HelpRequest.objects.filter(_day(day), _ward_codes(wards)).order_by()
    rows = qs.values_list("ward_id", "ward__name", "status", "kind").annotate(n=Count("pk"))
    found: dict[int, dict[str, Any]] = {}
    for ward_code, ward_name, status, kind, n in rows:
        entry = found.setdefault(
            ward_code,
            {
                "ward_code": ward_code,
                "ward_name": ward_name,
                "total": 0,
                "open": 0,
                "by_status": dict.fromkeys(HelpStatus.values, 0),
                "by_type": dict.fromkeys(HelpKind.values, 0),
            },
        )
        entry["total"] += n
        entry["open"] += n if status in OPEN_STATUSES else 0
        entry["by_status"][status] += n
        entry["by_type"][kind] += n
    return sorted(found.values(), key=lambda entry: (search_key(entry["ward_name"]), entry["ward_code"]))


def volunteer_counts(*, wards: Wards = None) -> dict[str, Any]:
    """Volunteers whose area includes any of ``wards`` (None: all): ``{"active",
    "withdrawn", "phone_confirmed" (active, signed in by SMS code at least once),
    "on_assignment" (active, with an open request), "by_skill": {skill: n},
    "by_availability": {availability: n}}`` (the last two count active volunteers)."""
    people = Volunteer.objects.all()
    if wards is not None:
        people = people.filter(pk__in=Volunteer.wards.through.objects.filter(_ward_codes(wards)).values("volunteer_id"))
    people = people.order_by()
    active = people.filter(is_active=True)
    busy = HelpRequest.objects.filter(volunteer=OuterRef("pk"), status__in=OPEN_STATUSES)
    by_skill = dict(
        VolunteerSkill.objects.filter(volunteer__in=active.values("pk"))
        .order_by()
        .values_list("skill")
        .annotate(n=Count("pk"))
        .values_list("skill", "n")
    )
    by_availability = dict(active.values_list("availability").annotate(n=Count("pk")).values_list("availability", "n"))
    return {
        "active": active.count(),
        "withdrawn": people.filter(is_active=False).count(),
        "phone_confirmed": active.filter(phone_confirmed_at__isnull=False).count(),
        "on_assignment": active.filter(Exists(busy)).count(),
        "by_skill": _by(Skill.values, by_skill),
        "by_availability": _by(Availability.values, by_availability),
    }


# --- Volunteers: staff -------------------------------------------------------------------


def volunteer_list_for(
    user: User | AnonymousUser,
    *,
    search: str = "",
    skill: str = "",
    ward_code: int | None = None,
    availability: str = "",
    include_withdrawn: bool = False,
) -> QuerySet[Volunteer]:
    """Volunteers whose area meets the user's wards, by name. ``search`` matches names
    without accents or case ('dang' finds 'Đặng'), or a phone number."""
    qs = Volunteer.objects.all()
    if not sees_everywhere(user):
        qs = qs.filter(
            pk__in=Volunteer.wards.through.objects.filter(ward__in=jurisdiction_wards(user).values("code")).values(
                "volunteer_id"
            )
        )
    if not include_withdrawn:
        qs = qs.filter(is_active=True)
    search = search.replace("\x00", "").strip()[:100]
    if search:
        phone = normalize_phone(search)
        qs = qs.filter(phone=phone) if phone else qs.filter(name_key__contains=search_key(search))
    if skill:
        qs = qs.filter(pk__in=VolunteerSkill.objects.filter(skill=skill).values("volunteer_id"))
    if ward_code is not None:
        qs = qs.filter(pk__in=Volunteer.wards.through.objects.filter(ward_id=ward_code).values("volunteer_id"))
    if availability:
        qs = qs.filter(availability=availability)
    busy = HelpRequest.objects.filter(volunteer=OuterRef("pk"), status__in=OPEN_STATUSES)
    return qs.annotate(busy=Exists(busy)).prefetch_related("skills", "wards").order_by("name_key", "pk")


def volunteer_get_for(user: User | AnonymousUser, volunteer_id: int) -> Volunteer:
    """One volunteer whose area meets the user's wards (withdrawn ones too), or 404."""
    volunteer = volunteer_list_for(user, include_withdrawn=True).filter(pk=volunteer_id).first()
    if volunteer is None:
        raise Http404
    return volunteer


def volunteers_for_request(user: User | AnonymousUser, sos: HelpRequest) -> list[Volunteer]:
    """The active volunteers the user may send to ``sos``: those of its ward first, the free
    before the busy, then by name."""
    people = list(volunteer_list_for(user))
    ward = sos.ward_id
    return sorted(
        people,
        key=lambda v: (ward not in {w.code for w in v.wards.all()}, bool(getattr(v, "busy", False)), v.name_key),
    )


def teams_for(user: User | AnonymousUser) -> QuerySet[Team]:
    """Active teams serving any of the user's wards, or the whole province (no ward)."""
    qs = Team.objects.filter(is_active=True)
    if not sees_everywhere(user):
        qs = qs.filter(
            Q(wards__isnull=True)
            | Q(
                pk__in=Team.wards.through.objects.filter(ward__in=jurisdiction_wards(user).values("code")).values(
                    "team_id"
                )
            )
        )
    return qs.distinct().order_by("name")


def volunteer_history_for(user: User | AnonymousUser, volunteer: Volunteer) -> QuerySet[HelpRequest]:
    """The requests of the user's wards this volunteer is or was sent to."""
    ids = HelpRequestEvent.objects.filter(volunteer=volunteer).values("sos_id")
    return sos_list_for(user).filter(Q(volunteer=volunteer) | Q(pk__in=ids))


# --- Volunteers: their own pages -------------------------------------------------------------


def volunteer_for_phone(phone: str | None) -> Volunteer | None:
    """The active registration of a phone (E.164), if any."""
    if not phone:
        return None
    return Volunteer.objects.filter(phone=phone, is_active=True).first()


def assignments_of(volunteer: Volunteer) -> QuerySet[HelpRequest]:
    """The requests assigned to the volunteer now, open ones first, newest first."""
    return (
        HelpRequest.objects.filter(volunteer=volunteer)
        .select_related("ward", "team")
        .order_by(F("done_at").asc(nulls_first=True), "-created_at")
    )


def assignment_get(volunteer: Volunteer, sos_id: int) -> HelpRequest:
    """A request assigned to the volunteer now, or 404."""
    sos = HelpRequest.objects.select_related("ward", "team").filter(pk=sos_id, volunteer=volunteer).first()
    if sos is None:
        raise Http404
    return sos
