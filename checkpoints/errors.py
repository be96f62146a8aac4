"""The codes of every error checkpoints can answer, each with its words.

- ``ScanRejection``: why the server refuses a scanned passage. The code is what the API
  answers (``reason`` of a rejected batch item) and what a tablet queues; the label is what
  the scanner page shows staff, in their language ("Not recorded: <label>.").
  ``tests/checkpoints/test_rejection_labels.py`` fails when a reason the code can give has
  no label here. The online check (``checkpoints.selectors.lookup``) answers the same codes.
- ``TripRejection``: why the ticked passengers of a bus trip were not recorded at a
  checkpoint; the label is the whole sentence the trip page shows.
- ``TripError``: what an operator's trip, passenger or passenger list is refused for.
- ``CheckpointError``: managing checkpoints, duty shifts, and a batch as a whole.

A code keeps its string forever (clients depend on it); a ``DomainError`` is raised with a
member of one of these enums. ``tests/checkpoints/test_error_codes.py`` fails when one is
raised with a bare string, when a known code changes its string, or when a code has no
Vietnamese words.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from truyvet.lib.errors import ErrorCode


class ScanRejection(ErrorCode):
    TOKEN_EXPIRED = "token_expired", _("the personal QR code had expired")
    TOKEN_BAD_SIGNATURE = "token_bad_signature", _("the personal QR code is not genuine")
    TOKEN_MALFORMED = "token_malformed", _("not a personal QR code")
    TOKEN_REVOKED = "token_revoked", _("the personal QR code was withdrawn")
    TOKEN_UNKNOWN = "token_unknown", _("nobody holds this QR code")
    TRIP_UNKNOWN = "trip_unknown", _("no bus trip has this code")
    TRIP_EMPTY = "trip_empty", _("nobody was on board")
    PASSENGER_UNKNOWN = "passenger_unknown", _("a passenger is not on this trip")
    PERSON_UNKNOWN = "person_unknown", _("the person is not on the system")
    SCANNED_AT_FUTURE = "scanned_at_future", _("the tablet's clock is ahead")
    SCANNED_AT_TOO_OLD = "scanned_at_too_old", _("scanned too long ago")
    ONE_IDENTIFIER_REQUIRED = "one_identifier_required", _("no code or number")
    WARD_UNKNOWN = "ward_unknown", _("unknown commune or ward")
    TEMPERATURE_IMPLAUSIBLE = "temperature_implausible", _("the temperature is implausible")
    CLIENT_ID_REUSED = "client_id_reused", _("sent twice with different content")
    INVALID_CHARACTERS = "invalid_characters", _("a field holds characters that cannot be stored")
    NUMBER_OUT_OF_RANGE = "number_out_of_range", _("a number is out of range")
    ITEM_NOT_OBJECT = "item_not_object", _("the passage could not be read")
    # A field of the item broke its rule (checkpoints.schemas.reason_of).
    CLIENT_ID_INVALID = "client_id_invalid", _("the passage's id is not valid")
    DIRECTION_INVALID = "direction_invalid", _("the direction is missing or wrong")
    SCANNED_AT_INVALID = "scanned_at_invalid", _("the scan time is not valid")
    QR_TOKEN_INVALID = "qr_token_invalid", _("the QR code text is not valid")
    TRIP_CODE_INVALID = "trip_code_invalid", _("the trip code is not valid")
    PERSON_ID_INVALID = "person_id_invalid", _("the person chosen is not valid")
    ID_NUMBER_INVALID = "id_number_invalid", _("the id number is not valid")
    PHONE_INVALID = "phone_invalid", _("the phone number is not valid")
    PASSENGER_IDS_INVALID = "passenger_ids_invalid", _("the passenger list is not valid")
    TEMPERATURE_INVALID = "temperature_invalid", _("the temperature is not a number")
    VEHICLE_PLATE_INVALID = "vehicle_plate_invalid", _("the vehicle plate is not valid")
    VEHICLE_TYPE_INVALID = "vehicle_type_invalid", _("the vehicle type is not valid")
    ORIGIN_WARD_CODE_INVALID = "origin_ward_code_invalid", _("the commune of origin is not valid")
    DESTINATION_WARD_CODE_INVALID = "destination_ward_code_invalid", _("the commune of destination is not valid")


class TripRejection(ErrorCode):
    """The same codes as the scan's where they meet, in the words of the trip page."""

    NO_PASSENGER = "no_passenger", _("Tick at least one passenger.")
    DIRECTION_INVALID = "direction_invalid", _("Choose a direction.")
    TRIP_UNKNOWN = "trip_unknown", _("No bus trip has this code.")
    TRIP_EMPTY = "trip_empty", _("This trip has no passengers.")
    PASSENGER_UNKNOWN = "passenger_unknown", _("A ticked passenger is no longer on this trip: open the trip again.")
    CLIENT_ID_REUSED = (
        "client_id_reused",
        _("This form was already sent with other passengers ticked: open the trip again."),
    )


class TripError(ErrorCode):
    NOT_AN_OPERATOR = "not_an_operator", _("only bus operators register trips")
    REQUIRED = "required", _("a required field is empty")
    INVALID = "invalid", _("a field is not valid")
    UNKNOWN_WARD = "unknown_ward", _("unknown commune or ward")
    WARD_AMBIGUOUS = "ward_ambiguous", _("more than one commune or ward has this name")
    NAME_REQUIRED = "name_required", _("the full name is missing")
    NAME_TOO_LONG = "name_too_long", _("the name is too long")
    ID_REQUIRED = "id_required", _("the citizen id or passport number is missing")
    ID_FORMAT = "id_format", _("not a citizen id or a passport number")
    INVALID_PHONE = "invalid_phone", _("not a Vietnamese mobile number")
    SEAT_TOO_LONG = "seat_too_long", _("the seat is too long")
    DUPLICATE_IN_FILE = "duplicate_in_file", _("the same id number is on another line")
    ALREADY_ON_TRIP = "already_on_trip", _("the passenger is already on this trip")
    # The passenger list as a file (checkpoints.passenger_files).
    FILE_TOO_LARGE = "file_too_large", _("the file is too large")
    FILE_TYPE = "file_type", _("not a CSV or XLSX file")
    FILE_UNREADABLE = "file_unreadable", _("the file could not be read")
    FILE_EMPTY = "file_empty", _("the file is empty")
    HEADINGS_MISSING = "headings_missing", _("the column headings are missing")
    TOO_MANY_ROWS = "too_many_rows", _("the file lists too many passengers")


class CheckpointError(ErrorCode):
    FORBIDDEN = "forbidden", _("may not manage checkpoints")
    WARD_OUTSIDE = "ward_outside", _("the commune or ward is outside the user's area")
    STAFF_OUTSIDE = "staff_outside", _("a person the user may not assign")
    NOT_ON_DUTY = "not_on_duty", _("not on duty")
    SCANS_REQUIRED = "scans_required", _("no list of scans")
    BATCH_TOO_LARGE = "batch_too_large", _("too many scans in one batch")
