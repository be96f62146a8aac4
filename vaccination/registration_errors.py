"""Why a registration, an employees' file or an appointment is refused: one code per reason."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from truyvet.lib.errors import DomainError, ErrorCode


class RegistrationError(ErrorCode):
    NOT_YOUR_HOUSEHOLD = "not_your_household", _("this person is not of your household")
    UNKNOWN_CAMPAIGN = "unknown_campaign", _("no open campaign has this number")
    CAMPAIGN_CLOSED = "campaign_closed", _("the campaign has ended")
    UNKNOWN_GROUP = "unknown_group", _("not a target group of the campaign")
    SITE_OUTSIDE_CAMPAIGN = "site_outside_campaign", _("the site is not in the campaign's area")
    DAY_OUTSIDE_CAMPAIGN = "day_outside_campaign", _("the day is not within the campaign's dates")
    ALREADY_REGISTERED = "already_registered", _("this person is already registered for the campaign")
    NOT_REGISTERED = "not_registered", _("this person is not registered for the campaign")
    NOT_A_REPRESENTATIVE = "not_a_representative", _("you do not represent this employer")
    FILE_EMPTY = "employees_file_empty", _("the file lists no employee")
    FILE_TOO_LARGE = "employees_file_too_large", _("the file is too large")
    FILE_UNREADABLE = "employees_file_unreadable", _("the file could not be read")
    FILE_TYPE = "employees_file_type", _("the file is neither CSV nor XLSX")
    HEADINGS_MISSING = "employees_headings_missing", _("the file lacks the template's column headings")
    ROWS_REFUSED = "employees_rows_refused", _("rows of the file are not valid; nothing was imported")
    NAME_REQUIRED = "name_required", _("the full name is missing")
    BAD_DATE = "bad_date", _("not a date (day/month/year)")
    DUPLICATE_IN_FILE = "duplicate_in_file", _("this id number is on another row of the file")
    RECORD_MISMATCH = "record_mismatch", _("the name or date of birth differs from the record of this id number")
    SLOT_FULL = "slot_full", _("this session is full: choose another")
    OUTSIDE_INTERVAL = "outside_interval", _("this day is outside the interval since the last dose")
    DAY_PAST = "day_past", _("choose a day from tomorrow on")
    SITE_CLOSED = "site_closed", _("the site is not open for appointments")
    APPOINTMENT_NOT_BOOKED = "appointment_not_booked", _("this appointment is no longer booked")
    SERIES_DONE = "series_done", _("this person has had every dose of the campaign's series")
    ALREADY_WAITING = "already_waiting", _("this person already waits for this site on one of these days")
    PLACES_LEFT = "places_left", _("this day still has places: book one")
    WAIT_DAYS = "wait_days", _("wait for one day, or for any day in the next 2 to 14 days")
    NOT_WAITING = "not_waiting", _("this person is not on this waiting list")


def refused(code: RegistrationError, *, field: str | None = None, status: int = 400) -> DomainError:
    """The error for ``code``, in its own words."""
    return DomainError(code.label, code, field=field, status=status)
