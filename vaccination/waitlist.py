"""The waiting list of a full site: joining, leaving, and booking a freed place for the first
person waiting, in the transaction that freed it.

- **Joining** (``waitlist_join``): a registered person of the citizen's household waits for a
  site on one day, or on any day of the next ``days`` (up to ``WAIT_MAX_DAYS``) from a first
  day, clipped to their dose window (``appointments.dose_window``). A single day that still
  has a place is refused (``places_left``: book it). A person waits at most once per site and
  day (``already_waiting``, 409), checked under the lock of the person's row.
- **A place frees** when an appointment is cancelled, moved, or its registration withdrawn;
  those writes give the place back and call ``places_offer`` in the same transaction, which
  still holds the lock of the session's counter (``SessionSlot``). The place goes to the
  first person waiting (by the time they joined) whom it fits: still registered, the site in
  their campaign's wards, the day within the campaign and their dose window; anyone else is
  skipped (and keeps waiting). The booking is an ordinary appointment (the person cancels it
  as any other); the person's other lists of that registration end; an appointment they held
  is moved, and its place is offered in turn (at most ``OFFER_STEPS`` places a transaction).
- **No waiting on locks**: a freed place's transaction already holds a counter's lock, so it
  reads the people waiting without locks and claims only the one it books, with ``SKIP
  LOCKED`` (their entry and registration, then their booked appointment and its counter):
  someone busy booking, cancelling or being booked elsewhere at that moment
  is skipped, never waited for (waiting there could deadlock with ``appointment_book``, which
  locks the registration, then the counter). Nobody is booked twice: the one booked
  appointment per person is also a constraint.
- **The notice** (a portal message and an SMS, ``truyvet.lib.notify``, through the outbox
  after the commit) is keyed by the list entry, so it goes once, in the person's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from truyvet.accounts.models import User
from truyvet.lib.audit import audit_log
from truyvet.lib.notify import Message, Recipient, notifications_send
from truyvet.people.models import Person
from vaccination.appointment_messages import WAITLIST_BOOKED
from vaccination.appointments import (
    OFFERED_DAYS,
    OfferedDay,
    Window,
    appointment_release,
    dose_window,
    places_left,
)
from vaccination.models import (
    Appointment,
    AppointmentStatus,
    Campaign,
    RegistrationStatus,
    SessionSlot,
    Site,
)
from vaccination.registration import campaign_site_check, registration_get_for_citizen
from vaccination.registration_errors import RegistrationError, refused
from vaccination.registration_models import WaitlistEntry, WaitStatus

WAIT_MAX_DAYS = OFFERED_DAYS  # "any day in the next N days": N at most this
OFFER_CANDIDATES = 20  # people looked at for one place (the first fits, unless skipped)
OFFER_STEPS = 10  # places offered in one transaction (a freed place, then the places it moves)


@dataclass(frozen=True)
class WaitIn:
    registration_id: int
    site_id: int
    first_day: date
    days: int = 1  # 1: that day only; N: any day from first_day to first_day + N - 1


@dataclass(frozen=True)
class Place:
    """One place of a site's session, given back."""

    site_id: int
    day: date
    session: str


@transaction.atomic
def waitlist_join(*, user: User, data: WaitIn, request: HttpRequest | None = None) -> WaitlistEntry:
    """Put a registered person of the citizen's household on a site's waiting list.

    Refused: ``not_your_household`` (404), ``not_registered``, ``campaign_closed``,
    ``site_closed``, ``site_outside_campaign``, ``wait_days``, ``day_past``,
    ``outside_interval``, ``places_left``, ``already_waiting`` (409)."""
    registration = registration_get_for_citizen(user, data.registration_id, lock=True)
    if registration.status != RegistrationStatus.REGISTERED:
        raise refused(RegistrationError.NOT_REGISTERED)
    today = timezone.localdate()
    if registration.campaign.ends_on < today:
        raise refused(RegistrationError.CAMPAIGN_CLOSED)
    site = campaign_site_check(registration.campaign, data.site_id)
    if not 1 <= data.days <= WAIT_MAX_DAYS:
        raise refused(RegistrationError.WAIT_DAYS, field="days")
    if data.first_day <= today:
        raise refused(RegistrationError.DAY_PAST, field="day")
    window = dose_window(registration, today=today)
    first = max(data.first_day, window.first)
    last = min(data.first_day + timedelta(days=data.days - 1), window.last)
    if last < first or (data.days == 1 and first != data.first_day):
        raise refused(RegistrationError.OUTSIDE_INTERVAL, field="day")
    if data.days == 1 and any(places_left(site, first, first).values()):
        raise refused(RegistrationError.PLACES_LEFT, field="day")
    # The person's row is the lock of their lists: two requests (or two registrations of the
    # same person) joining at once are checked one after the other.
    list(Person.objects.select_for_update().filter(pk=registration.person_id).values_list("pk", flat=True))
    overlapping = WaitlistEntry.objects.filter(
        person_id=registration.person_id,
        site=site,
        status=WaitStatus.WAITING,
        first_day__lte=last,
        last_day__gte=first,
    )
    if overlapping.exists():
        raise refused(RegistrationError.ALREADY_WAITING, field="day", status=409)
    entry = WaitlistEntry.objects.create(
        registration=registration,
        person_id=registration.person_id,
        site=site,
        first_day=first,
        last_day=last,
        joined_by=user,
    )
    audit_log(
        actor=user,
        action="vaccination.waitlist_join",
        obj=entry,
        person_id=registration.person_id,
        request=request,
        detail={"site": site.pk, "first_day": first.isoformat(), "last_day": last.isoformat()},
    )
    return entry


@transaction.atomic
def waitlist_leave(*, user: User, entry_id: int, request: HttpRequest | None = None) -> WaitlistEntry:
    """The citizen takes a person of their household off a waiting list (twice: no change)."""
    from vaccination.selectors import people_of_citizen

    ids = [p.pk for p in people_of_citizen(user)]
    entry = WaitlistEntry.objects.select_for_update().filter(pk=entry_id, person_id__in=ids).first()
    if entry is None:
        raise refused(RegistrationError.NOT_WAITING, status=404)
    if entry.status == WaitStatus.WAITING:
        entry.status = WaitStatus.LEFT
        entry.ended_at = timezone.now()
        entry.save(update_fields=["status", "ended_at"])
        audit_log(
            actor=user, action="vaccination.waitlist_leave", obj=entry, person_id=entry.person_id, request=request
        )
    return entry


def waits_end_for_registration(registration_id: int) -> int:
    """End the lists of a withdrawn registration (inside the caller's transaction)."""
    return WaitlistEntry.objects.filter(registration_id=registration_id, status=WaitStatus.WAITING).update(
        status=WaitStatus.ENDED, ended_at=timezone.now()
    )


# --- A place frees --------------------------------------------------------------------------


def place_of(appointment: Appointment) -> Place:
    return Place(appointment.site_id, appointment.day, appointment.session)


def places_offer(freed: list[Place], *, exclude_person_ids: set[int] | None = None) -> list[Appointment]:
    """Offer places just given back (the caller's transaction holds their counters' locks) to
    the people waiting; the appointments booked. A person moved off another appointment
    frees that place, which is offered next."""
    if not freed:
        return []
    today = timezone.localdate()
    excluded = set(exclude_person_ids or ())
    queue = list(freed)
    booked: list[Appointment] = []
    steps = 0
    while queue and steps < OFFER_STEPS:
        place = queue.pop(0)
        steps += 1
        if place.day <= today:
            continue
        outcome = _offer_one(place, today=today, excluded=excluded)
        if outcome is not None:
            appointment, moved_from = outcome
            booked.append(appointment)
            excluded.add(appointment.person_id)
            if moved_from is not None:
                queue.append(moved_from)
    return booked


def _waiting_for(place: Place) -> QuerySet[WaitlistEntry]:
    """The people waiting for the place's site and day, in the order they joined (read
    without locks: the one chosen is locked by ``_claim``)."""
    return (
        WaitlistEntry.objects.filter(
            site_id=place.site_id,
            status=WaitStatus.WAITING,
            first_day__lte=place.day,
            last_day__gte=place.day,
            registration__status=RegistrationStatus.REGISTERED,
            registration__campaign__starts_on__lte=place.day,
            registration__campaign__ends_on__gte=place.day,
        )
        .select_related("registration__campaign", "person")
        .order_by("created_at", "id")
    )


def _claim(entry: WaitlistEntry) -> bool:
    """Lock the entry and its registration (the lock ``appointment_book`` takes), unless
    another transaction holds either or the entry no longer waits. One entry at a time, so
    two places freed at once in different sessions go to two people, not both skipped."""
    return (
        WaitlistEntry.objects.filter(
            pk=entry.pk, status=WaitStatus.WAITING, registration__status=RegistrationStatus.REGISTERED
        )
        .select_related("registration")
        .select_for_update(skip_locked=True, of=("self", "registration"))
        .first()
        is not None
    )


def _offer_one(place: Place, *, today: date, excluded: set[int]) -> tuple[Appointment, Place | None] | None:
    site = Site.objects.filter(pk=place.site_id, active=True).first()
    if site is None:
        return None
    slot = (
        SessionSlot.objects.select_for_update()
        .filter(site_id=place.site_id, day=place.day, session=place.session)
        .first()
    )
    if slot is None or slot.booked >= site.capacity(place.session):
        return None
    candidates = [e for e in _waiting_for(place)[:OFFER_CANDIDATES] if e.person_id not in excluded]
    if not candidates:
        return None
    wards = _campaign_wards({e.registration.campaign_id for e in candidates})
    for entry in candidates:
        campaign_wards = wards.get(entry.registration.campaign_id)
        if campaign_wards and site.ward_id not in campaign_wards:
            continue  # the site is no longer in the campaign's area
        window = dose_window(entry.registration, today=today)
        if not window.first <= place.day <= window.last:
            continue  # not within their dose interval (or campaign): the next one
        if not _claim(entry):
            continue  # busy in another transaction, or no longer waiting
        outcome = _book(entry, place, site, window.dose_number, today=today)
        if outcome is not None:
            return outcome
    return None


def _campaign_wards(campaign_ids: set[int]) -> dict[int, set[int]]:
    rows = Campaign.wards.through.objects.filter(campaign_id__in=campaign_ids).values_list("campaign_id", "ward_id")
    found: dict[int, set[int]] = {}
    for campaign_id, ward_id in rows:
        found.setdefault(campaign_id, set()).add(ward_id)
    return found


def _book(
    entry: WaitlistEntry, place: Place, site: Site, dose_number: int, *, today: date
) -> tuple[Appointment, Place | None] | None:
    """Book the place for the entry's person (moving the appointment they hold), or None when
    their appointment or its counter is busy in another transaction (then the next person)."""
    held = Appointment.objects.filter(person_id=entry.person_id, status=AppointmentStatus.BOOKED)
    current = held.select_for_update(skip_locked=True).first()
    if current is None and held.exists():
        return None  # their appointment is being changed right now
    if current is not None and (current.site_id, current.day) == (place.site_id, place.day):
        return None  # booked there that day already (they booked it themselves meanwhile)
    moved_from: Place | None = None
    try:
        with transaction.atomic():
            if current is not None and current.day <= today:
                current.status = AppointmentStatus.DONE  # its day has come: it stays in that day's list
                current.save(update_fields=["status"])
            elif current is not None:
                old = (
                    SessionSlot.objects.select_for_update(skip_locked=True)
                    .filter(site_id=current.site_id, day=current.day, session=current.session)
                    .first()
                )
                if old is None:
                    return None
                appointment_release(current)
                moved_from = place_of(current)
            SessionSlot.objects.filter(site_id=place.site_id, day=place.day, session=place.session).update(
                booked=F("booked") + 1
            )
            appointment = Appointment.objects.create(
                registration=entry.registration,
                person_id=entry.person_id,
                site=site,
                day=place.day,
                session=place.session,
                dose_number=dose_number,
            )
    except IntegrityError:  # booked through another of their registrations meanwhile
        return None
    now = timezone.now()
    entry.status, entry.appointment, entry.ended_at = WaitStatus.BOOKED, appointment, now
    entry.save(update_fields=["status", "appointment", "ended_at"])
    WaitlistEntry.objects.filter(registration_id=entry.registration_id, status=WaitStatus.WAITING).update(
        status=WaitStatus.ENDED, ended_at=now
    )
    audit_log(
        actor=None,
        action="vaccination.waitlist_book",
        obj=appointment,
        person_id=entry.person_id,
        detail={"waitlist_entry": entry.pk, **({"moved_from": current.pk} if current is not None else {})},
    )
    person = entry.person
    notifications_send([
        Message(
            recipient=Recipient(person_id=person.pk, phone=person.phone, language=person.language),
            dedupe_key=f"vaccination.waitlist_booked:{entry.pk}",
            code=WAITLIST_BOOKED,
            params={
                "name": person.full_name,
                "site": site.name,
                "address": site.address,
                "day": place.day.isoformat(),
                "session": place.session,
                "dose": dose_number,
            },
            url="/vaccination/register/",
        )
    ])  # fmt: skip
    return appointment, moved_from


# --- Reads ----------------------------------------------------------------------------------


def household_waits(person_ids: list[int], *, today: date | None = None) -> list[WaitlistEntry]:
    """The lists the household's people wait on (days still to come), with their site."""
    if not person_ids:
        return []
    today = today or timezone.localdate()
    return list(
        WaitlistEntry.objects.filter(person_id__in=person_ids, status=WaitStatus.WAITING, last_day__gt=today)
        .select_related("site")
        .order_by("first_day", "created_at")
    )


def site_waiting(site: Site, *, today: date | None = None) -> QuerySet[WaitlistEntry]:
    """The people waiting for a site on days still to come, in the order they joined."""
    today = today or timezone.localdate()
    return (
        WaitlistEntry.objects.filter(site=site, status=WaitStatus.WAITING, last_day__gt=today)
        .select_related("person", "registration__campaign")
        .order_by("created_at", "id")
    )


def site_waiting_count(site: Site, *, today: date | None = None) -> int:
    return site_waiting(site, today=today).count()


def site_waiting_by_day(site: Site, first: date, last: date) -> dict[date, int]:
    """How many people wait for each day from ``first`` to ``last`` (a person waiting for a
    range counts on each of its days): one query."""
    counts = {first + timedelta(days=i): 0 for i in range((last - first).days + 1)}
    rows = (
        WaitlistEntry.objects.filter(site=site, status=WaitStatus.WAITING, first_day__lte=last, last_day__gte=first)
        .values("first_day", "last_day")
        .annotate(n=Count("id"))
    )
    for row in rows:
        day = max(row["first_day"], first)
        while day <= min(row["last_day"], last):
            counts[day] += row["n"]
            day += timedelta(days=1)
    return counts


def full_days(window: Window, offered: list[OfferedDay], *, days: int = OFFERED_DAYS) -> list[date]:
    """The days of the booking page (the window's first ``days``) that have no place left: the
    days one may wait for."""
    if window.last < window.first:
        return []
    last = min(window.last, window.first + timedelta(days=days - 1))
    open_days = {d.day for d in offered}
    return [window.first + timedelta(days=i) for i in range((last - window.first).days + 1)
            if window.first + timedelta(days=i) not in open_days]  # fmt: skip
