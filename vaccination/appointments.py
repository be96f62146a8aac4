"""Appointments: the days a registered person is offered, booking (race-safe), rescheduling,
cancelling, and the reminders the day before.

- **Offered days**: from tomorrow (and the campaign's start) to the campaign's end, and,
  after a dose, from the product's minimum to its maximum days since the person's last
  dose (``selectors.interval_days``: the campaign's setting, else the portal's). A person
  past the maximum is offered every day left (a late dose does not restart the series).
  Each day lists the sessions with places left (the site's capacity per morning and per
  afternoon minus the appointments booked).
- **Booking** locks the counter row of the site's session (``SessionSlot``, made on first
  use) with ``SELECT ... FOR UPDATE``: two people asking for the last place at once are
  served one after the other, and the second hears ``slot_full``. Booking again for the
  same person moves the appointment (rescheduling): the old place is given back in the
  same transaction. A person has at most one booked appointment (a partial unique
  constraint).
- **A freed place** (a cancellation, a move, a withdrawn registration) is offered to the
  site's waiting list in the same transaction (``places_freed``, ``vaccination.waitlist``).
- **Reminders** (``reminders_send``, a Celery beat task each day): a portal notice and an
  SMS to each person booked for tomorrow, once (``reminded_at`` and the notification's
  ``dedupe_key``), in the person's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from truyvet.accounts.models import User
from truyvet.lib.audit import audit_log
from truyvet.lib.notify import Message, Recipient, notifications_send
from vaccination.appointment_messages import REMINDER
from vaccination.models import (
    Appointment,
    AppointmentStatus,
    Dose,
    Registration,
    RegistrationStatus,
    Session,
    SessionSlot,
    Site,
)
from vaccination.registration import campaign_site_check, registration_get_for_citizen
from vaccination.registration_errors import RegistrationError, refused
from vaccination.selectors import interval_days

OFFERED_DAYS = 14  # days shown at once


@dataclass(frozen=True)
class Window:
    """The days a person may be booked for their next dose of the campaign."""

    dose_number: int
    first: date
    last: date
    last_dose_on: date | None = None


@dataclass(frozen=True)
class OfferedDay:
    day: date
    sessions: list[tuple[str, int]]  # (session, places left), only those with places


def dose_window(registration: Registration, *, today: date | None = None) -> Window:
    """The days of the registered person's next dose: within the campaign, from tomorrow,
    and within the product's interval after their last dose."""
    today = today or timezone.localdate()
    campaign = registration.campaign
    first = max(today + timedelta(days=1), campaign.starts_on)
    last = campaign.ends_on
    doses = list(
        Dose.objects.filter(person_id=registration.person_id)
        .order_by("-administered_on")
        .values_list("product", "administered_on")[:1]
    )
    count = Dose.objects.filter(person_id=registration.person_id).count() if doses else 0
    if not doses:
        return Window(dose_number=1, first=first, last=last)
    product, given_on = doses[0]
    in_campaign = campaign.products.filter(product=product).exists()
    low, high = interval_days(product, given_on, campaign.pk if in_campaign else None)
    earliest = max(first, given_on + timedelta(days=low))
    latest = given_on + timedelta(days=high)
    # Past the maximum, every day left is offered: a late dose does not restart the series.
    return Window(
        dose_number=count + 1,
        first=earliest,
        last=min(last, latest) if latest >= earliest else last,
        last_dose_on=given_on,
    )


def places_left(site: Site, first: date, last: date) -> dict[tuple[date, str], int]:
    """Places left per (day, session) at the site between two days (one query)."""
    booked = {
        (day, session): n
        for day, session, n in SessionSlot.objects.filter(site=site, day__range=(first, last)).values_list(
            "day", "session", "booked"
        )
    }
    left: dict[tuple[date, str], int] = {}
    day = first
    while day <= last:
        for session in Session.values:
            left[(day, session)] = max(0, site.capacity(session) - booked.get((day, session), 0))
        day += timedelta(days=1)
    return left


def offered_days(
    registration: Registration, site: Site, *, today: date | None = None, days: int = OFFERED_DAYS
) -> tuple[Window, list[OfferedDay]]:
    """The window and its first ``days`` days that still have a place at the site."""
    window = dose_window(registration, today=today)
    if window.last < window.first:
        return window, []
    last = min(window.last, window.first + timedelta(days=days - 1))
    left = places_left(site, window.first, last)
    offered: list[OfferedDay] = []
    day = window.first
    while day <= last:
        sessions = [(s, left[(day, s)]) for s in Session.values if left[(day, s)] > 0]
        if sessions:
            offered.append(OfferedDay(day, sessions))
        day += timedelta(days=1)
    return window, offered


def appointment_release(appointment: Appointment) -> None:
    """Cancel a booked appointment and give its place back (inside the caller's transaction,
    the appointment's row locked)."""
    SessionSlot.objects.filter(
        site_id=appointment.site_id, day=appointment.day, session=appointment.session, booked__gt=0
    ).update(booked=F("booked") - 1)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = timezone.now()
    appointment.save(update_fields=["status", "cancelled_at"])


def places_freed(appointments: list[Appointment]) -> None:
    """Offer the places these appointments just gave back to the people waiting for them
    (``vaccination.waitlist``), in the caller's transaction, which holds their counters."""
    # The waiting list builds on this module; imported here so the dependency points one way.
    from vaccination.waitlist import place_of, places_offer

    places_offer([place_of(a) for a in appointments], exclude_person_ids={a.person_id for a in appointments})


def _take_place(site: Site, day: date, session: str) -> None:
    """Take one place of the site's session, or ``slot_full`` (409). The counter row is made
    on first use, then locked: concurrent bookings of the same session queue here."""
    SessionSlot.objects.bulk_create([SessionSlot(site=site, day=day, session=session)], ignore_conflicts=True)
    slot = SessionSlot.objects.select_for_update().get(site=site, day=day, session=session)
    if slot.booked >= site.capacity(session):
        raise refused(RegistrationError.SLOT_FULL, field="day", status=409)
    slot.booked = F("booked") + 1
    slot.save(update_fields=["booked"])


@transaction.atomic
def appointment_book(
    *,
    user: User,
    registration_id: int,
    site_id: int,
    day: date,
    session: str,
    request: HttpRequest | None = None,
) -> Appointment:
    """Book (or move) the appointment of a registration of the citizen's household.

    Refused: ``not_your_household`` (404), ``not_registered``, ``campaign_closed``,
    ``site_closed``, ``site_outside_campaign``, ``day_past``, ``outside_interval``,
    ``slot_full`` (409). The same booking again answers the booked appointment."""
    registration = registration_get_for_citizen(user, registration_id, lock=True)
    if registration.status != RegistrationStatus.REGISTERED:
        raise refused(RegistrationError.NOT_REGISTERED)
    if session not in Session.values:
        raise refused(RegistrationError.SLOT_FULL, field="session")
    today = timezone.localdate()
    if registration.campaign.ends_on < today:
        raise refused(RegistrationError.CAMPAIGN_CLOSED)
    site = campaign_site_check(registration.campaign, site_id)
    if day <= today:
        raise refused(RegistrationError.DAY_PAST, field="day")
    window = dose_window(registration, today=today)
    if not window.first <= day <= window.last:
        raise refused(RegistrationError.OUTSIDE_INTERVAL, field="day")
    current = (
        Appointment.objects.select_for_update()
        .filter(person_id=registration.person_id, status=AppointmentStatus.BOOKED)
        .first()
    )
    if current is not None and (current.site_id, current.day, current.session) == (site.pk, day, session):
        return current
    _take_place(site, day, session)
    released = False
    if current is not None and current.day <= today:
        # The day of the booked one has come: it stays in the site's list as it was.
        current.status = AppointmentStatus.DONE
        current.save(update_fields=["status"])
    elif current is not None:
        appointment_release(current)
        released = True
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                registration=registration,
                person_id=registration.person_id,
                site=site,
                day=day,
                session=session,
                dose_number=window.dose_number,
            )
    except IntegrityError:  # another booking of the same person committed meanwhile
        raise refused(RegistrationError.APPOINTMENT_NOT_BOOKED, status=409) from None
    audit_log(
        actor=user,
        action="vaccination.appointment_book" if current is None else "vaccination.appointment_move",
        obj=appointment,
        person_id=registration.person_id,
        request=request,
        detail={"moved_from": current.pk} if current is not None else None,
    )
    if released and current is not None:
        places_freed([current])
    return appointment


def appointment_get_for_citizen(user: User, appointment_id: int, *, lock: bool = False) -> Appointment:
    from vaccination.selectors import people_of_citizen

    ids = [p.pk for p in people_of_citizen(user)]
    rows = Appointment.objects.select_related("site", "registration__campaign", "person")
    if lock:
        rows = rows.select_for_update(of=("self",))
    appointment = rows.filter(pk=appointment_id, person_id__in=ids).first()
    if appointment is None:
        raise refused(RegistrationError.NOT_YOUR_HOUSEHOLD, status=404)
    return appointment


@transaction.atomic
def appointment_cancel(*, user: User, appointment_id: int, request: HttpRequest | None = None) -> Appointment:
    """The citizen cancels an appointment of their household; its place is given back.
    Cancelling twice changes nothing."""
    appointment = appointment_get_for_citizen(user, appointment_id, lock=True)
    if appointment.status == AppointmentStatus.BOOKED:
        appointment_release(appointment)
        audit_log(
            actor=user,
            action="vaccination.appointment_cancel",
            obj=appointment,
            person_id=appointment.person_id,
            request=request,
        )
        places_freed([appointment])
    return appointment


def reminders_send(*, today: date | None = None, limit: int = 5000) -> int:
    """Remind everybody booked for tomorrow, once: a portal notice and an SMS in the person's
    language. Idempotent: ``reminded_at`` marks who was reminded, and the notification's
    ``dedupe_key`` keeps a retry after a crash between the two from sending twice.
    Returns how many were reminded."""
    tomorrow = (today or timezone.localdate()) + timedelta(days=1)
    due = list(
        Appointment.objects.filter(day=tomorrow, status=AppointmentStatus.BOOKED, reminded_at__isnull=True)
        .select_related("person", "site")
        .order_by("pk")[:limit]
    )
    # One notification per appointment and day: the key names both.
    messages = [
        Message(
            recipient=Recipient(person_id=a.person.pk, phone=a.person.phone, language=a.person.language),
            dedupe_key=f"vaccination.reminder:{a.pk}:{a.day.isoformat()}",
            code=REMINDER,
            params={
                "name": a.person.full_name,
                "site": a.site.name,
                "address": a.site.address,
                "day": a.day.isoformat(),
                "session": a.session,
                "dose": a.dose_number,
            },
            url="/vaccination/register/",
        )
        for a in due
    ]
    with transaction.atomic():
        notifications_send(messages)
        Appointment.objects.filter(pk__in=[a.pk for a in due]).update(reminded_at=timezone.now())
    return len(due)
