"""Why a venue or a check-in is refused: the codes of venues' own rules, each with its words.

The code is what the API answers (``code`` of the error envelope, docs/API.md) and what the
assisted check-in page reads; the label says it in the reader's language. A refusal the
core already has a code for (an unknown ward, a phone that is not a mobile number, a time
without its offset, a bad personal QR code, no such check-in) is raised with the core's
member (``truyvet.lib.error_codes.CoreError``), so one code keeps one meaning.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from truyvet.lib.errors import ErrorCode


class VenueError(ErrorCode):
    # Registering a venue and its owner.
    UNKNOWN_CATEGORY = "unknown_category", _("unknown kind of venue")
    ADDRESS_REQUIRED = "address_required", _("the address is missing")
    INVALID_LOCATION = "invalid_location", _("the location is not valid")
    LOCATION_OUTSIDE_VIETNAM = "location_outside_vietnam", _("the location is outside Viet Nam")
    PHONE_TAKEN = "phone_taken", _("the phone belongs to a staff account")
    WARD_OUTSIDE_AREA = "ward_outside_area", _("the ward is outside the staff member's area")
    # Checking in and out.
    UNKNOWN_VENUE = "unknown_venue", _("no venue has this code")
    VENUE_INACTIVE = "venue_inactive", _("the venue no longer takes check-ins")
    VENUE_CODE_EXPIRED = "venue_code_expired", _("the venue's rotating code has expired")
    TIME_IN_FUTURE = "time_in_future", _("the time is in the future")
    TIME_TOO_OLD = "time_too_old", _("the time is too long ago")
    CLIENT_ID_CONFLICT = "client_id_conflict", _("the client_id was used for another check-in")
    NOT_YOUR_CHECKIN = "not_your_checkin", _("the check-in is someone else's")
    CHECKOUT_BEFORE_CHECKIN = "checkout_before_checkin", _("the check-out comes before the check-in")
