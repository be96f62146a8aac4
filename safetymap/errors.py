"""Why a facility, an assessment, a checklist, a report or an import is refused: one code
per reason, each with its words (the page shows them; the API answers the code)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from truyvet.lib.errors import ErrorCode


class SafetymapError(ErrorCode):
    UNKNOWN_FACILITY = "unknown_facility", _("no facility on the map has this number")
    UNKNOWN_TYPE = "unknown_facility_type", _("not a type of facility")
    UNKNOWN_STATUS = "unknown_safety_status", _("not a status of the safety map")
    OUTSIDE_WARDS = "outside_wards", _("the commune or ward is not one of yours")
    INVALID_LOCATION = "invalid_facility_location", _("the location is not a place in Viet Nam")
    NOT_A_MANAGER = "not_a_manager", _("no facility manager has this user name or phone")
    ANSWERS_INCOMPLETE = "answers_incomplete", _("not every criterion of the checklist was answered")
    STALE_CHECKLIST = "stale_checklist", _("the checklist changed since the page was opened")
    CHECKLIST_EMPTY = "checklist_empty", _("a checklist needs at least one criterion")
    REPORT_STEP = "report_step", _("this step is not possible from the report's current state")
    PHOTO_TYPE = "photo_type", _("the photo is not a JPEG, PNG or WebP image")
    PHOTO_TOO_LARGE = "photo_too_large", _("the photo is too large")
    TEXT_REQUIRED = "text_required", _("say what is wrong")
    FILE_TYPE = "import_file_type", _("the file is not CSV or XLSX")
    FILE_UNREADABLE = "import_file_unreadable", _("the file could not be read")
    FILE_EMPTY = "import_file_empty", _("the file holds no facility")
    FILE_TOO_LARGE = "import_file_too_large", _("the file is too large")
    HEADINGS_MISSING = "import_headings_missing", _("the file's column headings were not found")
    ROWS_REFUSED = "import_rows_refused", _("some rows of the file are not valid; nothing was imported")
