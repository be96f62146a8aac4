"""Why a help request, a step of one or a volunteer's sign-up is refused: one code per
reason, each with its words (the page shows them; the API answers the code)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from truyvet.lib.errors import ErrorCode


class ReliefError(ErrorCode):
    INVALID_LOCATION = "invalid_location", _("the location is not a valid latitude and longitude")
    OUTSIDE_AREA = "outside_area", _("the location is outside the province")
    UNKNOWN_WARD = "unknown_ward", _("no commune or ward of the province has this code")
    INVALID_PHONE = "invalid_phone", _("not a Vietnamese mobile number")
    RATE_LIMITED = "rate_limited", _("too many submissions from this device or network")
    STEP_NOT_ALLOWED = "step_not_allowed", _("this step is not allowed from the request's current status")
    NOBODY_CHOSEN = "nobody_chosen", _("no volunteer or team chosen")
    VOLUNTEER_WITHDRAWN = "volunteer_withdrawn", _("the volunteer has withdrawn")
    TEAM_INACTIVE = "team_inactive", _("the team is no longer active")
    DUPLICATE_OF_ITSELF = "duplicate_of_itself", _("a request cannot duplicate itself")
    DUPLICATE_OF_DUPLICATE = "duplicate_of_duplicate", _("the other request is itself a duplicate")
    UNKNOWN_REQUEST = "unknown_request", _("no help request of your communes has this number")
    NOT_ASSIGNED_TO_YOU = "not_assigned_to_you", _("this request is not assigned to you")
    CONSENT_REQUIRED = "consent_required", _("the consent was not given")
    ALREADY_REGISTERED = "already_registered", _("this phone is already registered as a volunteer")
    SKILLS_REQUIRED = "skills_required", _("no skill given")
    UNKNOWN_STATUS = "unknown_status", _("not a status of a help request")
    UNKNOWN_TYPE = "unknown_type", _("not a type of help request")
